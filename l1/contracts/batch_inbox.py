"""BatchInbox bindings (docs/SETTLEMENT.md §1): the sequencer appends batches; derivation reads
their bytes from the calldata of the transactions that emitted BatchAppended."""

from __future__ import annotations

from dataclasses import dataclass

from l1.contracts.abi import Contract, check_log, function, read_word, to_address
from l1.revert import register_errors
from l1.rpc import BlockId, L1Log
from rollup.abi import compute_event_topic

APPEND_BATCH = function("appendBatch", ["bytes"])
BATCH_COUNT = function("batchCount", returns=["uint256"])
BATCH_RECORDS = function("batchRecords", ["uint256"], ["bytes32"])
SEQUENCER = function("sequencer", returns=["address"])

BATCH_INBOX_ERRORS = ("NotSequencer()", "EmptyBatch()")

register_errors(BATCH_INBOX_ERRORS)

BATCH_APPENDED_SIGNATURE = "BatchAppended(uint256,bytes32)"
BATCH_APPENDED_TOPIC = compute_event_topic(BATCH_APPENDED_SIGNATURE)


@dataclass(frozen=True, slots=True)
class BatchAppended:
    """A batch posted to the BatchInbox; its bytes are the calldata of `log.tx_hash`."""

    index: int
    batch_hash: bytes
    log: L1Log


def decode_batch_appended(log: L1Log) -> BatchAppended:
    check_log(log, BATCH_APPENDED_TOPIC, 3, "BatchAppended")
    return BatchAppended(index=read_word(log.topics[1]), batch_hash=log.topics[2], log=log)


class BatchInbox(Contract):
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

    def batch_record(self, index: int, block: BlockId = "latest") -> bytes:
        """keccak256(abi.encode(batch hash, uint64 L1 block number, uint64 L1 timestamp))
        (rollup.machine.BatchRecord.record)."""
        return bytes(self._view(BATCH_RECORDS, index, block=block))

    def sequencer(self) -> bytes:
        return to_address(self._view(SEQUENCER))


FUNCTIONS = (APPEND_BATCH, BATCH_COUNT, BATCH_RECORDS, SEQUENCER)
EVENTS = (BATCH_APPENDED_SIGNATURE,)
ERRORS = BATCH_INBOX_ERRORS
