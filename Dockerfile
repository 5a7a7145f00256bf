# syntax=docker/dockerfile:1
# The rollup image: the `rollup` CLI (sequencer, verifier, devnet) with the pinned Foundry and solcjs
# toolchain from npm (docs/ARCHITECTURE.md §7) and the L1 contracts compiled at build time. docker-compose.yml
# runs every role from it, anvil included.
#
# BASE_IMAGE is any Debian with Python 3.11: the public python:3.11-slim by default, or, without
# Docker Hub, the image docker/build-images.sh makes from Debian's packages (which also carries
# Node.js, npm and PostgreSQL, so nothing is fetched from apt here).
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/rollup/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    ROLLUP_CONTRACTS_OUT=/app/contracts/out \
    ROLLUP_ANVIL=/usr/local/bin/anvil

RUN if ! command -v npm >/dev/null 2>&1; then \
        apt-get update \
        && apt-get install -y --no-install-recommends nodejs npm \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
    && python3 -c 'import sys; assert sys.version_info[:2] == (3, 11), f"Python 3.11 needed, base has {sys.version}"' \
    && node --version

WORKDIR /app

# The npm toolchain first, so this layer is rebuilt only when the lockfile changes.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error \
    && npm cache clean --force

# The pinned Python dependencies (no dev extras) in a venv on PATH, read from pyproject.toml alone so
# this layer, too, is rebuilt only when they change.
COPY pyproject.toml ./
RUN python3 -m venv /opt/rollup \
    && python3 -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# The node itself, then the contract artifacts deployment needs (read through ROLLUP_CONTRACTS_OUT,
# since the installed packages live outside this tree). tools/forge runs the native binary with its
# real exit status; the npm wrapper would report success on a failed build.
RUN pip install --no-deps . \
    && rm -rf build ./*.egg-info \
    && (cd contracts && tools/forge build) \
    && (cd / && python -c "from l1.artifacts import find_missing_artifacts as f; m = f(); assert not m, f'missing artifacts: {m}'")

# anvil, cast and forge on PATH as the native binaries (tools/forge runs the tool named by $0), so
# anvil is PID 1's direct child rather than behind npm's Node wrapper.
RUN ln -s /app/contracts/tools/forge /usr/local/bin/anvil \
    && ln -s /app/contracts/tools/forge /usr/local/bin/cast \
    && ln -s /app/contracts/tools/forge /usr/local/bin/forge \
    && anvil --version

# Non-root at run time. The /data directories exist, owned by the user, so named volumes mounted
# there start with that ownership.
RUN groupadd --system --gid 10001 rollup \
    && useradd --system --uid 10001 --gid rollup --create-home --home-dir /home/rollup rollup \
    && mkdir -p /data/shared /data/sequencer /data/verifier /data/postgres \
    && chown -R rollup:rollup /data
USER 10001:10001

# 8545 sequencer JSON-RPC, 8546 verifier JSON-RPC, 8547 anvil (L1).
EXPOSE 8545 8546 8547

# The sequencer's JSON-RPC by default; docker-compose.yml sets each service's own URL.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/app/docker/healthcheck.py", "http://127.0.0.1:8545"]

ENTRYPOINT ["rollup"]
CMD ["--help"]
