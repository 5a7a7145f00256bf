#!/bin/sh
# PostgreSQL from Debian's packages as a compose service (docker-compose.host.yml), configured like
# the official postgres image: on an empty data directory it creates the cluster with
# POSTGRES_USER (password POSTGRES_PASSWORD, scram-sha-256 over TCP) and the database POSTGRES_DB,
# then runs the server in the foreground on POSTGRES_LISTEN_ADDRESS (default 127.0.0.1), port
# POSTGRES_PORT (default 5432). Started as root, it hands PGDATA to the postgres user and drops to it.
set -eu

PGDATA="${PGDATA:-/var/lib/postgresql/data}"
: "${POSTGRES_USER:?set POSTGRES_USER}"
: "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
LISTEN="${POSTGRES_LISTEN_ADDRESS:-127.0.0.1}"
PORT="${POSTGRES_PORT:-5432}"
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
SOCKETS=/tmp
export PGDATA

if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA"
    chown -R postgres:postgres "$PGDATA"
    chmod 700 "$PGDATA"
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    echo "postgres-server: initialising $PGDATA for user $POSTGRES_USER, database $POSTGRES_DB"
    pwfile="$(mktemp)"
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
    "$BIN/initdb" --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 \
        --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    rm -f "$pwfile"
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    # A server on the socket only while the database is created: nothing on TCP sees it half made.
    "$BIN/pg_ctl" -w -o "-c listen_addresses='' -k $SOCKETS" start >/dev/null
    if [ "$POSTGRES_DB" != postgres ]; then
        "$BIN/createdb" -h "$SOCKETS" -U "$POSTGRES_USER" "$POSTGRES_DB"
    fi
    "$BIN/pg_ctl" -w stop >/dev/null
fi

echo "postgres-server: serving $PGDATA on $LISTEN:$PORT"
exec "$BIN/postgres" -c "listen_addresses=$LISTEN" -p "$PORT" -k "$SOCKETS"
