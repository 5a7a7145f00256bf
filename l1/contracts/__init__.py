"""Typed bindings for the rollup's L1 contracts (docs/SETTLEMENT.md §1), one module per contract.

The roles make few, fixed calls (the batcher appends batches, the proposer proposes outputs, the
verifier reads events and challenges, users deposit and withdraw), so each contract has a small
typed module: calldata encoders, view calls that return Python values, and decoders that turn
event logs into dataclasses.

Signatures are written out as SETTLEMENT.md fixes them, so a node that only reads L1 needs no
Foundry build; tests check each one against the ABI in the forge artifacts (the FUNCTIONS, EVENTS
and ERRORS of each module), so the two cannot drift apart silently. Custom errors of the contracts
are registered with `l1.revert`, so an L1 error names them (`NotSequencer()`, not
`custom error 0x...`).
"""

# Every binding registers its contract's custom errors at import; importing any of them imports
# all, so an L1 error names its error whichever contract raised it.
from l1.contracts import (  # noqa: F401
    batch_inbox,
    bridge,
    dispute_game,
    erc20,
    output_oracle,
)
