#!/usr/bin/env bash
# Set up (idempotent) and run every check: lint, types, contract tests, unit, property and
# end-to-end tests. This is the command CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== ruff"
.venv/bin/ruff check rollup l1 node sequencer prover faults rollup_cli tests scripts
.venv/bin/ruff format --check rollup l1 node sequencer prover faults rollup_cli tests scripts
echo "== mypy"
.venv/bin/mypy rollup l1 node sequencer prover faults rollup_cli
echo "== forge test (contracts)"
(cd contracts && tools/forge test)
echo "== pytest"
# loadgroup: a module marked xdist_group (the compose network on fixed ports) runs on one worker.
.venv/bin/python -m pytest -n 2 --dist loadgroup -p no:cacheprovider "$@"
