"""The step machine's L1 inputs read from logs: batches from the appendBatch calldata, messages from
the Bridge's events, by index, each with the number and timestamp of its L1 block; cached, and
read again after a reorg."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_abi.abi import encode as abi_encode

from l1.contracts.batch_inbox import APPEND_BATCH, BATCH_APPENDED_TOPIC
from l1.contracts.bridge import FORCE_TRANSACTION, L2_TRANSACTION_QUEUED_TOPIC
from l1.inputs import L1InputReader
from l1.rpc import L1Block, L1Log
from rollup.crypto import keccak256
from rollup.machine import BatchRecord

INBOX = b"\x11" * 20
BRIDGE = b"\x22" * 20


def word(value: int) -> bytes:
    return value.to_bytes(32, "big")


@dataclass
class FakeClient:
    """Logs and transactions by L1 block; `fork` changes the hashes of blocks from a height."""

    head: int = 0
    logs: list[L1Log] = field(default_factory=list)
    calldata: dict[bytes, bytes] = field(default_factory=dict)
    salt: dict[int, bytes] = field(default_factory=dict)
    log_requests: int = 0

    def block_hash(self, number: int) -> bytes:
        return keccak256(word(number) + self.salt.get(number, b""))

    def block_number(self) -> int:
        return self.head

    def get_block(self, number: Any) -> L1Block:
        return L1Block(
            number, self.block_hash(number), self.block_hash(number - 1), l1_time(number), 0
        )

    def get_logs(self, addresses: Any, topics: Any, first: int, last: int) -> list[L1Log]:
        self.log_requests += 1
        return [entry for entry in self.logs if first <= entry.block_number <= last]

    def request_batch(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        replies: list[Any] = []
        for method, params in calls:
            if method == "eth_getBlockByNumber":
                number = int(params[0], 16)
                replies.append(
                    {
                        "number": hex(number),
                        "hash": "0x" + self.block_hash(number).hex(),
                        "parentHash": "0x" + self.block_hash(number - 1).hex(),
                        "timestamp": hex(l1_time(number)),
                    }
                )
                continue
            data = self.calldata.get(bytes.fromhex(params[0][2:]))
            replies.append(None if data is None else {"input": "0x" + data.hex()})
        return replies

    def append_batch(
        self, index: int, batch: bytes, number: int, calldata: bytes | None = None
    ) -> None:
        tx_hash = keccak256(b"batch" + word(index) + word(number))
        self.calldata[tx_hash] = (
            APPEND_BATCH.encode(batch, number - 1, self.block_hash(number - 1))
            if calldata is None
            else calldata
        )
        topics = (BATCH_APPENDED_TOPIC, word(index), keccak256(batch))
        self.logs.append(L1Log(INBOX, topics, b"", number, self.block_hash(number), tx_hash, 0, 0))
        self.head = max(self.head, number)

    def queue(self, index: int, kind: int, payload: bytes, number: int) -> None:
        topics = (L2_TRANSACTION_QUEUED_TOPIC, word(index), word(kind))
        data = abi_encode(["bytes"], [payload])
        tx_hash = keccak256(b"queue" + word(index))
        self.logs.append(
            L1Log(BRIDGE, topics, data, number, self.block_hash(number), tx_hash, 1, 1)
        )
        self.head = max(self.head, number)


def l1_time(number: int) -> int:
    """The timestamp of L1 block `number` in these tests."""
    return 1_700_000_000 + 12 * number


def record(data: bytes, number: int) -> BatchRecord:
    return BatchRecord(data, number, l1_time(number))


def reader(client: FakeClient) -> L1InputReader:
    return L1InputReader(client, INBOX, BRIDGE, start_block=1)  # type: ignore[arg-type]


def test_batches_and_messages_by_index() -> None:
    client = FakeClient()
    client.append_batch(0, b"\x01first", 3)
    client.queue(0, 1, b"deposit", 3)
    client.append_batch(1, b"\x01second", 5)
    client.queue(1, 3, b"forced", 7)
    inputs = reader(client)
    assert inputs.get_batch(0) == record(b"\x01first", 3)
    assert inputs.get_batch(1) == record(b"\x01second", 5)
    assert inputs.get_batch(2) is None
    message = inputs.get_message(1)
    assert message is not None
    assert (message.kind, message.payload, message.l1_block_number) == (3, b"forced", 7)
    assert message.l1_timestamp == l1_time(7)
    assert inputs.get_message(2) is None
    assert [inputs.count_messages_through(n) for n in (2, 3, 6, 7, 8)] == [0, 1, 1, 2, 2]
    assert inputs.get_l1_clock() == 7
    # Cached: asking again reads no more logs while L1 has no new block.
    requests = client.log_requests
    assert inputs.get_batch(0) == record(b"\x01first", 3)
    assert client.log_requests == requests


def test_new_blocks_are_read_incrementally() -> None:
    client = FakeClient()
    client.append_batch(0, b"\x01a", 2)
    inputs = reader(client)
    assert inputs.batch_count() == 1
    client.append_batch(1, b"\x01b", 9)
    assert inputs.get_batch(1) == record(b"\x01b", 9)
    assert inputs.batch_count() == 2
    assert inputs.get_l1_clock() == 9


def test_a_batch_not_posted_by_a_direct_call_has_no_bytes() -> None:
    client = FakeClient()
    client.append_batch(0, b"\x01ok", 2)
    client.append_batch(1, b"\x01hidden", 3, calldata=FORCE_TRANSACTION.encode(b"other"))
    client.append_batch(2, b"\x01after", 4)
    inputs = reader(client)
    assert inputs.get_batch(1) is None
    assert inputs.get_batch(2) == record(b"\x01after", 4)
    assert inputs.batch_count() == 3


def test_a_reorg_drops_the_cache() -> None:
    client = FakeClient()
    client.append_batch(0, b"\x01old", 4)
    inputs = reader(client)
    assert inputs.get_batch(0) == record(b"\x01old", 4)
    # Blocks from 4 on are replaced: the batch is now another one, in another block.
    client.logs.clear()
    client.salt = {number: b"fork" for number in range(4, 20)}
    client.append_batch(0, b"\x01new", 5)
    inputs.refresh()
    assert inputs.get_batch(0) == record(b"\x01new", 5)
