"""Chain parameters fixed at genesis that are not part of the state."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChainConfig:
    """Block-level parameters every node of the chain must agree on."""

    chain_id: int
    block_gas_limit: int = 2_000_000_000
    # EIP-1559: the base fee moves by at most 1/8 per block towards gas_limit / elasticity.
    elasticity_multiplier: int = 2
    base_fee_max_change_denominator: int = 8
    min_base_fee: int = 1_000_000  # 0.001 gwei: an L2 floor, as OP chains set one
    genesis_base_fee: int = 1_000_000
    genesis_timestamp: int = 0
    max_transactions_per_block: int = 50_000
    # The L1 block the rollup starts from (its contracts' deployment): genesis's L1 origin.
    l1_origin_number: int = 0
    l1_origin_hash: bytes = bytes(32)
    # Derivation (docs/SETTLEMENT.md §5): a batch block's timestamp is clamped to
    # [T - max_lag, T + max_drift], T the timestamp of the L1 block that carries the batch; when
    # the safe chain's origin falls sequencer_window L1 blocks behind, derivation appends
    # deposit-only blocks itself.
    sequencer_window: int = 120
    max_drift: int = 600
    max_lag: int = 3_600

    @property
    def gas_target(self) -> int:
        return self.block_gas_limit // self.elasticity_multiplier
