"""The gas schedule and the EIP-1559 base fee.

System contracts are native code, so gas is a fixed schedule per operation rather than metered
opcodes: intrinsic gas (21000 plus calldata, as on Ethereum) plus a constant per operation that
reflects how many leaves it touches. A call whose gas limit does not cover its schedule reverts
out of gas and is charged its whole limit, as on Ethereum.
"""

from __future__ import annotations

from rollup.config import ChainConfig

TX_BASE_GAS = 21_000
TX_DATA_ZERO_GAS = 4
TX_DATA_NONZERO_GAS = 16
ACCESS_LIST_ADDRESS_GAS = 2_400
ACCESS_LIST_STORAGE_KEY_GAS = 1_900

# Gas per operation, on top of the intrinsic gas. Views cost their read price when called by a tx.
OPERATION_GAS: dict[str, int] = {
    "transfer_eth": 0,
    "read": 2_600,
    "token_transfer": 30_000,
    "token_approve": 24_000,
    "token_transfer_from": 36_000,
    "weth_deposit": 28_000,
    "weth_withdraw": 30_000,
    "pool_create": 60_000,
    "liquidity_add": 90_000,
    "liquidity_remove": 80_000,
    "swap": 70_000,
    "lending_supply": 90_000,
    "lending_withdraw": 120_000,
    "lending_borrow": 140_000,
    "lending_repay": 90_000,
    "lending_liquidate": 180_000,
    "leverage_open": 260_000,
    "leverage_close": 260_000,
    "oracle_set_price": 30_000,
    "perps_deposit": 90_000,
    "perps_withdraw": 120_000,
    "perps_modify": 170_000,
    "perps_close": 200_000,
    "perps_liquidate": 190_000,
    "bridge_withdraw": 60_000,
}


def compute_intrinsic_gas(
    data: bytes, access_list: tuple[tuple[bytes, tuple[bytes, ...]], ...]
) -> int:
    """Gas charged before execution: base, calldata bytes and access-list entries."""
    zero_bytes = data.count(0)
    gas = (
        TX_BASE_GAS + zero_bytes * TX_DATA_ZERO_GAS + (len(data) - zero_bytes) * TX_DATA_NONZERO_GAS
    )
    for _address, storage_keys in access_list:
        gas += ACCESS_LIST_ADDRESS_GAS + ACCESS_LIST_STORAGE_KEY_GAS * len(storage_keys)
    return gas


def compute_base_fee(config: ChainConfig, parent_base_fee: int, parent_gas_used: int) -> int:
    """EIP-1559 base fee of a block from its parent, floored at the chain's minimum."""
    target = config.gas_target
    denominator = config.base_fee_max_change_denominator
    if parent_gas_used == target:
        base_fee = parent_base_fee
    elif parent_gas_used > target:
        delta = max(parent_base_fee * (parent_gas_used - target) // target // denominator, 1)
        base_fee = parent_base_fee + delta
    else:
        delta = parent_base_fee * (target - parent_gas_used) // target // denominator
        base_fee = parent_base_fee - delta
    return max(base_fee, config.min_base_fee)
