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
# loadfile: each module runs on one worker, so a module's network (a module-scoped fixture) starts
# once, and the compose network, on fixed ports, never twice at a time. (loadgroup would not do:
# xdist 3.8 renames the node id through an attribute pytest 9 no longer reads.)
.venv/bin/python -m pytest -n 2 --dist loadfile --durations=15 -p no:cacheprovider "$@"
