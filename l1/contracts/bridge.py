"""Bridge bindings (docs/SETTLEMENT.md §1, §3): the ordered queue of L1 -> L2 messages (deposits
and forced transactions) and withdrawals proven against outputs."""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi.abi import decode as abi_decode

from l1.contracts.abi import (
    Contract,
    InvalidEventLog,
    check_log,
    function,
    read_address_topic,
    read_word,
    to_address,
)
from l1.revert import register_errors
from l1.rpc import BlockId, L1Log
from rollup.abi import compute_event_topic
from rollup.deposit import QueuedMessage
from rollup.system.bridge import compute_withdrawal_hash

WITHDRAWAL_TUPLE = "(uint256,address,address,address,uint256)"
OUTPUT_ROOT_PROOF_TUPLE = "(bytes32,bytes32,bytes32,bytes32)"

DEPOSIT_ETH = function("depositETH", ["address"])
DEPOSIT_ERC20 = function("depositERC20", ["address", "address", "uint256"])
FORCE_TRANSACTION = function("forceTransaction", ["bytes"])
PROVE_WITHDRAWAL = function(
    "proveWithdrawal", [WITHDRAWAL_TUPLE, "uint256", OUTPUT_ROOT_PROOF_TUPLE, "bytes"]
)
FINALIZE_WITHDRAWAL = function("finalizeWithdrawal", [WITHDRAWAL_TUPLE])
QUEUE_LENGTH = function("queueLength", returns=["uint256"])
MESSAGE_HASHES = function("messageHashes", ["uint256"], ["bytes32"])
FINALIZED_WITHDRAWALS = function("finalizedWithdrawals", ["bytes32"], ["bool"])
PROVEN_WITHDRAWALS = function("provenWithdrawals", ["bytes32"], ["bytes32", "uint128", "uint128"])
OUTPUT_ORACLE = function("outputOracle", returns=["address"])

BRIDGE_ERRORS = (
    "ZeroAmount()",
    "ZeroRecipient()",
    "InvalidToken()",
    "TransferAmountMismatch()",
    "TokenTransferFailed()",
    "ETHTransferFailed()",
    "EmptyTransaction()",
    "TransactionTooLarge()",
    "OutputNotFound()",
    "InvalidOutputRootProof()",
    "InvalidWithdrawalProof()",
    "AlreadyProven()",
    "NotProven()",
    "AlreadyFinalized()",
    "OutputDeleted()",
    "NotFinalized()",
)

KIND_DEPOSIT_ETH = 1
KIND_DEPOSIT_ERC20 = 2
KIND_FORCED_TRANSACTION = 3

register_errors(BRIDGE_ERRORS)

L2_TRANSACTION_QUEUED_SIGNATURE = "L2TransactionQueued(uint256,uint8,bytes)"
WITHDRAWAL_PROVEN_SIGNATURE = "WithdrawalProven(bytes32,uint256,address)"
WITHDRAWAL_FINALIZED_SIGNATURE = "WithdrawalFinalized(bytes32)"
L2_TRANSACTION_QUEUED_TOPIC = compute_event_topic(L2_TRANSACTION_QUEUED_SIGNATURE)
WITHDRAWAL_PROVEN_TOPIC = compute_event_topic(WITHDRAWAL_PROVEN_SIGNATURE)
WITHDRAWAL_FINALIZED_TOPIC = compute_event_topic(WITHDRAWAL_FINALIZED_SIGNATURE)


@dataclass(frozen=True, slots=True)
class L2TransactionQueued:
    """An L1 -> L2 message of the Bridge queue (deposit or forced transaction)."""

    queue_index: int
    kind: int
    payload: bytes
    log: L1Log

    def to_message(self, l1_timestamp: int) -> QueuedMessage:
        """The message as derivation consumes it (rollup.deposit), with the timestamp of the L1
        block that queued it (the log's block)."""
        return QueuedMessage(
            queue_index=self.queue_index,
            kind=self.kind,
            payload=self.payload,
            l1_block_number=self.log.block_number,
            l1_timestamp=l1_timestamp,
        )


@dataclass(frozen=True, slots=True)
class WithdrawalProven:
    withdrawal_hash: bytes
    output_index: int
    l1_recipient: bytes
    log: L1Log


@dataclass(frozen=True, slots=True)
class WithdrawalFinalized:
    withdrawal_hash: bytes
    log: L1Log


def decode_l2_transaction_queued(log: L1Log) -> L2TransactionQueued:
    check_log(log, L2_TRANSACTION_QUEUED_TOPIC, 3, "L2TransactionQueued")
    try:
        (payload,) = abi_decode(["bytes"], log.data)
    except Exception as exc:
        raise InvalidEventLog(f"L2TransactionQueued data does not decode: {exc}") from exc
    return L2TransactionQueued(
        queue_index=read_word(log.topics[1]),
        kind=read_word(log.topics[2]),
        payload=payload,
        log=log,
    )


