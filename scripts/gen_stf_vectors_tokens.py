#!/usr/bin/env python3
"""Differential vectors for the Solidity token module and deposit library (docs/FRAUD_PROOFS.md §2).

Builds a small genesis (WETH, a plain token, a token bridged from L1, an oracle key, funded
accounts), then runs on it, one after the other (each on the state the previous one left):

- calls of every function of the ERC-20 tokens, WETH, the L2 bridge and the oracle through
  rollup.execution.execute_call (hand-picked edge cases for every revert path, then random calls),
  each under rollup.witness.run_with_witness;
- L1 deposits (kinds 1 and 2: well-formed, malformed in every way eth_abi rejects, overflowing,
  names and symbols that need UTF-8 truncation) through rollup.deposit.decode_message +
  apply_deposit, skipped exactly where rollup.block.execute_block skips them.

and writes contracts/vectors/stf_tokens.json, which contracts/test/prover/StfTokensVectors.t.sol
replays through StfHarness (runCall with TokenModule, runDeposit with DepositLib), checking the
success flag, the post-state root, and the module's operationGas / isPayable for each call.

Layout (columns, so forge parses each with one cheatcode call):
  calls.{labels, preRoots, witnesses, envs, calls, success, postRoots, operationGas, payable}
    envs[i]  = abi.encode(Env(number, timestamp, baseFee, chainId))
    calls[i] = abi.encode(Call(sender, to, value, data))
  deposits.{labels, preRoots, witnesses, kinds, payloads, queueIndexes, applied, postRoots}

Usage (repository root, venv active):
    python -m scripts.gen_stf_vectors_tokens           # write the file
    python -m scripts.gen_stf_vectors_tokens --check   # exit 1 if the committed file is stale
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eth_abi.abi import encode as abi_encode

from rollup.abi import Revert, compute_selector, encode_call
from rollup.addresses import L2_BRIDGE, ORACLE, WETH
from rollup.deposit import (
    KIND_ERC20_DEPOSIT,
    KIND_ETH_DEPOSIT,
    InvalidMessage,
    QueuedMessage,
    apply_deposit,
    compute_bridged_token_address,
    decode_message,
)
from rollup.fixedpoint import UINT256_MAX, ArithmeticOverflow
from rollup.genesis import build_genesis
from rollup.state import (
    WITHDRAWALS_KEY,
    Account,
    Overlay,
    State,
    account_key,
    allowance_key,
    balance_key,
    token_key,
)
from rollup.system.context import BlockEnvironment
from rollup.system.registry import find_function, get_interface
from rollup.witness import run_with_witness
from scripts.vectors import encode_hex, record_call, write_or_check

REPO_ROOT = Path(__file__).resolve().parent.parent
VECTORS_PATH = REPO_ROOT / "contracts" / "vectors" / "stf_tokens.json"

SEED = 20_251_126
RANDOM_CALLS = 70
RANDOM_DEPOSITS = 18
CHAIN_ID = 901
GENESIS_TIME = 1_000


def _address(number: int) -> bytes:
    return number.to_bytes(20, "big")


ORACLE_KEY_ADDRESS = _address(0x0A11CE_0000_0000_0000_0000_0000_0000_0000_00AC)
USERS: tuple[bytes, ...] = tuple(_address(0xA0 + i) for i in range(4))
POOR = _address(0xB0)  # 1 wei: cannot pay a call's value
STRANGER = _address(0xC0)  # nothing at genesis
TOKEN_A = bytes.fromhex("4200000000000000000000000000000000001001")
TOKEN_B = bytes.fromhex("4200000000000000000000000000000000001002")  # bridged from L1_TOKEN_B
L1_TOKEN_B = _address(0x1B)
UNREGISTERED = bytes.fromhex("4200000000000000000000000000000000001009")
L1_TOKENS: tuple[bytes, ...] = (_address(0x11), _address(0x12), _address(0x13))
ZERO = bytes(20)


def genesis_document() -> dict[str, Any]:
    holders = [*USERS, ORACLE_KEY_ADDRESS]
    return {
        "chainId": CHAIN_ID,
        "timestamp": GENESIS_TIME,
        "oracle": encode_hex(ORACLE_KEY_ADDRESS),
        "priceMaxAge": 3_600,
        "alloc": {
            **{encode_hex(a): {"balance": str(1_000 * 10**18)} for a in holders},
            encode_hex(POOR): {"balance": "1"},
        },
        "tokens": [
            {
                "address": encode_hex(WETH),
                "name": "Wrapped Ether",
                "symbol": "WETH",
                "decimals": 18,
                "balances": {encode_hex(a): "10.0" for a in USERS[:3]},
            },
            {
                "address": encode_hex(TOKEN_A),
                "name": "Token Ä",
                "symbol": "TKA",
                "decimals": 18,
                "balances": {encode_hex(a): "500.0" for a in USERS},
            },
            {
                "address": encode_hex(TOKEN_B),
                "name": "Bridged B",
                "symbol": "TKB",
                "decimals": 6,
                "l1Token": encode_hex(L1_TOKEN_B),
                "balances": {encode_hex(a): "1000.0" for a in USERS[:2]},
            },
        ],
        "prices": [{"asset": encode_hex(TOKEN_A), "price": "2.5", "volatility": "0.3"}],
    }


def build_state() -> State:
    return build_genesis(genesis_document()).state


# ----------------------------------------------------------------------------------------------
# Calls


def _python_payable(state: State, to: bytes, data: bytes) -> bool:
    """Whether the call may carry value (TokenModule.isPayable's contract)."""
    interface = get_interface(Overlay(state), to)
    assert interface is not None
    if not data:
        return interface == "IWETH"
    try:
        return find_function(interface, data).payable
    except Revert:
        return False


class Generator:
    """Runs calls and deposits on an evolving state, collecting vectors."""

    def __init__(self) -> None:
        self.state = build_state()
        self.rng = random.Random(SEED)
        self.block = 1
        self.time = GENESIS_TIME
        self.queue_index = 0
        self.calls: dict[str, list[Any]] = {
            name: []
            for name in (
                "labels",
                "preRoots",
                "witnesses",
                "envs",
                "calls",
                "success",
                "postRoots",
                "operationGas",
                "payable",
            )
        }
        self.deposits: dict[str, list[Any]] = {
            name: []
            for name in (
                "labels",
                "preRoots",
                "witnesses",
                "kinds",
                "payloads",
                "queueIndexes",
                "applied",
                "postRoots",
            )
        }

    def environment(self) -> BlockEnvironment:
        self.block += 1
        self.time += self.rng.choice((0, 1, 12, 600))
        return BlockEnvironment(
            number=self.block, timestamp=self.time, base_fee=1_000_000, chain_id=CHAIN_ID
        )

    # -- reading ----------------------------------------------------------------------------

    def eth(self, address: bytes) -> int:
        account: Account = self.state.get(account_key(address))
        return account.balance

    def balance(self, token: bytes, owner: bytes) -> int:
        return int(self.state.get(balance_key(token, owner)).amount)

    def allowance(self, token: bytes, owner: bytes, spender: bytes) -> int:
        return int(self.state.get(allowance_key(token, owner, spender)).amount)

    def withdrawal_count(self) -> int:
        return int(self.state.get(WITHDRAWALS_KEY).count)

    def bridged_tokens(self) -> list[bytes]:
        found = []
        for l1_token in L1_TOKENS:
            token = compute_bridged_token_address(l1_token)
            if self.state.get(token_key(token)).registered:
                found.append(token)
        return found

    # -- running ----------------------------------------------------------------------------

    def call(self, label: str, sender: bytes, to: bytes, data: bytes, value: int = 0) -> bool:
        env = self.environment()
        payable = _python_payable(self.state, to, data)
        vector = record_call(self.state, env, sender, to, data, value, label)
        columns = self.calls
        columns["labels"].append(label)
        columns["preRoots"].append(encode_hex(vector.pre_root))
        columns["witnesses"].append(encode_hex(vector.witness))
        columns["envs"].append(encode_hex(vector.encode_environment()))
        columns["calls"].append(encode_hex(vector.encode_call()))
        columns["success"].append(vector.success)
        columns["postRoots"].append(encode_hex(vector.post_root))
        columns["operationGas"].append(vector.operation_gas)
        columns["payable"].append(payable)
        return vector.success

    def fn(
        self, label: str, sender: bytes, to: bytes, signature: str, *args: Any, value: int = 0
    ) -> bool:
        return self.call(label, sender, to, encode_call(signature, *args), value)

    def deposit(self, label: str, kind: int, payload: bytes) -> bool:
        env = self.environment()
        queue_index = self.queue_index
        self.queue_index += 1
        message = QueuedMessage(
            queue_index=queue_index,
            kind=kind,
            payload=payload,
            l1_block_number=self.block,
            l1_timestamp=self.time,
        )

        def apply(overlay: Overlay) -> bool:
            try:
                decoded = decode_message(message)
            except InvalidMessage:
                return False
            assert not isinstance(decoded, bytes), "forced transactions are not vectors here"
            try:
                apply_deposit(overlay, env, decoded, queue_index)
            except ArithmeticOverflow:
                return False
            return True

        run = run_with_witness(self.state, apply)
        columns = self.deposits
        columns["labels"].append(label)
        columns["preRoots"].append(encode_hex(run.pre_root))
        columns["witnesses"].append(encode_hex(run.witness))
        columns["kinds"].append(kind)
        columns["payloads"].append(encode_hex(payload))
        columns["queueIndexes"].append(queue_index)
        columns["applied"].append(run.result)
        columns["postRoots"].append(encode_hex(run.post_root))
        return run.result

    def document(self) -> dict[str, Any]:
        return {
            "seed": SEED,
            "callCount": len(self.calls["labels"]),
            "depositCount": len(self.deposits["labels"]),
            "calls": self.calls,
            "deposits": self.deposits,
        }


# ----------------------------------------------------------------------------------------------
# Deposit payloads

ETH_TYPES = ["address", "address", "uint256"]
TOKEN_TYPES = ["address", "address", "address", "uint256", "bytes", "bytes", "uint8"]


def eth_payload(sender: bytes, recipient: bytes, amount: int) -> bytes:
    return abi_encode(ETH_TYPES, [sender, recipient, amount])


def token_payload(
    recipient: bytes,
    l1_token: bytes,
    amount: int,
    name: bytes | str,
    symbol: bytes | str,
    decimals: int = 18,
    sender: bytes = USERS[0],
) -> bytes:
    """abi (address,address,address,uint256,string,string,uint8); name/symbol may be raw bytes
    (a string is encoded exactly like bytes), so invalid UTF-8 can be sent."""
    raw_name = name.encode() if isinstance(name, str) else name
    raw_symbol = symbol.encode() if isinstance(symbol, str) else symbol
    return abi_encode(
        TOKEN_TYPES, [sender, recipient, l1_token, amount, raw_name, raw_symbol, decimals]
    )


def _set_word(payload: bytes, offset: int, value: int) -> bytes:
    return payload[:offset] + value.to_bytes(32, "big") + payload[offset + 32 :]


def _flip_byte(payload: bytes, index: int, value: int) -> bytes:
    return payload[:index] + bytes((value,)) + payload[index + 1 :]


def deposit_edge_cases(g: Generator) -> None:
    u0, u1, u2, u3 = USERS
    l1a, l1b, l1c = L1_TOKENS
    # ETH, kind 1
    g.deposit("eth: plain", KIND_ETH_DEPOSIT, eth_payload(u0, u1, 5 * 10**18))
    g.deposit("eth: to a fresh account", KIND_ETH_DEPOSIT, eth_payload(u0, STRANGER, 7))
    g.deposit("eth: zero amount", KIND_ETH_DEPOSIT, eth_payload(u0, _address(0xD0), 0))
    g.deposit("eth: trailing bytes", KIND_ETH_DEPOSIT, eth_payload(u0, u2, 3) + b"\x01\x02")
    g.deposit("eth: short payload", KIND_ETH_DEPOSIT, eth_payload(u0, u2, 3)[:95])
    g.deposit("eth: empty payload", KIND_ETH_DEPOSIT, b"")
    dirty_sender = _flip_byte(eth_payload(u0, u2, 3), 11, 1)
    g.deposit("eth: dirty sender", KIND_ETH_DEPOSIT, dirty_sender)
    dirty_recipient = _flip_byte(eth_payload(u0, u2, 3), 32, 0x80)
    g.deposit("eth: dirty recipient", KIND_ETH_DEPOSIT, dirty_recipient)
    big = UINT256_MAX - g.eth(_address(0xD1))
    g.deposit("eth: to the brim", KIND_ETH_DEPOSIT, eth_payload(u0, _address(0xD1), big))
    g.deposit("eth: overflow skipped", KIND_ETH_DEPOSIT, eth_payload(u0, _address(0xD1), 1))
    g.deposit("eth: to WETH's account", KIND_ETH_DEPOSIT, eth_payload(u0, WETH, 11))
    for kind in (0, 4, 255):
        g.deposit(f"unknown kind {kind}", kind, eth_payload(u0, u1, 1))
    # ERC-20, kind 2: registration, then minting into the registered token
    g.deposit(
        "token: registers", KIND_ERC20_DEPOSIT, token_payload(u0, l1a, 10**20, "Alpha", "ALP")
    )
    g.deposit(
        "token: mints into registered",
        KIND_ERC20_DEPOSIT,
        token_payload(u1, l1a, 10**18, "ignored name", "IGN", 3),
    )
    g.deposit(
        "token: zero amount registers",
        KIND_ERC20_DEPOSIT,
        token_payload(u0, l1c, 0, "", "", 0),
    )
    # names: exactly 32 bytes, 33 ASCII, multi-byte characters cut at byte 32
    g.deposit(
        "token: long names truncated",
        KIND_ERC20_DEPOSIT,
        token_payload(u2, l1b, 1, "N" * 31 + "é", "S" * 30 + "€", 8),  # 33 bytes, 33 bytes
    )
    names = [
        "x" * 32,
        "y" * 33,
        "ab" + "€" * 10,  # 32 bytes exactly
        "a" + "€" * 11,  # cut inside the 11th euro sign (byte 32 of 34)
        "😀" * 9,  # 36 bytes: cut after 8 emoji
        "ab" + "😀" * 8,  # 34 bytes: cut inside the last emoji (3 of 4 bytes kept)
        "abc" + "😀" * 8,  # 35 bytes: cut inside the last emoji (2 of 4 bytes kept)
        "abcd" + "😀" * 8,  # 36 bytes: 1 of 4 bytes kept
        "é" * 17,  # 34 bytes: cut inside
        "\x00nul\x00",  # NUL characters are text too
        "\U0010ffff" * 9,  # the largest code point
    ]
    for i, name in enumerate(names):
        l1_token = _address(0x5000 + i)
        g.deposit(
            f"token: name variant {i}",
            KIND_ERC20_DEPOSIT,
            token_payload(u0, l1_token, 1 + i, name, names[-1 - i], i),
        )
    # invalid UTF-8 and malformed encodings: all skipped
    bad_strings = {
        "lone continuation": b"\x80",
        "overlong 2-byte": b"\xc0\xaf",
        "C1 lead": b"\xc1\xbf",
        "overlong 3-byte": b"\xe0\x80\xaf",
        "surrogate": b"\xed\xa0\x80",
        "overlong 4-byte": b"\xf0\x80\x80\xaf",
        "above U+10FFFF": b"\xf4\x90\x80\x80",
        "F5 lead": b"\xf5\x80\x80\x80",
        "truncated at end": b"ok\xe2\x82",
        "bad continuation": b"\xe2\x28\xa1",
        "FF byte": b"a\xffb",
    }
    for label, raw in bad_strings.items():
        g.deposit(
            f"token: invalid UTF-8 name ({label})",
            KIND_ERC20_DEPOSIT,
            token_payload(u0, _address(0x6000), 1, raw, "OK"),
        )
    g.deposit(
        "token: invalid UTF-8 symbol",
        KIND_ERC20_DEPOSIT,
        token_payload(u0, _address(0x6000), 1, "OK", b"\xed\xbf\xbf"),
    )
    g.deposit(
        "token: valid edge code points",
        KIND_ERC20_DEPOSIT,
        token_payload(u0, _address(0x6001), 1, "\u07ff\u0800\ud7ff\ue000\uffff", "\U00010000"),
    )
    good = token_payload(u0, l1a, 5, "Alpha", "ALP", 18)
    malformed = {
        "short head": good[:223],
        "head only": good[:224],
        "dirty l1 token": _flip_byte(good, 64, 1),
        "dirty sender": _flip_byte(good, 0, 0xFF),
        "decimals 256": _set_word(good, 192, 256),
        "decimals dirty high byte": _flip_byte(good, 192, 1),
        "name offset into head": _set_word(good, 128, 192),
        "name offset at end": _set_word(good, 128, len(good)),
        "symbol offset past end": _set_word(good, 160, len(good) + 64),
        "name offset huge": _set_word(good, 128, 2**255),
        "name offset unaligned in bounds": _set_word(good, 128, 225),
        "name length spans the symbol's": _set_word(good, 224, 64),
        "name length huge": _set_word(good, 224, UINT256_MAX),
        "name length 2**63": _set_word(good, 224, 2**63),
        "dirty name padding": _flip_byte(good, 256 + 31, 1),
        "truncated symbol padding": good[:-1],
        "length word cut": _set_word(good, 160, len(good) - 16),
    }
    for label, payload in malformed.items():
        g.deposit(f"token: malformed ({label})", KIND_ERC20_DEPOSIT, payload)
    g.deposit("token: trailing bytes", KIND_ERC20_DEPOSIT, good + b"\xff" * 5)
    same = _set_word(good, 160, int.from_bytes(good[128:160], "big"))
    g.deposit("token: name and symbol share data", KIND_ERC20_DEPOSIT, same)
    # a length word that reads "Alpha"'s data as a string of zero bytes (empty after the cut)
    g.deposit("token: tail in any order", KIND_ERC20_DEPOSIT, _swap_tails(good))
    # supply overflow: fill up, then one more (the balance leaf is not read on the skip)
    filler = UINT256_MAX - _bridged_supply(g, l1a)
    g.deposit(
        "token: supply to the brim", KIND_ERC20_DEPOSIT, token_payload(u2, l1a, filler, "A", "A")
    )
    g.deposit(
        "token: supply overflow skipped", KIND_ERC20_DEPOSIT, token_payload(u3, l1a, 1, "A", "A")
    )
    g.deposit(
        "token: zero onto a full supply", KIND_ERC20_DEPOSIT, token_payload(u1, l1a, 0, "A", "A")
    )


def _bridged_supply(g: Generator, l1_token: bytes) -> int:
    return int(g.state.get(token_key(compute_bridged_token_address(l1_token))).total_supply)


def _swap_tails(payload: bytes) -> bytes:
    """The same deposit with the symbol's tail before the name's."""
    head, tail = payload[:224], payload[224:]
    name_at = int.from_bytes(payload[128:160], "big") - 224
    symbol_at = int.from_bytes(payload[160:192], "big") - 224
    name_tail, symbol_tail = tail[name_at:symbol_at], tail[symbol_at:]
    head = _set_word(head, 128, 224 + len(symbol_tail))
    head = _set_word(head, 160, 224)
    return head + symbol_tail + name_tail


def random_deposit(g: Generator, index: int) -> None:
    rng = g.rng
    recipient = rng.choice((*USERS, STRANGER, POOR))
    if rng.random() < 0.4:
        # ETH stays far below 2**256 in total: rollup.execution.transfer_eth adds unchecked
        amount = rng.choice((0, 1, rng.randrange(10**20), rng.randrange(10**30)))
        g.deposit(
            f"random eth deposit {index}",
            KIND_ETH_DEPOSIT,
            eth_payload(USERS[1], recipient, amount),
        )
        return
    l1_token = rng.choice((*L1_TOKENS, _address(0x7000 + index)))
    amount = rng.choice((0, 1, rng.randrange(10**24), rng.randrange(2**256)))
    alphabet = "aZ09 _-éß€😀\U0010ffff"
    name = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 20)))
    symbol = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12)))
    payload = token_payload(recipient, l1_token, amount, name, symbol, rng.randrange(256))
    if rng.random() < 0.2:  # corrupt one byte anywhere
        position = rng.randrange(len(payload))
        payload = _flip_byte(payload, position, rng.randrange(256))
    g.deposit(f"random token deposit {index}", KIND_ERC20_DEPOSIT, payload)


