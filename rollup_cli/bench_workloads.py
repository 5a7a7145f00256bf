"""The benchmark's workloads: deterministic signed transactions, the same bytes for every target.

Transaction `i` of a run is sent by sender `i % S` with nonce `i // S` (round robin), so any slice
of a run can be signed on its own (in parallel processes, or by a client just in time) and the
`i // S`-th *round* is a time axis shared by all senders: round r of every sender is submitted at
about the same moment. The DeFi mix uses that axis to order its story: approvals and collateral
first, then cycles in which the oracle moves the WETH price down, liquidators liquidate the
borrowers the move made unhealthy, the price comes back and the borrowers repay and borrow again,
while traders swap, supply, borrow, repay, open and close leveraged positions and transfer tokens.
Perps traders deposit USDC margin and open a WETH long each cycle, trade it down and up, and the
price drop makes every long liquidatable: the two perps traders of a group liquidate each other.

- transfers: ETH to 64 recipients (21,000 gas each);
- tokens: USDC transfers to the same recipients;
- swaps: each sender approves the AMM, then swaps small WETH amounts for USDC;
- defi: the mix above (sender 0 is the genesis oracle key); perps trades are the perps_* operations;
- perps: perps trades alone (the L1 bytes of a trade): each sender approves USDC and deposits
  margin, then alternately opens and closes a 0.1 WETH long with modifyPosition.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from rollup.abi import encode_call
from rollup.addresses import AMM, LENDING, LEVERAGE, PERPS, WETH
from rollup.crypto import compute_private_key_address, keccak256
from rollup.gas import OPERATION_GAS, compute_intrinsic_gas
from rollup.genesis import load_default_genesis_document
from rollup.transaction import (
    TX_TYPE_DYNAMIC_FEE,
    Transaction,
    encode_transaction,
    sign_transaction,
)

WORKLOADS = ("transfers", "tokens", "swaps", "defi", "perps")
USDC = bytes.fromhex("4200000000000000000000000000000000001001")
ORACLE = bytes.fromhex("4200000000000000000000000000000000000400")
# The genesis oracle (anvil's dev account #9, public): only it may call Oracle.setPrice.
ORACLE_KEY = bytes.fromhex("2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6")
RECIPIENTS = tuple(keccak256(b"recipient %d" % i)[:20] for i in range(64))

WAD = 10**18
USDC_UNIT = 10**6
MAX_UINT = 2**256 - 1
DEADLINE = 2**40
MAX_FEE_PER_GAS = 10**10
PRIORITY_FEE = 1_000_000

# DeFi mix: the first SETUP_ROUNDS rounds approve and supply; then cycles of CYCLE rounds.
SETUP_ROUNDS = 6
CYCLE = 20
PRICE_DOWN_AT = 5  # the oracle drops WETH by 20% at this point of each cycle ...
LIQUIDATE_FROM, LIQUIDATE_TO = 7, 12  # ... liquidators act in these rounds ...
PRICE_UP_AT = 13  # ... the price comes back ...
REPAY_AT, TOP_UP_AT = 15, 16  # ... borrowers repay everything and add collateral.
BORROWER_DEBT = 21_000 * USDC_UNIT  # 70% of 10 WETH at $3,000: unhealthy at $2,400
LIQUIDATION_REPAY = 5_000 * USDC_UNIT
# Two liquidations per borrower and cycle seize 2 x $5,000 x 1.05 / $2,400 = 4.375 WETH; the
# top-up puts back as much, so every cycle starts from 10 WETH and ends in liquidations.
BORROWER_TOP_UP = 35 * WAD // 8
WETH_PRICE, WETH_LOW_PRICE, WETH_VOLATILITY = 3_000 * WAD, 2_400 * WAD, 6 * WAD // 10
TRADER_STEPS = 10
# Perps: each cycle a perps trader deposits margin, opens a 1 WETH long at $3,000 (about 4.3x:
# initial margin plus keeper reward is ~$205), trades 0.2 WETH down and up, and after the 20% drop
# is liquidatable with equity left (~$97 against ~$115 of maintenance margin plus reward), so the
# keeper is paid and the rest goes to the insurance fund, with no shortfall.
PERPS_MARGIN = 700 * USDC_UNIT
PERPS_SIZE = WAD
PERPS_TRADE = WAD // 5
PERPS_DEPOSIT_AT, PERPS_OPEN_AT, PERPS_REDUCE_AT, PERPS_INCREASE_AT = 0, 1, 2, 3
PERPS_LIQUIDATE_AT = (7, 8)  # the group's first perps trader liquidates the second, then back


def make_sender_keys(count: int, workload: str = "transfers") -> list[bytes]:
    """The run's sender keys; the DeFi mix's sender 0 is the oracle."""
    keys = [keccak256(b"bench sender %d" % index) for index in range(count)]
    if workload == "defi":
        keys[0] = ORACLE_KEY
    return keys


def write_genesis(
    directory: Path, keys: Sequence[bytes], document: dict[str, Any] | None = None
) -> Path:
    """Genesis with every sender funded with ETH, USDC and WETH (enough for any run length)."""
    if document is None:
        document = load_default_genesis_document()
        document["timestamp"] = int(time.time())
    alloc = document.setdefault("alloc", {})
    addresses = ["0x" + compute_private_key_address(key).hex() for key in keys]
    for address in addresses:
        alloc[address] = {"balance": str(10**24)}
    for token in document["tokens"]:
        if token["symbol"] in ("USDC", "WETH"):
            for address in addresses:
                token["balances"][address] = "1000000.0"
    path = directory / "genesis.json"
    path.write_bytes(orjson.dumps(document))
    return path


def compute_gas_limit(data: bytes, operation: str | None) -> int:
    """Exactly what the transaction uses (intrinsic gas plus the operation's fixed price)."""
    return compute_intrinsic_gas(data, ()) + (OPERATION_GAS[operation] if operation else 0)


Call = tuple[bytes, int, bytes, str | None]
"""(to, value, data, operation) of one transaction."""


def build_call(workload: str, index: int, senders: int, addresses: Sequence[bytes]) -> Call:
    """What transaction `index` of a run does (its sender is index % senders)."""
    sender = index % senders
    round_ = index // senders
    recipient = RECIPIENTS[index % len(RECIPIENTS)]
    if workload == "transfers":
        return recipient, 1 + index, b"", None
    if workload == "tokens":
        return (
            USDC,
            0,
            encode_call("transfer(address,uint256)", recipient, 1_000 + index),
            ("token_transfer"),
        )
    if workload == "swaps":
        if round_ == 0:
            return WETH, 0, encode_call("approve(address,uint256)", AMM, MAX_UINT), "token_approve"
        return swap(WETH, USDC, 10**15 + index, addresses[sender])
    if workload == "perps":
        return build_perps_trade(round_)
    return build_defi_call(sender, round_, senders, addresses)


def swap(token_in: bytes, token_out: bytes, amount: int, to: bytes) -> Call:
    data = encode_call(
        "swapExactIn(address,address,uint256,uint256,address,uint256)",
        token_in,
        token_out,
        amount,
        0,
        to,
        DEADLINE,
    )
    return AMM, 0, data, "swap"


def lending(function: str, asset: bytes, amount: int) -> Call:
    operation = {"supply": "lending_supply", "withdraw": "lending_withdraw"}.get(
        function, f"lending_{function}"
    )
    return LENDING, 0, encode_call(f"{function}(address,uint256)", asset, amount), operation


def set_price(asset: bytes, price: int, volatility: int) -> Call:
    data = encode_call("setPrice(address,uint256,uint256)", asset, price, volatility)
    return ORACLE, 0, data, "oracle_set_price"


def get_role(sender: int, senders: int) -> str:
    """oracle (sender 0), liquidator (1 in 10), borrower (3 in 10), perps trader (2 in 10, in
    pairs), trader (the rest)."""
    if sender == 0:
        return "oracle"
    if sender % 10 == 1 and sender + 3 < senders:
        return "liquidator"
    if sender % 10 in (2, 3, 4) and sender - sender % 10 + 1 + 3 < senders:
        return "borrower"
    if sender % 10 in (5, 6) and sender - sender % 10 + 6 < senders:
        return "perps"
    return "trader"


SETUP_CALLS: tuple[Call, ...] = (
    (WETH, 0, encode_call("approve(address,uint256)", AMM, MAX_UINT), "token_approve"),
    (USDC, 0, encode_call("approve(address,uint256)", AMM, MAX_UINT), "token_approve"),
    (WETH, 0, encode_call("approve(address,uint256)", LENDING, MAX_UINT), "token_approve"),
    (USDC, 0, encode_call("approve(address,uint256)", LENDING, MAX_UINT), "token_approve"),
    (WETH, 0, encode_call("approve(address,uint256)", LEVERAGE, MAX_UINT), "token_approve"),
    lending("supply", WETH, 10 * WAD),
)


PERPS_SETUP_CALLS: tuple[Call, ...] = (
    SETUP_CALLS[0],
    SETUP_CALLS[1],
    (USDC, 0, encode_call("approve(address,uint256)", PERPS, MAX_UINT), "token_approve"),
    SETUP_CALLS[2],
    SETUP_CALLS[3],
    lending("supply", WETH, WAD),
)


def perps_modify(delta: int) -> Call:
    data = encode_call(
        "modifyPosition(address,int256,uint256,uint256)",
        WETH,
        delta,
        MAX_UINT if delta > 0 else 0,
        DEADLINE,
    )
    return PERPS, 0, data, "perps_modify"


def build_perps_call(sender: int, round_: int, addresses: Sequence[bytes]) -> Call:
    """A perps trader's cycle: margin, a long, a trade down and up, a liquidation of its pair."""
    if round_ < SETUP_ROUNDS:
        return PERPS_SETUP_CALLS[round_]
    position = (round_ - SETUP_ROUNDS) % CYCLE
    if position == PERPS_DEPOSIT_AT:
        data = encode_call("depositMargin(address,uint256)", WETH, PERPS_MARGIN)
        return PERPS, 0, data, "perps_deposit"
    if position == PERPS_OPEN_AT:
        return perps_modify(PERPS_SIZE)
    if position == PERPS_REDUCE_AT:
        return perps_modify(-PERPS_TRADE)
    if position == PERPS_INCREASE_AT:
        return perps_modify(PERPS_TRADE)
    first = sender % 10 == 5
    if position == PERPS_LIQUIDATE_AT[0 if first else 1]:
        pair = addresses[sender + 1 if first else sender - 1]
        data = encode_call("liquidate(address,address)", pair, WETH)
        return PERPS, 0, data, "perps_liquidate"
    me = addresses[sender]
    if round_ % 2:
        return swap(WETH, USDC, WAD // 10, me)
    return swap(USDC, WETH, 300 * USDC_UNIT, me)


def build_perps_trade(round_: int) -> Call:
    """The perps workload: approve, deposit, then a 0.1 WETH long opened and closed in turn."""
    if round_ == 0:
        return PERPS_SETUP_CALLS[2]  # approve USDC to Perps
    if round_ == 1:
        data = encode_call("depositMargin(address,uint256)", WETH, 10_000 * USDC_UNIT)
        return PERPS, 0, data, "perps_deposit"
    return perps_modify(PERPS_TRADE // 2 if round_ % 2 == 0 else -PERPS_TRADE // 2)


def build_defi_call(sender: int, round_: int, senders: int, addresses: Sequence[bytes]) -> Call:
    role = get_role(sender, senders)
    me = addresses[sender]
    if role == "perps":
        return build_perps_call(sender, round_, addresses)
    if role == "oracle":
        position = (round_ - SETUP_ROUNDS) % CYCLE if round_ >= SETUP_ROUNDS else -1
        if position == PRICE_DOWN_AT:
            return set_price(WETH, WETH_LOW_PRICE, WETH_VOLATILITY)
        if position == PRICE_UP_AT:
            return set_price(WETH, WETH_PRICE, WETH_VOLATILITY)
        return set_price(USDC, USDC_UNIT * 10**12, 2 * WAD // 100)
    if round_ < SETUP_ROUNDS:
        return SETUP_CALLS[round_]
    position = (round_ - SETUP_ROUNDS) % CYCLE
    if role == "liquidator" and LIQUIDATE_FROM <= position <= LIQUIDATE_TO:
        borrower = addresses[sender + 1 + (position - LIQUIDATE_FROM) % 3]
        data = encode_call(
            "liquidate(address,address,address,uint256)", borrower, USDC, WETH, LIQUIDATION_REPAY
        )
        return LENDING, 0, data, "lending_liquidate"
    if role == "borrower":
        if position == 0:
            return lending("borrow", USDC, BORROWER_DEBT)
        if position == REPAY_AT:
            return lending("repay", USDC, MAX_UINT)
        if position == TOP_UP_AT:
            return lending("supply", WETH, BORROWER_TOP_UP)
    if role != "trader":  # borrowers and liquidators trade in their other rounds
        if round_ % 2:
            return swap(WETH, USDC, WAD // 10, me)
        return swap(USDC, WETH, 300 * USDC_UNIT, me)
    step = (round_ - SETUP_ROUNDS) % TRADER_STEPS
    if step == 0:
        return lending("supply", WETH, WAD)
    if step == 1:
        return swap(WETH, USDC, WAD // 5, me)
    if step == 2:
        return lending("borrow", USDC, 500 * USDC_UNIT)
    if step == 3:
        return swap(USDC, WETH, 600 * USDC_UNIT, me)
    if step == 4:
        return lending("repay", USDC, 500 * USDC_UNIT)
    if step == 5:
        recipient = RECIPIENTS[(sender + round_) % len(RECIPIENTS)]
        return (
            USDC,
            0,
            encode_call("transfer(address,uint256)", recipient, 100 * USDC_UNIT),
            ("token_transfer"),
        )
    if step == 6:
        data = encode_call(
            "openPosition(address,address,uint256,uint256,uint256,uint256)",
            WETH,
            USDC,
            WAD // 5,
            2 * WAD,
            10_000 * USDC_UNIT,
            DEADLINE,
        )
        return LEVERAGE, 0, data, "leverage_open"
    if step == 7:
        return swap(WETH, USDC, WAD // 10, me)
    if step == 8:
        data = encode_call(
            "closePosition(address,address,uint256,uint256)", WETH, USDC, 0, DEADLINE
        )
        return LEVERAGE, 0, data, "leverage_close"
    return swap(USDC, WETH, 300 * USDC_UNIT, me)


def sign_range(
    workload: str, keys: Sequence[bytes], chain_id: int, start: int, stop: int
) -> list[tuple[bytes, bytes]]:
    """Sign transactions start..stop-1 of a run: (raw bytes, tx hash) each."""
    senders = len(keys)
    addresses = [compute_private_key_address(key) for key in keys]
    signed: list[tuple[bytes, bytes]] = []
    for index in range(start, stop):
        to, value, data, operation = build_call(workload, index, senders, addresses)
        tx = Transaction(
            tx_type=TX_TYPE_DYNAMIC_FEE,
            chain_id=chain_id,
            nonce=index // senders,
            max_priority_fee_per_gas=PRIORITY_FEE,
            max_fee_per_gas=MAX_FEE_PER_GAS,
            gas_limit=compute_gas_limit(data, operation) if workload != "tokens" else 80_000,
            to=to,
            value=value,
            data=data,
            access_list=(),
            y_parity=0,
            r=0,
            s=0,
        )
        raw = encode_transaction(sign_transaction(tx, keys[index % senders]))
        signed.append((raw, keccak256(raw)))
    return signed


def _sign_range_star(args: tuple[str, Sequence[bytes], int, int, int]) -> list[tuple[bytes, bytes]]:
    return sign_range(*args)


def sign_workload(
    workload: str, keys: Sequence[bytes], chain_id: int, start: int, count: int
) -> list[tuple[bytes, bytes]]:
    """Sign `count` transactions from `start` on all cores."""
    processes = min(os.cpu_count() or 1, max(1, count // 2_000))
    if processes == 1:
        return sign_range(workload, keys, chain_id, start, start + count)
    step = -(-count // processes)
    jobs = [
        (workload, keys, chain_id, begin, min(begin + step, start + count))
        for begin in range(start, start + count, step)
    ]
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        parts = pool.map(_sign_range_star, jobs)
    return [item for part in parts for item in part]