def decode_withdrawal_proven(log: L1Log) -> WithdrawalProven:
    check_log(log, WITHDRAWAL_PROVEN_TOPIC, 4, "WithdrawalProven")
    return WithdrawalProven(
        withdrawal_hash=log.topics[1],
        output_index=read_word(log.topics[2]),
        l1_recipient=read_address_topic(log.topics[3]),
        log=log,
    )


def decode_withdrawal_finalized(log: L1Log) -> WithdrawalFinalized:
    check_log(log, WITHDRAWAL_FINALIZED_TOPIC, 2, "WithdrawalFinalized")
    return WithdrawalFinalized(withdrawal_hash=log.topics[1], log=log)


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """Bridge.Withdrawal: an L2 withdrawal as the L2 bridge recorded it."""

    index: int
    sender: bytes
    l1_recipient: bytes
    l1_token: bytes
    amount: int

    @property
    def hash(self) -> bytes:
        """Its key in the L2 withdrawal tree; the Bridge computes the same."""
        return compute_withdrawal_hash(
            self.index, self.sender, self.l1_recipient, self.l1_token, self.amount
        )

    def as_tuple(self) -> tuple[int, bytes, bytes, bytes, int]:
        return (self.index, self.sender, self.l1_recipient, self.l1_token, self.amount)


@dataclass(frozen=True, slots=True)
class OutputRootProof:
    """Bridge.OutputRootProof: the preimage of an output root (SETTLEMENT.md §2)."""

    version: bytes
    state_root: bytes
    withdrawal_root: bytes
    block_hash: bytes

    def as_tuple(self) -> tuple[bytes, bytes, bytes, bytes]:
        return (self.version, self.state_root, self.withdrawal_root, self.block_hash)


class Bridge(Contract):
    @staticmethod
    def encode_deposit_eth(l2_recipient: bytes) -> bytes:
        """Calldata of depositETH; the amount is the transaction's value."""
        return DEPOSIT_ETH.encode(l2_recipient)

    @staticmethod
    def encode_deposit_erc20(l1_token: bytes, l2_recipient: bytes, amount: int) -> bytes:
        """Calldata of depositERC20; approve the Bridge for `amount` first."""
        return DEPOSIT_ERC20.encode(l1_token, l2_recipient, amount)

    @staticmethod
    def encode_force_transaction(signed_transaction: bytes) -> bytes:
        return FORCE_TRANSACTION.encode(signed_transaction)

    @staticmethod
    def encode_prove_withdrawal(
        withdrawal: Withdrawal, output_index: int, proof: OutputRootProof, smt_proof: bytes
    ) -> bytes:
        return PROVE_WITHDRAWAL.encode(
            withdrawal.as_tuple(), output_index, proof.as_tuple(), smt_proof
        )

    @staticmethod
    def encode_finalize_withdrawal(withdrawal: Withdrawal) -> bytes:
        return FINALIZE_WITHDRAWAL.encode(withdrawal.as_tuple())

    def queue_length(self, block: BlockId = "latest") -> int:
        return int(self._view(QUEUE_LENGTH, block=block))

    def message_hash(self, queue_index: int, block: BlockId = "latest") -> bytes:
        """compute_message_hash of queue message `queue_index` (zero if not queued)."""
        return bytes(self._view(MESSAGE_HASHES, queue_index, block=block))

    def is_withdrawal_finalized(self, withdrawal_hash: bytes, block: BlockId = "latest") -> bool:
        return bool(self._view(FINALIZED_WITHDRAWALS, withdrawal_hash, block=block))

    def proven_withdrawal(
        self, withdrawal_hash: bytes, block: BlockId = "latest"
    ) -> tuple[bytes, int, int]:
        """(output root, output index, timestamp) it was proven against; a zero root if not."""
        root, index, timestamp = self._view(PROVEN_WITHDRAWALS, withdrawal_hash, block=block)
        return bytes(root), int(index), int(timestamp)

    def output_oracle(self) -> bytes:
        return to_address(self._view(OUTPUT_ORACLE))


FUNCTIONS = (
    DEPOSIT_ETH,
    DEPOSIT_ERC20,
    FORCE_TRANSACTION,
    PROVE_WITHDRAWAL,
    FINALIZE_WITHDRAWAL,
    QUEUE_LENGTH,
    MESSAGE_HASHES,
    FINALIZED_WITHDRAWALS,
    PROVEN_WITHDRAWALS,
    OUTPUT_ORACLE,
)
EVENTS = (
    L2_TRANSACTION_QUEUED_SIGNATURE,
    WITHDRAWAL_PROVEN_SIGNATURE,
    WITHDRAWAL_FINALIZED_SIGNATURE,
)
ERRORS = BRIDGE_ERRORS
