"""Talking to the L1: JSON-RPC client, transaction sender, follower, contract bindings, the step
machine's inputs, dispute-game bindings, deployment, anvil and local processes.

Shared by both roles and the node; it depends on `rollup/` only.

Importing the package imports `l1.contracts`, which registers the rollup contracts' custom errors
with `l1.revert`, so every L1RpcError names them whichever module raised it.
"""

from l1 import contracts as _contracts  # noqa: F401  (registers custom errors)
