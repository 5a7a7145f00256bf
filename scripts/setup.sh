#!/usr/bin/env bash
# Install everything the project needs from its own files: a Python venv with the pinned
# distribution (and dev tools), the pinned npm toolchain (anvil, forge, cast, solcjs), and, for the
# docker-compose network and its test, Debian's Docker engine, docker-compose and mmdebstrap; for
# the explorer's browser test, Debian's chromium and its WebDriver.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'

if ! command -v npm >/dev/null 2>&1; then
  echo "npm is missing; installing Node.js from Debian" >&2
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -x node_modules/.bin/forge ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

# The compose network's images are built from Debian's packages (docker/build-images.sh), so no
# registry but Debian's and npm/PyPI is needed. Installing docker.io starts no engine here: the
# compose test starts dockerd itself when none runs, and stops it.
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1 \
  || missing+=(docker-compose)
command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
# The explorer is tested in a real headless browser, driven by Selenium through chromedriver.
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: ${missing[*]} missing; install them with apt (root) for the compose network" \
      "and the explorer's browser test" >&2
  else
    echo "setup: installing ${missing[*]} from Debian" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi
