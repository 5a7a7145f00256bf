"""Talking to the L1: JSON-RPC client, transaction sender, contract bindings, deployment, anvil.

Shared by the sequencer (batcher, proposer) and the verifier; it depends on `rollup/` only.

Importing the package imports `l1.contracts`, which registers the rollup contracts' custom errors
with `l1.revert`, so every L1RpcError names them whichever module raised it.
"""

from l1 import contracts as _contracts  # noqa: F401  (registers custom errors)
