"""Typed bindings for the rollup's L1 contracts (docs/SETTLEMENT.md §1).

The roles make few, fixed calls (the batcher appends batches, the proposer proposes outputs, the
verifier reads events and challenges, users deposit and withdraw), so each has a small typed
function here instead of a generic ABI engine: calldata encoders, view calls that return Python
values, and decoders that turn event logs into dataclasses.

Signatures are written out as SETTLEMENT.md fixes them, so a node that only reads L1 needs no
Foundry build; tests check each one against the ABI in the forge artifacts, so the two cannot drift
apart silently. Custom errors of the contracts are registered with `l1.revert`, so an L1 error names
them (`NotSequencer()`, not `custom error 0x...`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode

from l1.revert import register_errors
from l1.rpc import BlockId, L1Client, L1Log
from rollup.abi import compute_event_topic, compute_selector
from rollup.deposit import QueuedMessage
from rollup.system.bridge import compute_withdrawal_hash

WITHDRAWAL_TUPLE = "(uint256,address,address,address,uint256)"
OUTPUT_ROOT_PROOF_TUPLE = "(bytes32,bytes32,bytes32,bytes32)"
OUTPUT_TUPLE = "(bytes32,uint128,uint128,address,uint256,bool)"


class InvalidEventLog(ValueError):
    """A log that does not have the shape of the event it was decoded as."""


@dataclass(frozen=True, slots=True)
class Function:
    """A contract function: canonical signature, argument types, return types."""

    signature: str
    argument_types: tuple[str, ...]
    return_types: tuple[str, ...] = ()

    @property
    def selector(self) -> bytes:
        return compute_selector(self.signature)

    def encode(self, *values: Any) -> bytes:
        """Calldata: selector ‖ ABI-encoded arguments."""
        return self.selector + abi_encode(list(self.argument_types), list(values))

    def decode_arguments(self, calldata: bytes) -> tuple[Any, ...]:
        """Arguments from calldata; raises ValueError if it is not a call of this function."""
        if calldata[:4] != self.selector:
            raise ValueError(f"calldata is not a call of {self.signature}")
        try:
            return tuple(abi_decode(list(self.argument_types), calldata[4:]))
        except Exception as exc:  # eth_abi raises several types on malformed data
            raise ValueError(f"malformed calldata for {self.signature}: {exc}") from exc

    def decode_result(self, data: bytes) -> tuple[Any, ...]:
        return tuple(abi_decode(list(self.return_types), data))


def _function(name: str, arguments: Sequence[str] = (), returns: Sequence[str] = ()) -> Function:
    return Function(f"{name}({','.join(arguments)})", tuple(arguments), tuple(returns))


# -- BatchInbox -----------------------------------------------------------------------------------

APPEND_BATCH = _function("appendBatch", ["bytes"])
BATCH_COUNT = _function("batchCount", returns=["uint256"])
BATCH_HASHES = _function("batchHashes", ["uint256"], ["bytes32"])
SEQUENCER = _function("sequencer", returns=["address"])

BATCH_INBOX_ERRORS = ("NotSequencer()", "EmptyBatch()")

# -- OutputOracle ---------------------------------------------------------------------------------

PROPOSE_OUTPUT = _function("proposeOutput", ["bytes32", "uint256"])
GET_OUTPUT = _function("getOutput", ["uint256"], [OUTPUT_TUPLE])
OUTPUT_COUNT = _function("outputCount", returns=["uint256"])
LATEST_OUTPUT_INDEX = _function("latestOutputIndex", returns=["uint256"])
LATEST_BLOCK_NUMBER = _function("latestBlockNumber", returns=["uint256"])
NEXT_BLOCK_NUMBER = _function("nextBlockNumber", returns=["uint256"])
IS_FINALIZED = _function("isFinalized", ["uint256"], ["bool"])
SET_CHALLENGED = _function("setChallenged", ["uint256", "bool"])
SET_CHALLENGER = _function("setChallenger", ["address"])
DELETE_OUTPUTS = _function("deleteOutputs", ["uint256", "address"])
RECLAIM_BOND = _function("reclaimBond", ["uint256"])
BOND = _function("bond", returns=["uint256"])
SUBMISSION_INTERVAL = _function("submissionInterval", returns=["uint256"])
FINALIZATION_PERIOD_SECONDS = _function("finalizationPeriodSeconds", returns=["uint256"])
PROPOSER = _function("proposer", returns=["address"])
CHALLENGER = _function("challenger", returns=["address"])

OUTPUT_ORACLE_ERRORS = (
    "NotProposer()",
    "NotChallenger()",
    "NotDeployer()",
    "ChallengerAlreadySet()",
    "ZeroAddress()",
    "ZeroSubmissionInterval()",
    "IncorrectBond()",
    "UnexpectedBlockNumber()",
    "ZeroOutputRoot()",
    "OutputNotFound()",
    "NoOutputs()",
    "OutputAlreadyFinalized()",
    "OutputNotFinalized()",
    "BondAlreadyReclaimed()",
    "BondTransferFailed()",
)

# -- Bridge ---------------------------------------------------------------------------------------

DEPOSIT_ETH = _function("depositETH", ["address"])
DEPOSIT_ERC20 = _function("depositERC20", ["address", "address", "uint256"])
FORCE_TRANSACTION = _function("forceTransaction", ["bytes"])
PROVE_WITHDRAWAL = _function(
    "proveWithdrawal", [WITHDRAWAL_TUPLE, "uint256", OUTPUT_ROOT_PROOF_TUPLE, "bytes"]
)
FINALIZE_WITHDRAWAL = _function("finalizeWithdrawal", [WITHDRAWAL_TUPLE])
QUEUE_LENGTH = _function("queueLength", returns=["uint256"])
FINALIZED_WITHDRAWALS = _function("finalizedWithdrawals", ["bytes32"], ["bool"])
PROVEN_WITHDRAWALS = _function("provenWithdrawals", ["bytes32"], ["bytes32", "uint128", "uint128"])
OUTPUT_ORACLE = _function("outputOracle", returns=["address"])

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

# -- TestERC20 ------------------------------------------------------------------------------------

MINT = _function("mint", ["address", "uint256"])
APPROVE = _function("approve", ["address", "uint256"], ["bool"])
TRANSFER = _function("transfer", ["address", "uint256"], ["bool"])
BALANCE_OF = _function("balanceOf", ["address"], ["uint256"])
ALLOWANCE = _function("allowance", ["address", "address"], ["uint256"])
NAME = _function("name", returns=["string"])
SYMBOL = _function("symbol", returns=["string"])
DECIMALS = _function("decimals", returns=["uint8"])

TEST_ERC20_ERRORS = ("InsufficientBalance()", "InsufficientAllowance()")

register_errors(BATCH_INBOX_ERRORS + OUTPUT_ORACLE_ERRORS + BRIDGE_ERRORS + TEST_ERC20_ERRORS)

# -- events ---------------------------------------------------------------------------------------

BATCH_APPENDED_SIGNATURE = "BatchAppended(uint256,bytes32)"
L2_TRANSACTION_QUEUED_SIGNATURE = "L2TransactionQueued(uint256,uint8,bytes)"
OUTPUT_PROPOSED_SIGNATURE = "OutputProposed(bytes32,uint256,uint256,uint256)"
OUTPUTS_DELETED_SIGNATURE = "OutputsDeleted(uint256,uint256)"
WITHDRAWAL_PROVEN_SIGNATURE = "WithdrawalProven(bytes32,uint256,address)"
WITHDRAWAL_FINALIZED_SIGNATURE = "WithdrawalFinalized(bytes32)"

BATCH_APPENDED_TOPIC = compute_event_topic(BATCH_APPENDED_SIGNATURE)
L2_TRANSACTION_QUEUED_TOPIC = compute_event_topic(L2_TRANSACTION_QUEUED_SIGNATURE)
OUTPUT_PROPOSED_TOPIC = compute_event_topic(OUTPUT_PROPOSED_SIGNATURE)
OUTPUTS_DELETED_TOPIC = compute_event_topic(OUTPUTS_DELETED_SIGNATURE)
WITHDRAWAL_PROVEN_TOPIC = compute_event_topic(WITHDRAWAL_PROVEN_SIGNATURE)
WITHDRAWAL_FINALIZED_TOPIC = compute_event_topic(WITHDRAWAL_FINALIZED_SIGNATURE)


@dataclass(frozen=True, slots=True)
class BatchAppended:
    """A batch posted to the BatchInbox; its bytes are the calldata of `log.tx_hash`."""

    index: int
    batch_hash: bytes
    log: L1Log


@dataclass(frozen=True, slots=True)
class L2TransactionQueued:
    """An L1 -> L2 message of the Bridge queue (deposit or forced transaction)."""

    queue_index: int
    kind: int
    payload: bytes
    log: L1Log

    def to_message(self) -> QueuedMessage:
        """The message as derivation consumes it (rollup.deposit)."""
        return QueuedMessage(
            queue_index=self.queue_index,
            kind=self.kind,
            payload=self.payload,
            l1_block_number=self.log.block_number,
            l1_block_hash=self.log.block_hash,
        )


@dataclass(frozen=True, slots=True)
class OutputProposed:
    output_root: bytes
    output_index: int
    l2_block_number: int
    timestamp: int
    log: L1Log


@dataclass(frozen=True, slots=True)
class OutputsDeleted:
    """Outputs [new_next_index, prev_next_index) were deleted by the challenger."""

    prev_next_index: int
    new_next_index: int
    log: L1Log


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


def _check_log(log: L1Log, topic: bytes, topic_count: int, name: str) -> None:
    if not log.topics or log.topics[0] != topic:
        raise InvalidEventLog(f"log is not a {name} event")
    if len(log.topics) != topic_count:
        raise InvalidEventLog(f"{name} has {topic_count} topics, the log {len(log.topics)}")


def _word(topic: bytes) -> int:
    return int.from_bytes(topic, "big")


def _address_topic(topic: bytes) -> bytes:
    if topic[:12] != bytes(12):
        raise InvalidEventLog("address topic is not zero-padded")
    return topic[12:]


def decode_batch_appended(log: L1Log) -> BatchAppended:
    _check_log(log, BATCH_APPENDED_TOPIC, 3, "BatchAppended")
    return BatchAppended(index=_word(log.topics[1]), batch_hash=log.topics[2], log=log)


def decode_l2_transaction_queued(log: L1Log) -> L2TransactionQueued:
    _check_log(log, L2_TRANSACTION_QUEUED_TOPIC, 3, "L2TransactionQueued")
    try:
        (payload,) = abi_decode(["bytes"], log.data)
    except Exception as exc:
        raise InvalidEventLog(f"L2TransactionQueued data does not decode: {exc}") from exc
    return L2TransactionQueued(
        queue_index=_word(log.topics[1]), kind=_word(log.topics[2]), payload=payload, log=log
    )


def decode_output_proposed(log: L1Log) -> OutputProposed:
    _check_log(log, OUTPUT_PROPOSED_TOPIC, 4, "OutputProposed")
    if len(log.data) != 32:
        raise InvalidEventLog("OutputProposed data is one word (timestamp)")
    return OutputProposed(
        output_root=log.topics[1],
        output_index=_word(log.topics[2]),
        l2_block_number=_word(log.topics[3]),
        timestamp=_word(log.data),
        log=log,
    )


def decode_outputs_deleted(log: L1Log) -> OutputsDeleted:
    _check_log(log, OUTPUTS_DELETED_TOPIC, 3, "OutputsDeleted")
    return OutputsDeleted(
        prev_next_index=_word(log.topics[1]), new_next_index=_word(log.topics[2]), log=log
    )


def decode_withdrawal_proven(log: L1Log) -> WithdrawalProven:
    _check_log(log, WITHDRAWAL_PROVEN_TOPIC, 4, "WithdrawalProven")
    return WithdrawalProven(
        withdrawal_hash=log.topics[1],
        output_index=_word(log.topics[2]),
        l1_recipient=_address_topic(log.topics[3]),
        log=log,
    )


def decode_withdrawal_finalized(log: L1Log) -> WithdrawalFinalized:
    _check_log(log, WITHDRAWAL_FINALIZED_TOPIC, 2, "WithdrawalFinalized")
    return WithdrawalFinalized(withdrawal_hash=log.topics[1], log=log)


# -- value types ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Output:
    """OutputOracle.Output."""

    output_root: bytes
    timestamp: int
    l2_block_number: int
    proposer: bytes
    bond: int
    challenged: bool


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


# -- bindings -------------------------------------------------------------------------------------


class _Contract:
    """A deployed contract: its address and a client for view calls."""

    def __init__(self, client: L1Client, address: bytes) -> None:
        self.client = client
        self.address = address

    def _view(self, function: Function, *values: Any, block: BlockId = "latest") -> Any:
        result = function.decode_result(
            self.client.call(self.address, function.encode(*values), block)
        )
        return result[0] if len(result) == 1 else result


class BatchInbox(_Contract):
    @staticmethod
    def encode_append_batch(batch: bytes) -> bytes:
        return APPEND_BATCH.encode(batch)

    @staticmethod
    def decode_append_batch(calldata: bytes) -> bytes:
        """The batch bytes from the calldata of an appendBatch transaction (derivation)."""
        (batch,) = APPEND_BATCH.decode_arguments(calldata)
        return bytes(batch)

    def batch_count(self, block: BlockId = "latest") -> int:
        return int(self._view(BATCH_COUNT, block=block))

    def batch_hash(self, index: int, block: BlockId = "latest") -> bytes:
        return bytes(self._view(BATCH_HASHES, index, block=block))

    def sequencer(self) -> bytes:
        return _address(self._view(SEQUENCER))


class OutputOracle(_Contract):
    @staticmethod
    def encode_propose_output(output_root: bytes, l2_block_number: int) -> bytes:
        """Calldata of proposeOutput; send it with value = bond()."""
        return PROPOSE_OUTPUT.encode(output_root, l2_block_number)

    @staticmethod
    def encode_set_challenged(output_index: int, challenged: bool) -> bytes:
        return SET_CHALLENGED.encode(output_index, challenged)

    @staticmethod
    def encode_delete_outputs(output_index: int, bond_recipient: bytes) -> bytes:
        return DELETE_OUTPUTS.encode(output_index, bond_recipient)

    @staticmethod
    def encode_reclaim_bond(output_index: int) -> bytes:
        return RECLAIM_BOND.encode(output_index)

    @staticmethod
    def encode_set_challenger(challenger: bytes) -> bytes:
        return SET_CHALLENGER.encode(challenger)

    def get_output(self, index: int, block: BlockId = "latest") -> Output:
        root, timestamp, l2_block_number, proposer, bond, challenged = self._view(
            GET_OUTPUT, index, block=block
        )
        return Output(
            output_root=bytes(root),
            timestamp=timestamp,
            l2_block_number=l2_block_number,
            proposer=_address(proposer),
            bond=bond,
            challenged=bool(challenged),
        )

    def output_count(self, block: BlockId = "latest") -> int:
        return int(self._view(OUTPUT_COUNT, block=block))

    def latest_output_index(self, block: BlockId = "latest") -> int:
        """Reverts (L1RpcError, reason NoOutputs()) when there is no output."""
        return int(self._view(LATEST_OUTPUT_INDEX, block=block))

    def latest_block_number(self, block: BlockId = "latest") -> int:
        return int(self._view(LATEST_BLOCK_NUMBER, block=block))

    def next_block_number(self, block: BlockId = "latest") -> int:
        return int(self._view(NEXT_BLOCK_NUMBER, block=block))

    def is_finalized(self, index: int, block: BlockId = "latest") -> bool:
        return bool(self._view(IS_FINALIZED, index, block=block))

    def bond(self) -> int:
        return int(self._view(BOND))

    def submission_interval(self) -> int:
        return int(self._view(SUBMISSION_INTERVAL))

    def finalization_period_seconds(self) -> int:
        return int(self._view(FINALIZATION_PERIOD_SECONDS))

    def proposer(self) -> bytes:
        return _address(self._view(PROPOSER))

    def challenger(self) -> bytes:
        return _address(self._view(CHALLENGER))


class Bridge(_Contract):
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

    def is_withdrawal_finalized(self, withdrawal_hash: bytes, block: BlockId = "latest") -> bool:
        return bool(self._view(FINALIZED_WITHDRAWALS, withdrawal_hash, block=block))

    def proven_withdrawal(
        self, withdrawal_hash: bytes, block: BlockId = "latest"
    ) -> tuple[bytes, int, int]:
        """(output root, output index, timestamp) it was proven against; a zero root if not."""
        root, index, timestamp = self._view(PROVEN_WITHDRAWALS, withdrawal_hash, block=block)
        return bytes(root), int(index), int(timestamp)

    def output_oracle(self) -> bytes:
        return _address(self._view(OUTPUT_ORACLE))


class TestERC20(_Contract):
    __test__ = False  # not a pytest test class despite the name

    @staticmethod
    def encode_mint(to: bytes, amount: int) -> bytes:
        return MINT.encode(to, amount)

    @staticmethod
    def encode_approve(spender: bytes, amount: int) -> bytes:
        return APPROVE.encode(spender, amount)

    @staticmethod
    def encode_transfer(to: bytes, amount: int) -> bytes:
        return TRANSFER.encode(to, amount)

    def balance_of(self, owner: bytes, block: BlockId = "latest") -> int:
        return int(self._view(BALANCE_OF, owner, block=block))

    def allowance(self, owner: bytes, spender: bytes, block: BlockId = "latest") -> int:
        return int(self._view(ALLOWANCE, owner, spender, block=block))

    def name(self) -> str:
        return str(self._view(NAME))

    def symbol(self) -> str:
        return str(self._view(SYMBOL))

    def decimals(self) -> int:
        return int(self._view(DECIMALS))


def _address(value: str) -> bytes:
    """eth_abi returns addresses as checksummed hex strings; ours are 20 raw bytes."""
    return bytes.fromhex(value.removeprefix("0x"))


ALL_FUNCTIONS: dict[str, tuple[Function, ...]] = {
    "BatchInbox": (APPEND_BATCH, BATCH_COUNT, BATCH_HASHES, SEQUENCER),
    "OutputOracle": (
        PROPOSE_OUTPUT,
        GET_OUTPUT,
        OUTPUT_COUNT,
        LATEST_OUTPUT_INDEX,
        LATEST_BLOCK_NUMBER,
        NEXT_BLOCK_NUMBER,
        IS_FINALIZED,
        SET_CHALLENGED,
        SET_CHALLENGER,
        DELETE_OUTPUTS,
        RECLAIM_BOND,
        BOND,
        SUBMISSION_INTERVAL,
        FINALIZATION_PERIOD_SECONDS,
        PROPOSER,
        CHALLENGER,
    ),
    "Bridge": (
        DEPOSIT_ETH,
        DEPOSIT_ERC20,
        FORCE_TRANSACTION,
        PROVE_WITHDRAWAL,
        FINALIZE_WITHDRAWAL,
        QUEUE_LENGTH,
        FINALIZED_WITHDRAWALS,
        PROVEN_WITHDRAWALS,
        OUTPUT_ORACLE,
    ),
    "TestERC20": (MINT, APPROVE, TRANSFER, BALANCE_OF, ALLOWANCE, NAME, SYMBOL, DECIMALS),
}
"""The functions bound here, by contract (tests check them against the forge ABIs)."""

ALL_EVENTS: dict[str, tuple[str, ...]] = {
    "BatchInbox": (BATCH_APPENDED_SIGNATURE,),
    "OutputOracle": (OUTPUT_PROPOSED_SIGNATURE, OUTPUTS_DELETED_SIGNATURE),
    "Bridge": (
        L2_TRANSACTION_QUEUED_SIGNATURE,
        WITHDRAWAL_PROVEN_SIGNATURE,
        WITHDRAWAL_FINALIZED_SIGNATURE,
    ),
}

ALL_ERRORS: dict[str, tuple[str, ...]] = {
    "BatchInbox": BATCH_INBOX_ERRORS,
    "OutputOracle": OUTPUT_ORACLE_ERRORS,
    "Bridge": BRIDGE_ERRORS,
    "TestERC20": TEST_ERC20_ERRORS,
}
