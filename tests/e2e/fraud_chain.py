"""What the fraud-proof end-to-end tests share: a settlement network (tests/e2e/l1_network.py) with
views of its L1 events, L2 transactions sent from a key, and figures reported for the record."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from web3 import Web3

from l1.contracts.dispute_game import (
    DEFENDED_TOPIC,
    GAME_CREATED_TOPIC,
    RESOLVE_WITH_PROOF,
    RESOLVED_TOPIC,
    RESPONDED_TOPIC,
    TIMED_OUT_TOPIC,
    WITHDRAWAL_ROOT_DISPROVEN_TOPIC,
    DisputeGame,
    decode_dispute_game_event,
)
from l1.contracts.output_oracle import (
    OUTPUT_PROPOSED_TOPIC,
    OUTPUTS_DELETED_TOPIC,
    OutputOracle,
    decode_output_proposed,
    decode_outputs_deleted,
)
from l1.rpc import L1Client, L1Log
from l1.sender import L1Sender
from rollup.stepstate import PHASE_BLOCK_START, PHASE_MESSAGES, PHASE_TXS, StepState
from tests.e2e.l1_network import Network, rpc
from tests.polling import wait_for

SUBMISSION_INTERVAL = 10
"""The devnet's: an output every 10 L2 blocks."""

EVENT_TOPICS = [
    GAME_CREATED_TOPIC,
    DEFENDED_TOPIC,
    RESPONDED_TOPIC,
    RESOLVED_TOPIC,
    TIMED_OUT_TOPIC,
    WITHDRAWAL_ROOT_DISPROVEN_TOPIC,
    OUTPUT_PROPOSED_TOPIC,
    OUTPUTS_DELETED_TOPIC,
]


def address_of(key: str) -> bytes:
    return bytes.fromhex(Account.from_key(key).address[2:])


@dataclass
class Chain:
    """The network plus the L1 views a test checks."""

    network: Network
    started: float = field(default_factory=time.monotonic)

    @property
    def l1(self) -> L1Client:
        return self.network.anvil.client

    @property
    def oracle(self) -> OutputOracle:
        return OutputOracle(self.l1, self.network.deployment.output_oracle)

    @property
    def games(self) -> DisputeGame:
        return DisputeGame(self.l1, self.network.deployment.dispute_game)

    def logs(self) -> list[L1Log]:
        deployment = self.network.deployment
        return self.l1.get_logs(
            [deployment.dispute_game, deployment.output_oracle],
            [EVENT_TOPICS],
            deployment.deploy_block_number,
            "latest",
        )

    def events(self, topic: bytes) -> list[Any]:
        decoded: list[Any] = []
        for entry in self.logs():
            if entry.topics[0] != topic:
                continue
            if topic == OUTPUT_PROPOSED_TOPIC:
                decoded.append(decode_output_proposed(entry))
            elif topic == OUTPUTS_DELETED_TOPIC:
                decoded.append(decode_outputs_deleted(entry))
            else:
                decoded.append(decode_dispute_game_event(entry))
        return decoded

    def l1_sender(self, key: str) -> L1Sender:
        return L1Sender(self.l1, bytes.fromhex(key[2:]))

    def gas_of(self, entry: L1Log) -> int:
        receipt = self.l1.get_receipt(entry.tx_hash)
        assert receipt is not None
        return int(receipt.gas_used)

    def fee_of(self, entry: L1Log) -> int:
        receipt = self.l1.get_receipt(entry.tx_hash)
        assert receipt is not None
        return int(receipt.gas_used * receipt.effective_gas_price)

    def spent_in_block(self, address: bytes, number: int) -> int:
        """Value and fees of the transactions `address` sent in L1 block `number`."""
        block = self.l1.request("eth_getBlockByNumber", [hex(number), True])
        spent = 0
        for tx in block["transactions"]:
            if bytes.fromhex(tx["from"][2:]) == address:
                receipt = self.l1.get_receipt(bytes.fromhex(tx["hash"][2:]))
                assert receipt is not None
                spent += int(tx["value"], 16) + receipt.gas_used * receipt.effective_gas_price
        return spent

    def l1_now(self) -> int:
        return int(self.l1.get_block("latest").timestamp)

    def timestamp(self, entry: L1Log) -> int:
        return int(self.l1.get_block(entry.block_number).timestamp)

    def increase_time(self, seconds: int) -> None:
        self.l1.request("evm_increaseTime", [seconds])


def send_l2(w3: Web3, key: str, txs: list[Any]) -> list[str]:
    """Sign and send `txs` back to back from `key` (consecutive nonces); return their hashes."""
    account = Account.from_key(key)
    nonce = w3.eth.get_transaction_count(account.address, "pending")
    hashes = []
    for offset, tx in enumerate(txs):
        tx = {
            "chainId": w3.eth.chain_id,
            "maxFeePerGas": 10**10,
            "maxPriorityFeePerGas": 10**6,
            **tx,
            "nonce": nonce + offset,
        }
        tx.pop("from", None)
        signed = account.sign_transaction(tx)
        hashes.append(w3.eth.send_raw_transaction(signed.raw_transaction).to_0x_hex())
    return hashes


def early_in_a_range(w3: Web3) -> None:
    """Wait until the L2 head is early in an output range, so that transactions sent now land in
    one range."""
    wait_for(
        lambda: 1 <= w3.eth.block_number % SUBMISSION_INTERVAL <= 5, 20, "an early block in a range"
    )


STEP_KINDS = {PHASE_BLOCK_START: "block start", PHASE_MESSAGES: "message", PHASE_TXS: "transaction"}


def describe_proof(chain: Chain, entry: L1Log) -> tuple[str, int]:
    """(kind of step, gas) of the resolveWithProof transaction that emitted `entry`."""
    calldata = chain.l1.get_transaction_input(entry.tx_hash)
    _, pre, _, _ = RESOLVE_WITH_PROOF.decode_arguments(calldata)
    step = StepState._make(pre)
    kind = STEP_KINDS[step.phase]
    if step.phase == PHASE_BLOCK_START:
        kind = "between batches" if step.blocks_left == 0 else "batch block"
    return kind, chain.gas_of(entry)


def report(line: str) -> None:
    """Figures for the record: printed (pytest -s) and appended to $FRAUD_PROOF_REPORT."""
    print(line)
    path = os.environ.get("FRAUD_PROOF_REPORT")
    if path:
        with open(path, "a") as out:
            out.write(line + "\n")


def output_root_of(chain: Chain, l2_block: int) -> bytes:
    result = rpc(chain.network.verifier.url, "rollup_outputAtBlock", [hex(l2_block)])
    return bytes.fromhex(result["outputRoot"][2:])


def cli_l1(chain: Chain) -> list[str]:
    deployment_path = str(chain.network.sequencer.log_path.parent / "deployment.json")
    return ["--l1-rpc", chain.network.anvil.url, "--deployment", deployment_path]
