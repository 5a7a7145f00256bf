"""An anvil L1 with the rollup's real contracts, for differential tests of the one-step prover.

`ProverRig` starts anvil (automine, 127.0.0.1, stopped by pid), deploys BatchInbox, OutputOracle,
Bridge, TestERC20, the OneStepProver with its TransactionRunner and the five STF modules and the
DisputeGame with l1.deploy.deploy_rollup_contracts (the chain config is the L2 genesis's), and then
offers what a test needs to drive them: queueing deposits and forced transactions on the Bridge
(real L1 blocks), appending batches from the sequencer account, reading them back the way a dispute
player does (l1.inputs.L1InputReader), and calling OneStepProver.proveStep / estimating its gas
in JSON-RPC batches. Examples are isolated with evm_snapshot / evm_revert.

It also builds encodings a test breaks on purpose: signed transactions that break one RLP
canonicity rule (signed over the broken bytes) and batch payload varints.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode

from l1.anvil import DEV_KEYS, Anvil
from l1.artifacts import build_artifacts, default_out_dir, find_missing_artifacts, load_artifact
from l1.contracts.abi import STEP_STATE_TUPLE, Function
from l1.contracts.batch_inbox import BatchInbox
from l1.contracts.bridge import Bridge
from l1.contracts.erc20 import TestERC20
from l1.contracts.output_oracle import step_state_tuple
from l1.deploy import Deployment, deploy_rollup_contracts
from l1.inputs import L1InputReader
from l1.rpc import L1Client, L1Receipt, L1RpcError, decode_quantity, encode_hex, encode_quantity
from rollup.batch import InvalidBatch, decompress_batch, read_payload_header
from rollup.config import ChainConfig
from rollup.crypto import compute_private_key_address, keccak256, sign_message_hash
from rollup.stepstate import StepState
from rollup.transaction import TX_TYPE_DYNAMIC_FEE, Transaction

PROVER_CONTRACTS = (
    "BatchInbox",
    "OutputOracle",
    "Bridge",
    "TestERC20",
    "DisputeGame",
    "OneStepProver",
    "TransactionRunner",
    "TokenModule",
    "AmmModule",
    "LendingModule",
    "LeverageModule",
    "PerpsModule",
)
PROVE_STEP = Function(
    f"proveStep({STEP_STATE_TUPLE},uint256,bytes,bytes)",
    (STEP_STATE_TUPLE, "uint256", "bytes", "bytes"),
    ("bytes32",),
)
RECEIPT_TIMEOUT = 10.0
RPC_CHUNK = 40
"""Requests per JSON-RPC batch (keeps each HTTP body modest)."""
RPC_BODY_BYTES = 1_000_000
"""Call data per JSON-RPC batch: anvil refuses bodies of a few megabytes."""
AWKWARD_TOKENS: tuple[tuple[bytes, bytes, int], ...] = (
    (b"A" * 31 + "é".encode(), "🚀".encode() * 9, 0),  # a 2-byte char across byte 32; 36 bytes
    (b"B" * 30 + "€".encode(), b"EUR" * 11, 255),  # a 3-byte char ending at byte 33
    (b"C" * 32, b"", 6),  # exactly 32 bytes; empty symbol
    ("𝄞".encode() * 8 + b"!", b"G\x00CLEF", 18),  # 4-byte chars to byte 32; a NUL inside
    (b"\xff\xfeBAD", b"BAD", 18),  # invalid UTF-8: the deposit does not decode, it is skipped
    (b"ok", b"\xed\xa0\x80", 18),  # a UTF-16 surrogate: invalid in strict UTF-8
    (b"\xc0\x80", b"OVR", 18),  # an overlong NUL: invalid
)
"""(name, symbol, decimals) of TestERC20s, raw bytes ABI-encoded as the string arguments."""
MOCK_TOKENS = (
    "NoReturnToken",
    "NoMetadataToken",
    "Bytes32MetadataToken",
    "MalformedMetadataToken",
)

DEPLOYER_KEY = DEV_KEYS[0]
SEQUENCER_KEY = DEV_KEYS[0]
PROPOSER_KEY = DEV_KEYS[1]
CHALLENGER_KEY = DEV_KEYS[2]


def address_of(key: bytes) -> bytes:
    return compute_private_key_address(key)


@dataclass
class ProverRig:
    """anvil + the rollup's L1 contracts, deployed once; snapshot/revert between examples."""

    anvil: Anvil
    deployment: Deployment
    chain_config: ChainConfig
    erc20_depositors: tuple[bytes, ...] = ()
    calls: int = field(default=0)
    l1_tokens: list[bytes] = field(default_factory=list)
    """L1 ERC-20s the depositors hold: TestERC20 and the tokens of AWKWARD_TOKENS."""

    def __repr__(self) -> str:  # hypothesis prints the fixtures of a failing example
        return f"ProverRig(anvil at {self.anvil.url}, prover 0x{self.prover.hex()})"

    @property
    def client(self) -> L1Client:
        return self.anvil.client

    @property
    def batch_inbox(self) -> BatchInbox:
        return BatchInbox(self.client, self.deployment.batch_inbox)

    @property
    def bridge(self) -> Bridge:
        return Bridge(self.client, self.deployment.bridge)

    @property
    def prover(self) -> bytes:
        return self.deployment.one_step_prover

    # -- lifecycle ------------------------------------------------------------------------------

    @classmethod
    def start(cls, chain_config: ChainConfig, erc20_depositors: Sequence[bytes] = ()) -> ProverRig:
        """Start anvil and deploy; `erc20_depositors` (L1 addresses) get every L1 token of
        `l1_tokens` (the deployment's TestERC20 first, then tokens with awkward metadata)
        minted and approved to the Bridge, so that they can deposit them."""
        if find_missing_artifacts(PROVER_CONTRACTS):
            build_artifacts()
        anvil = Anvil()
        anvil.start()
        try:
            deployment = deploy_rollup_contracts(
                anvil.client,
                DEPLOYER_KEY,
                sequencer_address=address_of(SEQUENCER_KEY),
                proposer_address=address_of(PROPOSER_KEY),
                challenger_address=address_of(CHALLENGER_KEY),
                submission_interval=10,
                finalization_period_seconds=60,
                bond=10**18,
                chain_config=chain_config,
            )
            if deployment.one_step_prover == bytes(20):
                raise RuntimeError("deploy_rollup_contracts deployed no OneStepProver")
            rig = cls(anvil, deployment, chain_config, tuple(erc20_depositors))
            rig.l1_tokens = [deployment.test_token, *rig.deploy_awkward_tokens()]
            for token in rig.l1_tokens:
                for depositor in erc20_depositors:
                    rig.transact(depositor, token, TestERC20.encode_mint(depositor, 10**30))
                    rig.transact(
                        depositor, token, TestERC20.encode_approve(deployment.bridge, 2**256 - 1)
                    )
        except Exception:
            anvil.stop()
            raise
        return rig

    def deploy(self, init_code: bytes) -> bytes:
        """Create a contract from the deployer; return its address."""
        tx = {"from": encode_hex(address_of(DEPLOYER_KEY)), "data": encode_hex(init_code)}
        receipt = self._send(tx)
        if receipt is None or not receipt.succeeded or receipt.contract_address is None:
            raise RuntimeError(f"contract creation failed: {receipt}")
        return receipt.contract_address

    def deploy_awkward_tokens(self) -> list[bytes]:
        """L1 tokens whose metadata the deposit codec must get exactly right: TestERC20s named
        with multi-byte UTF-8 across the 32-byte cut, invalid UTF-8 (the deposit is then
        skipped), empty and extreme decimals; and the test mocks (USDT-style, bytes32 metadata,
        none, malformed), when their artifacts were built."""
        tokens = []
        test_erc20 = load_artifact("TestERC20").bytecode
        for name, symbol, decimals in AWKWARD_TOKENS:
            arguments = abi_encode(["bytes", "bytes", "uint8"], [name, symbol, decimals])
            tokens.append(self.deploy(test_erc20 + arguments))
        for mock in MOCK_TOKENS:
            path = default_out_dir() / "MockTokens.sol" / f"{mock}.json"
            if path.is_file():
                bytecode = json.loads(path.read_text())["bytecode"]["object"]
                tokens.append(self.deploy(bytes.fromhex(bytecode.removeprefix("0x"))))
        return tokens

    def stop(self) -> None:
        self.anvil.stop()

    def snapshot(self) -> int:
        return self.anvil.snapshot()

    def revert(self, snapshot_id: int) -> None:
        self.anvil.revert(snapshot_id)

    # -- L1 transactions (anvil's dev accounts are unlocked: eth_sendTransaction, automined) -----

    def transact(self, sender: bytes, to: bytes, data: bytes, value: int = 0) -> int:
        """Send and mine one L1 transaction; return its block number. Raises on a revert."""
        tx = {"from": encode_hex(sender), "to": encode_hex(to), "data": encode_hex(data)}
        if value:
            tx["value"] = encode_quantity(value)
        receipt = self._send(tx)
        if receipt is None or not receipt.succeeded:
            raise RuntimeError(f"L1 transaction to 0x{to.hex()} failed: {receipt}")
        return receipt.block_number

    def _send(self, tx: dict[str, str]) -> L1Receipt | None:
        """eth_sendTransaction and the receipt (automine may answer just before it mines)."""
        tx_hash = bytes.fromhex(self.client.request("eth_sendTransaction", [tx])[2:])
        receipt = self.client.get_receipt(tx_hash)
        deadline = time.monotonic() + RECEIPT_TIMEOUT
        while receipt is None and time.monotonic() < deadline:
            time.sleep(0.005)
            receipt = self.client.get_receipt(tx_hash)
        return receipt

    def deposit_eth(self, sender: bytes, recipient: bytes, amount: int) -> int:
        return self.transact(
            sender, self.deployment.bridge, Bridge.encode_deposit_eth(recipient), amount
        )

    def deposit_erc20(
        self, sender: bytes, recipient: bytes, amount: int, token: bytes | None = None
    ) -> int:
        """Deposit an L1 token (default: the deployment's TestERC20) on the Bridge."""
        l1_token = self.deployment.test_token if token is None else token
        return self.transact(
            sender,
            self.deployment.bridge,
            Bridge.encode_deposit_erc20(l1_token, recipient, amount),
        )

    def force_transaction(self, sender: bytes, raw: bytes) -> int:
        return self.transact(sender, self.deployment.bridge, Bridge.encode_force_transaction(raw))

    def append_batch(self, batch: bytes) -> int:
        built_on = self.client.get_block("latest")  # the block before the one that mines it
        return self.transact(
            address_of(SEQUENCER_KEY),
            self.deployment.batch_inbox,
            BatchInbox.encode_append_batch(batch, built_on.number, built_on.hash),
        )

    def mine(self, blocks: int) -> None:
        if blocks > 0:
            self.anvil.mine(blocks)

    def head(self) -> int:
        return self.client.block_number()

    def l1_timestamp(self) -> int:
        """The timestamp of the newest L1 block."""
        return int(self.client.get_block("latest").timestamp)

    def input_reader(self) -> L1InputReader:
        """The machine's L1 inputs as a dispute player reads them (logs + calldata)."""
        return L1InputReader(
            self.client,
            self.deployment.batch_inbox,
            self.deployment.bridge,
            self.deployment.deploy_block_number + 1,
        )

    # -- the one-step prover --------------------------------------------------------------------

    def _call_object(
        self, pre: StepState, target: int, step_input: bytes, witness: bytes
    ) -> dict[str, Any]:
        data = PROVE_STEP.encode(step_state_tuple(pre), target, step_input, witness)
        return {"to": encode_hex(self.prover), "data": encode_hex(data)}

    def prove_steps(
        self, steps: Sequence[tuple[StepState, int, bytes, bytes]]
    ) -> list[bytes | L1RpcError]:
        """proveStep(pre, target, input, witness) by eth_call for each step: the post hash, or the
        error of a reverted call."""
        results: list[bytes | L1RpcError] = []
        calls = [("eth_call", [self._call_object(*step), "latest"]) for step in steps]
        for chunk in _chunks(calls):
            results += [_decode_hash(reply) for reply in self._batch(chunk)]
        return results

    def estimate_steps(self, steps: Sequence[tuple[StepState, int, bytes, bytes]]) -> list[int]:
        """eth_estimateGas of proveStep for each step (as a transaction would cost)."""
        gas: list[int] = []
        calls = [("eth_estimateGas", [self._call_object(*step)]) for step in steps]
        for chunk in _chunks(calls):
            for reply in self._batch(chunk):
                if isinstance(reply, L1RpcError):
                    raise reply
                gas.append(decode_quantity(reply))
        return gas

    def _batch(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        """A JSON-RPC batch whose failed items come back as L1RpcError instead of raising."""
        self.calls += len(calls)
        client = self.client
        first_id = 1_000_000 + self.calls
        body = [
            {"jsonrpc": "2.0", "id": first_id + i, "method": method, "params": params}
            for i, (method, params) in enumerate(calls)
        ]
        reply = client._post("batch", body)
        if not isinstance(reply, list):  # the whole batch refused (e.g. a body over the limit)
            error = reply.get("error", {}) if isinstance(reply, dict) else {}
            raise L1RpcError("batch", error.get("code", 0), str(error.get("message", reply)))
        by_id = {item["id"]: item for item in reply}
        results: list[Any] = []
        for i, (method, _) in enumerate(calls):
            item = by_id[first_id + i]
            if "error" in item:
                error = item["error"]
                results.append(
                    L1RpcError(
                        method, error.get("code", 0), error.get("message", ""), error.get("data")
                    )
                )
            else:
                results.append(item["result"])
        return results


def _decode_hash(reply: Any) -> bytes | L1RpcError:
    if isinstance(reply, L1RpcError):
        return reply
    (value,) = abi_decode(["bytes32"], bytes.fromhex(reply[2:]))
    return bytes(value)


def _chunks(calls: list[tuple[str, list[Any]]]) -> list[list[tuple[str, list[Any]]]]:
    """`calls` cut into JSON-RPC batches of at most RPC_CHUNK calls and RPC_BODY_BYTES of call
    data (a step over a padded batch carries tens of kilobytes; anvil refuses a body of a few
    megabytes as an invalid request). A single larger call goes alone."""
    chunks: list[list[tuple[str, list[Any]]]] = []
    size = 0
    for call in calls:
        call_size = len(call[1][0]["data"])
        if not chunks or len(chunks[-1]) >= RPC_CHUNK or size + call_size > RPC_BODY_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(call)
        size += call_size
    return chunks


# -- encodings a test breaks on purpose -------------------------------------------------------

NONCANONICAL = (
    "leading_zero",
    "wrapped_byte",
    "long_string",
    "long_empty_list",
    "outer_length_of_length",
    "y_parity_wrapped",
    "y_parity_2",
    "r_leading_zero",
    "trailing_byte",
)


def rlp_string(data: bytes, form: str = "canonical") -> bytes:
    """RLP of a byte string; `form` "wrapped" (a single byte below 0x80 given a length prefix)
    and "long" (the long form for fewer than 56 bytes) are the non-canonical forms."""
    if form == "canonical" and len(data) == 1 and data[0] < 0x80:
        return data
    if form != "long" and len(data) < 56:
        return bytes([0x80 + len(data)]) + data
    length = len(data).to_bytes((len(data).bit_length() + 7) // 8 or 1, "big")
    return bytes([0xB7 + len(length)]) + length + data


def rlp_list(payload: bytes, form: str = "canonical") -> bytes:
    """An RLP list header and `payload`; `form` "long" uses the long form even below 56 bytes,
    "padded" a length of length with a leading zero byte."""
    if len(payload) < 56 and form == "canonical":
        return bytes([0xC0 + len(payload)]) + payload
    length = len(payload).to_bytes((len(payload).bit_length() + 7) // 8 or 1, "big")
    if form == "padded":
        length = b"\x00" + length
    return bytes([0xF7 + len(length)]) + length + payload


def int_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def encode_noncanonical(tx: Transaction, key: bytes, how: str) -> bytes:
    """A dynamic-fee transaction whose encoding breaks one RLP canonicity rule; when the broken
    field is in the signed part, the signature is over the non-canonical bytes themselves, so a
    decoder that accepted them would recover the real sender."""
    if how == "wrapped_byte":
        tx = replace(tx, max_priority_fee_per_gas=5, max_fee_per_gas=max(tx.max_fee_per_gas, 5))
    fields = [
        rlp_string(int_bytes(tx.chain_id)),
        rlp_string(b"\x00" + int_bytes(tx.nonce) if how == "leading_zero" else int_bytes(tx.nonce)),
        rlp_string(int_bytes(tx.max_priority_fee_per_gas), "wrapped" if how == "wrapped_byte" else "canonical"),
        rlp_string(int_bytes(tx.max_fee_per_gas)),
        rlp_string(int_bytes(tx.gas_limit)),
        rlp_string(tx.to or b"", "long" if how == "long_string" else "canonical"),
        rlp_string(int_bytes(tx.value)),
        rlp_string(tx.data),
        rlp_list(b"", "long" if how == "long_empty_list" else "canonical"),
    ]  # fmt: skip
    outer = "padded" if how == "outer_length_of_length" else "canonical"
    signing = bytes([TX_TYPE_DYNAMIC_FEE]) + rlp_list(b"".join(fields), outer)
    y_parity, r, s = sign_message_hash(key, keccak256(signing))
    if how == "y_parity_wrapped" and y_parity == 1:
        y_field = rlp_string(b"\x01", "wrapped")
    elif how == "y_parity_2":
        y_field = rlp_string(int_bytes(y_parity + 2))
    else:
        y_field = rlp_string(int_bytes(y_parity))
    r_bytes = b"\x00" + int_bytes(r) if how == "r_leading_zero" else int_bytes(r)
    signature = y_field + rlp_string(r_bytes) + rlp_string(int_bytes(s))
    raw = bytes([TX_TYPE_DYNAMIC_FEE]) + rlp_list(b"".join(fields) + signature, outer)
    return raw + b"\x00" if how == "trailing_byte" else raw


def encode_varint(value: int) -> bytes:
    """Unsigned LEB128, as the batch payload encodes integers."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def header_is_skipped(batch: bytes, expected_first_block: int) -> bool:
    """Whether the machine's batch opening skips `batch` when it expects that first block."""
    try:
        return (
            read_payload_header(decompress_batch(batch)).first_block_number != expected_first_block
        )
    except InvalidBatch:
        return True
