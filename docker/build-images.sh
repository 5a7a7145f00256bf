#!/usr/bin/env bash
# Builds the devnet's images without Docker Hub (README "Docker"):
#
#   1. defi-rollup-base:bookworm, a minimal Debian bookworm root file system made by mmdebstrap
#      from Debian's own packages (Python 3.11, Node.js and npm, PostgreSQL 15) and loaded with
#      `docker import`;
#   2. defi-rollup:dev, the Dockerfile built on top of it (--build-arg BASE_IMAGE).
#
# The root file system is cached as a tarball under $ROLLUP_IMAGE_CACHE (default
# ~/.cache/defi-rollup), keyed by this script's contents, so a second build, or a build after the
# images were removed, skips mmdebstrap. Builds run with --network host: the engine may have no
# bridge network at all (dockerd --bridge=none).
#
#   docker/build-images.sh           # both images
#   docker/build-images.sh base      # only the base image
#   docker/build-images.sh --print-tags
set -euo pipefail
cd "$(dirname "$0")/.."

SUITE=bookworm
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
BASE_TAG="defi-rollup-base:${SUITE}"
APP_TAG="${ROLLUP_IMAGE:-defi-rollup:dev}"
CACHE_DIR="${ROLLUP_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/defi-rollup}"
# python3-venv: the Dockerfile installs the node into a venv (Debian's Python is externally
# managed). nodejs + npm: `npm ci` of the pinned Foundry and solcjs. postgresql-15: the database
# service of the host-network compose override runs from the rollup image.
PACKAGES=(
    ca-certificates
    python3.11
    python3-venv
    nodejs
    npm
    postgresql-15
)

if [[ "${1:-}" == "--print-tags" ]]; then
    echo "${BASE_TAG} ${APP_TAG}"
    exit 0
fi

need() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "build-images: $1 is missing (apt-get install $2)" >&2
        exit 127
    fi
}
need docker docker.io
need mmdebstrap mmdebstrap

# The host's own certificate authorities (/usr/local/share/ca-certificates, where Debian keeps
# local ones) are trusted inside too: behind a TLS-intercepting proxy, npm and pip in the build
# would otherwise refuse the registries.
EXTRA_CAS=(/usr/local/share/ca-certificates/*.crt)
[[ -e "${EXTRA_CAS[0]}" ]] || EXTRA_CAS=()

key="$( (cat "$0"; cat "${EXTRA_CAS[@]}" 2>/dev/null) | sha256sum | cut -c1-16)"
rootfs="${CACHE_DIR}/base-${SUITE}-${key}.tar"

base_is_current() {
    [[ "$(docker image inspect --format '{{ index .Config.Labels "org.defi-rollup.base-key" }}' \
        "${BASE_TAG}" 2>/dev/null)" == "${key}" ]]
}

build_base() {
    if base_is_current; then
        echo "build-images: ${BASE_TAG} is current (key ${key})"
        return
    fi
    if [[ ! -s "${rootfs}" ]]; then
        mkdir -p "${CACHE_DIR}"
        echo "build-images: mmdebstrap ${SUITE} from ${MIRROR} -> ${rootfs}"
        local packages ca
        local ca_hooks=()
        for ca in "${EXTRA_CAS[@]}"; do
            ca_hooks+=(--customize-hook="copy-in ${ca} /usr/local/share/ca-certificates/")
        done
        if ((${#EXTRA_CAS[@]})); then
            ca_hooks+=(--customize-hook='chroot "$1" update-ca-certificates')
        fi
        packages="$(IFS=,; echo "${PACKAGES[*]}")"
        # Written beside the final name and renamed, so an interrupted run leaves no truncated cache
        # (mmdebstrap picks its output format from the name's .tar ending).
        local partial="${rootfs%.tar}.$$.partial.tar"
        mmdebstrap --variant=apt --include="${packages}" \
            --dpkgopt='path-exclude=/usr/share/doc/*' \
            --dpkgopt='path-exclude=/usr/share/man/*' \
            --dpkgopt='path-exclude=/usr/share/locale/*' \
            --aptopt='Acquire::Retries "3"' \
            --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
            "${ca_hooks[@]}" \
            "${SUITE}" "${partial}" "${MIRROR}"
        mv "${partial}" "${rootfs}"
        # Root file systems of earlier versions of this script are not used again.
        find "${CACHE_DIR}" -maxdepth 1 -name "base-${SUITE}-*.tar" ! -name '*.partial.tar' \
            ! -name "$(basename "${rootfs}")" -delete
    fi
    echo "build-images: docker import ${rootfs} -> ${BASE_TAG}"
    docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
        --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
        --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
        --change "LABEL org.defi-rollup.base-key=${key}" \
        --change 'CMD ["/bin/bash"]' \
        "${rootfs}" "${BASE_TAG}" >/dev/null
}

build_app() {
    echo "build-images: docker build -> ${APP_TAG} (FROM ${BASE_TAG})"
    docker build --force-rm --network host --build-arg "BASE_IMAGE=${BASE_TAG}" -t "${APP_TAG}" .
}

case "${1:-all}" in
    base) build_base ;;
    all) build_base; build_app ;;
    *) echo "usage: $0 [all|base|--print-tags]" >&2; exit 2 ;;
esac
