#!/usr/bin/env bash
# Set up (idempotent) and start the local network. Extra arguments go to `rollup devnet`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/rollup devnet "$@"
