"""BatchInbox bindings (docs/SETTLEMENT.md §1): the sequencer appends batches, each with the L1
block it was built on (the append reverts if a reorg replaced it); derivation reads their bytes
from the calldata of the transactions that emitted BatchAppended."""

from __future__ import annotations

from dataclasses import dataclass

from l1.contracts.abi import Contract, check_log, function, read_word, to_address
from l1.revert import register_errors
from l1.rpc import BlockId, L1Log
from rollup.abi import compute_event_topic

APPEND_BATCH = function("appendBatch", ["bytes", "uint256", "bytes32"])
BATCH_COUNT = function("batchCount", returns=["uint256"])
BATCH_RECORDS = function("batchRecords", ["uint256"], ["bytes32"])
SEQUENCER = function("sequencer", returns=["address"])

BATCH_INBOX_ERRORS = ("NotSequencer()", "EmptyBatch()", "L1BlockReplaced(uint256,bytes32)")

register_errors(BATCH_INBOX_ERRORS)

BATCH_APPENDED_SIGNATURE = "BatchAppended(uint256,bytes32)"
BATCH_APPENDED_TOPIC = compute_event_topic(BATCH_APPENDED_SIGNATURE)


def decode_batch_calldata(calldata: bytes) -> bytes:
    """The batch bytes of appendBatch calldata; ValueError if it is not an appendBatch call."""
    batch, _number, _hash = APPEND_BATCH.decode_arguments(calldata)
    return bytes(batch)


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
    def encode_append_batch(batch: bytes, l1_block_number: int, l1_block_hash: bytes) -> bytes:
        """appendBatch calldata: the batch, built on L1 block `l1_block_number` with this hash."""
        return APPEND_BATCH.encode(batch, l1_block_number, l1_block_hash)

    @staticmethod
    def decode_append_batch(calldata: bytes) -> bytes:
        """The batch bytes from the calldata of an appendBatch transaction (derivation); raises
        ValueError if it is not one."""
        return decode_batch_calldata(calldata)

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