# ----------------------------------------------------------------------------------------------
# Call edge cases: every function, every revert path


def call_edge_cases(g: Generator) -> None:
    u0, u1, u2, u3 = USERS
    # views of every token function
    for signature in ("name()", "symbol()", "decimals()", "totalSupply()"):
        g.fn(f"{signature} of WETH", u0, WETH, signature)
    g.fn("name() of TKA", u0, TOKEN_A, "name()")
    g.fn("totalSupply() of TKB", u0, TOKEN_B, "totalSupply()")
    g.fn("balanceOf", u0, TOKEN_A, "balanceOf(address)", u1)
    g.fn("allowance", u0, TOKEN_A, "allowance(address,address)", u1, u2)
    g.call("balanceOf: calldata too short", u0, TOKEN_A, compute_selector("balanceOf(address)"))
    dirty = compute_selector("balanceOf(address)") + b"\x01" + bytes(11) + u1
    g.call("balanceOf: invalid address", u0, TOKEN_A, dirty)
    allowance_data = encode_call("allowance(address,address)", u1, u2)
    g.call("allowance: dirty spender", u0, TOKEN_A, _flip_byte(allowance_data, 4 + 32, 9))
    g.fn("totalSupply: value to a view", u0, TOKEN_A, "totalSupply()", value=1)
    # transfer
    g.fn("transfer", u0, TOKEN_A, "transfer(address,uint256)", u1, 10**18)
    g.fn("transfer: to a fresh holder", u0, TOKEN_A, "transfer(address,uint256)", STRANGER, 5)
    g.fn("transfer: to self", u1, TOKEN_A, "transfer(address,uint256)", u1, 7)
    g.fn("transfer: zero amount", u2, TOKEN_A, "transfer(address,uint256)", _address(0xE0), 0)
    g.fn(
        "transfer: whole balance",
        u3,
        TOKEN_A,
        "transfer(address,uint256)",
        u2,
        g.balance(TOKEN_A, u3),
    )
    g.fn("transfer: to zero address", u0, TOKEN_A, "transfer(address,uint256)", ZERO, 1)
    g.fn(
        "transfer: exceeds balance",
        u0,
        TOKEN_A,
        "transfer(address,uint256)",
        u1,
        g.balance(TOKEN_A, u0) + 1,
    )
    g.fn("transfer: to self exceeds", u1, TOKEN_A, "transfer(address,uint256)", u1, 10**40)
    g.fn("transfer: from an empty holder", STRANGER, TOKEN_B, "transfer(address,uint256)", u0, 1)
    g.fn("transfer: max amount", u0, TOKEN_A, "transfer(address,uint256)", u1, UINT256_MAX)
    g.call(
        "transfer: calldata too short",
        u0,
        TOKEN_A,
        encode_call("transfer(address,uint256)", u1, 1)[:67],
    )
    g.call(
        "transfer: trailing calldata ignored",
        u0,
        TOKEN_A,
        encode_call("transfer(address,uint256)", u1, 1) + b"\xde\xad",
    )
    g.fn("transfer: with value", u0, TOKEN_A, "transfer(address,uint256)", u1, 1, value=1)
    # approve / transferFrom
    g.fn("approve", u0, TOKEN_A, "approve(address,uint256)", u1, 10**18)
    g.fn("approve: unlimited", u0, TOKEN_B, "approve(address,uint256)", u2, UINT256_MAX)
    g.fn("approve: zero spender", u0, TOKEN_A, "approve(address,uint256)", ZERO, 1)
    g.fn("approve: zero amount on a fresh leaf", u3, TOKEN_A, "approve(address,uint256)", u1, 0)
    g.fn("transferFrom", u1, TOKEN_A, "transferFrom(address,address,uint256)", u0, u2, 4 * 10**17)
    g.fn(
        "transferFrom: insufficient allowance",
        u1,
        TOKEN_A,
        "transferFrom(address,address,uint256)",
        u0,
        u2,
        10**18,
    )
    g.fn(
        "transferFrom: exact allowance",
        u1,
        TOKEN_A,
        "transferFrom(address,address,uint256)",
        u0,
        u1,
        6 * 10**17,
    )
    g.fn(
        "transferFrom: unlimited allowance stays",
        u2,
        TOKEN_B,
        "transferFrom(address,address,uint256)",
        u0,
        u3,
        10**6,
    )
    g.fn(
        "transferFrom: unlimited, exceeds balance",
        u2,
        TOKEN_B,
        "transferFrom(address,address,uint256)",
        u0,
        u3,
        10**30,
    )
    g.fn(
        "transferFrom: to zero address",
        u2,
        TOKEN_B,
        "transferFrom(address,address,uint256)",
        u0,
        ZERO,
        1,
    )
    g.fn(
        "transferFrom: no allowance",
        u3,
        TOKEN_A,
        "transferFrom(address,address,uint256)",
        u0,
        u3,
        1,
    )
    g.fn(
        "transferFrom: zero with no allowance",
        u3,
        TOKEN_A,
        "transferFrom(address,address,uint256)",
        u0,
        u3,
        0,
    )
    g.fn(
        "transferFrom: source to itself",
        u2,
        TOKEN_B,
        "transferFrom(address,address,uint256)",
        u0,
        u0,
        5,
    )
    g.call(
        "transferFrom: calldata too short",
        u1,
        TOKEN_A,
        encode_call("transferFrom(address,address,uint256)", u0, u2, 1)[:99],
    )
    # WETH
    g.call("weth: empty calldata wraps", u3, WETH, b"", 2 * 10**18)
    g.call("weth: empty calldata, zero value", u3, WETH, b"", 0)
    g.fn("weth: deposit()", u0, WETH, "deposit()", value=10**18)
    g.fn("weth: deposit() without value", u0, WETH, "deposit()")
    g.call("weth: value beyond balance", POOR, WETH, b"", 2)
    g.fn("weth: withdraw", u0, WETH, "withdraw(uint256)", 5 * 10**17)
    g.fn("weth: withdraw all", u3, WETH, "withdraw(uint256)", g.balance(WETH, u3))
    g.fn("weth: withdraw zero", u3, WETH, "withdraw(uint256)", 0)
    g.fn("weth: withdraw exceeds", u1, WETH, "withdraw(uint256)", g.balance(WETH, u1) + 1)
    g.fn("weth: withdraw with value", u1, WETH, "withdraw(uint256)", 1, value=1)
    g.call("weth: withdraw short", u1, WETH, compute_selector("withdraw(uint256)") + bytes(31))
    g.fn("weth: transfer", u1, WETH, "transfer(address,uint256)", u2, 10**18)
    g.call("token: empty calldata", u0, TOKEN_A, b"")
    g.call("token: empty calldata with value", u0, TOKEN_A, b"", 1)
    g.call("token: 3-byte calldata", u0, TOKEN_A, b"\xa9\x05\x9c")
    g.call("weth: 1-byte calldata", u0, WETH, b"\xd0")
    g.call("weth: 2-byte calldata with value", u0, WETH, b"\xd0\xe3", 1)
    g.fn("token: deposit() is not IERC20", u0, TOKEN_A, "deposit()")
    g.fn("token: deposit() with value", u0, TOKEN_A, "deposit()", value=1)
    g.fn("token: withdraw() is not IERC20", u0, TOKEN_B, "withdraw(uint256)", 1)
    g.call("token: unknown selector", u0, TOKEN_A, b"\x12\x34\x56\x78" + bytes(64))
    g.fn("token: oracle function on a token", u0, TOKEN_A, "getPrice(address)", TOKEN_A)
    # oracle
    oracle = ORACLE_KEY_ADDRESS
    g.fn("setPrice", oracle, ORACLE, "setPrice(address,uint256,uint256)", TOKEN_B, 10**18, 0)
    g.fn(
        "setPrice: max volatility",
        oracle,
        ORACLE,
        "setPrice(address,uint256,uint256)",
        WETH,
        2_000 * 10**18,
        10 * 10**18,
    )
    g.fn(
        "setPrice: volatility out of range",
        oracle,
        ORACLE,
        "setPrice(address,uint256,uint256)",
        WETH,
        1,
        10 * 10**18 + 1,
    )
    g.fn("setPrice: zero price", oracle, ORACLE, "setPrice(address,uint256,uint256)", WETH, 0, 0)
    g.fn(
        "setPrice: unregistered asset",
        oracle,
        ORACLE,
        "setPrice(address,uint256,uint256)",
        UNREGISTERED,
        1,
        0,
    )
    g.fn("setPrice: not the oracle", u0, ORACLE, "setPrice(address,uint256,uint256)", WETH, 1, 0)
    g.fn(
        "setPrice: max price overwrites",
        oracle,
        ORACLE,
        "setPrice(address,uint256,uint256)",
        TOKEN_A,
        UINT256_MAX,
        1,
    )
    g.fn(
        "setPrice: with value",
        oracle,
        ORACLE,
        "setPrice(address,uint256,uint256)",
        WETH,
        1,
        0,
        value=1,
    )
    g.call(
        "setPrice: dirty asset",
        oracle,
        ORACLE,
        _flip_byte(encode_call("setPrice(address,uint256,uint256)", WETH, 1, 0), 4, 1),
    )
    g.call(
        "setPrice: calldata too short",
        oracle,
        ORACLE,
        encode_call("setPrice(address,uint256,uint256)", WETH, 1, 0)[:-1],
    )
    g.fn("getPrice", u0, ORACLE, "getPrice(address)", TOKEN_A)
    g.fn("getPrice: unregistered", u0, ORACLE, "getPrice(address)", UNREGISTERED)
    g.call("getPrice: too short", u0, ORACLE, compute_selector("getPrice(address)"))
    g.call("oracle: empty calldata", u0, ORACLE, b"")
    g.call("oracle: unknown selector", u0, ORACLE, compute_selector("transfer(address,uint256)"))
    # bridge
    g.fn("withdrawETH", u0, L2_BRIDGE, "withdrawETH(address)", u1, value=3 * 10**18)
    g.fn("withdrawETH: to self, 1 wei", u1, L2_BRIDGE, "withdrawETH(address)", u1, value=1)
    g.fn("withdrawETH: zero value", u0, L2_BRIDGE, "withdrawETH(address)", u1)
    g.fn("withdrawETH: zero recipient", u0, L2_BRIDGE, "withdrawETH(address)", ZERO, value=1)
    g.fn("withdrawETH: cannot pay", POOR, L2_BRIDGE, "withdrawETH(address)", u1, value=2)
    g.call("withdrawETH: short", u0, L2_BRIDGE, compute_selector("withdrawETH(address)"), 1)
    g.call(
        "withdrawETH: dirty recipient",
        u0,
        L2_BRIDGE,
        _flip_byte(encode_call("withdrawETH(address)", u1), 15, 1),
        1,
    )
    withdraw = "withdrawToken(address,uint256,address)"
    g.fn("withdrawToken", u0, L2_BRIDGE, withdraw, TOKEN_B, 10**6, u2)
    g.fn(
        "withdrawToken: whole balance", u1, L2_BRIDGE, withdraw, TOKEN_B, g.balance(TOKEN_B, u1), u1
    )
    g.fn("withdrawToken: exceeds balance", u1, L2_BRIDGE, withdraw, TOKEN_B, 1, u1)
    g.fn("withdrawToken: not bridged", u0, L2_BRIDGE, withdraw, TOKEN_A, 1, u1)
    g.fn("withdrawToken: WETH not bridged", u0, L2_BRIDGE, withdraw, WETH, 1, u1)
    g.fn("withdrawToken: unregistered", u0, L2_BRIDGE, withdraw, UNREGISTERED, 1, u1)
    g.fn("withdrawToken: zero amount", u0, L2_BRIDGE, withdraw, TOKEN_B, 0, u1)
    g.fn("withdrawToken: zero recipient", u0, L2_BRIDGE, withdraw, TOKEN_B, 1, ZERO)
    g.fn("withdrawToken: with value", u0, L2_BRIDGE, withdraw, TOKEN_B, 1, u1, value=1)
    for token in g.bridged_tokens():
        holder = next((u for u in (*USERS, STRANGER) if g.balance(token, u)), u0)
        amount = min(g.balance(token, holder), 10**18) or 1
        g.fn(
            f"withdrawToken: bridged {token.hex()[-4:]}",
            holder,
            L2_BRIDGE,
            withdraw,
            token,
            amount,
            u3,
        )
    g.call(
        "withdrawToken: short",
        u0,
        L2_BRIDGE,
        encode_call(withdraw, TOKEN_B, 1, u1)[:-32],
    )
    g.fn("withdrawalRoot", u0, L2_BRIDGE, "withdrawalRoot()")
    g.fn("withdrawalCount", u0, L2_BRIDGE, "withdrawalCount()")
    g.fn("withdrawalCount: with value", u0, L2_BRIDGE, "withdrawalCount()", value=1)
    g.call("bridge: empty calldata with value", u0, L2_BRIDGE, b"", 1)
    g.call("bridge: unknown selector", u0, L2_BRIDGE, compute_selector("deposit()"))


# ----------------------------------------------------------------------------------------------
# Random calls

TOKEN_SIGNATURES = (
    "name()",
    "symbol()",
    "decimals()",
    "totalSupply()",
    "balanceOf(address)",
    "allowance(address,address)",
    "transfer(address,uint256)",
    "approve(address,uint256)",
    "transferFrom(address,address,uint256)",
)


def _pick_amount(rng: random.Random, balance: int) -> int:
    return min(_pick_raw_amount(rng, balance), UINT256_MAX)


def _pick_raw_amount(rng: random.Random, balance: int) -> int:
    choice = rng.randrange(20)
    if choice < 2:
        return 0
    if choice < 6:
        return balance
    if choice < 8:
        return balance + 1
    if choice < 9:
        return UINT256_MAX
    if choice < 16:
        return rng.randrange(balance + 1)
    if choice < 17:
        return rng.randrange(2**256)
    return rng.randrange(1, 10**19)


def random_call(g: Generator, index: int) -> None:
    rng = g.rng
    people = (*USERS, STRANGER, ORACLE_KEY_ADDRESS)
    sender = rng.choice(people)
    other = rng.choice((*people, *people, ZERO))
    third = rng.choice((*people, *people, ZERO))
    tokens = (WETH, TOKEN_A, TOKEN_B, *g.bridged_tokens())
    token = rng.choice(tokens)
    kind = rng.randrange(10)
    label = f"random {index}"
    if kind <= 4:
        views, changes = TOKEN_SIGNATURES[:6], TOKEN_SIGNATURES[6:]
        signature = rng.choice(views if rng.random() < 0.3 else changes)
        types = signature[signature.index("(") + 1 : -1].split(",") if "()" not in signature else []
        args: list[Any] = []
        addresses = [other, third]
        for abi_type in types:
            if abi_type == "address":
                args.append(addresses.pop(0))
            else:
                if signature.startswith("transferFrom"):
                    source_balance = g.balance(token, other)
                    allowance = g.allowance(token, other, sender)
                    base = rng.choice((source_balance, allowance))
                else:
                    base = g.balance(token, sender)
                args.append(_pick_amount(rng, base))
        if signature.startswith("transferFrom") and rng.random() < 0.5:
            args[0] = rng.choice(USERS)  # a source with an approval is more interesting
        g.fn(f"{label}: {signature}", sender, token, signature, *args)
    elif kind == 5:
        value = _pick_amount(rng, g.eth(sender) // 4) if rng.random() < 0.8 else 0
        if rng.random() < 0.5:
            g.call(f"{label}: weth wrap", sender, WETH, b"", value)
        else:
            g.fn(f"{label}: weth deposit()", sender, WETH, "deposit()", value=value)
    elif kind == 6:
        amount = _pick_amount(rng, g.balance(WETH, sender))
        g.fn(f"{label}: weth withdraw", sender, WETH, "withdraw(uint256)", amount)
    elif kind == 7:
        oracle = ORACLE_KEY_ADDRESS if rng.random() < 0.8 else sender
        asset = rng.choice((*tokens, UNREGISTERED))
        price = rng.choice((0, 1, rng.randrange(10**24), UINT256_MAX))
        volatility = rng.choice((0, rng.randrange(10**19 + 2), 10**19, 10**19 + 1))
        g.fn(
            f"{label}: setPrice",
            oracle,
            ORACLE,
            "setPrice(address,uint256,uint256)",
            asset,
            price,
            volatility,
        )
    elif kind == 8:
        value = rng.choice((0, 1, rng.randrange(10**18), g.eth(sender), g.eth(sender) + 1))
        value = min(value, UINT256_MAX)
        g.fn(f"{label}: withdrawETH", sender, L2_BRIDGE, "withdrawETH(address)", other, value=value)
    else:
        bridged = (TOKEN_B, *g.bridged_tokens())
        asset = rng.choice((*bridged, *bridged, *tokens, UNREGISTERED))
        holders = [u for u in people if g.balance(asset, u)]
        if holders and rng.random() < 0.7:
            sender = rng.choice(holders)
        amount = _pick_amount(rng, g.balance(asset, sender))
        g.fn(
            f"{label}: withdrawToken",
            sender,
            L2_BRIDGE,
            "withdrawToken(address,uint256,address)",
            asset,
            amount,
            other,
        )


# ----------------------------------------------------------------------------------------------


def build_vectors() -> dict[str, Any]:
    g = Generator()
    deposit_edge_cases(g)
    call_edge_cases(g)
    steps: list[tuple[Callable[[Generator, int], None], int]] = [
        *((random_call, i) for i in range(RANDOM_CALLS)),
        *((random_deposit, i) for i in range(RANDOM_DEPOSITS)),
    ]
    g.rng.shuffle(steps)
    for step, index in steps:
        step(g, index)
    assert g.withdrawal_count() > 0
    return g.document()


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    options = parser.parse_args()
    text = render(build_vectors())
    return write_or_check(VECTORS_PATH, text, "gen_stf_vectors_tokens", options.check)


if __name__ == "__main__":
    sys.exit(main())
