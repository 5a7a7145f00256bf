"""A typed JSON-RPC client for the L1 (anvil on the devnet, any EVM chain in production).

Both roles read L1 the same way (blocks, logs, the calldata of batch transactions) and the
sequencer also writes to it, so the wire format is handled once here: quantities and byte strings
are hex on the wire and `int` / `bytes` everywhere else, addresses are 20 raw bytes as in
`rollup/`. Only the standard `eth_*` methods are used, so any execution client works; the devnet
helpers that need `anvil_*` / `evm_*` methods live in `l1.anvil`.

The client is synchronous (one httpx connection pool): L1 work is a few requests per L1 block, and
callers that live on an event loop run it in a thread.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from l1.revert import decode_l1_revert_reason

BlockId = int | str
"""A block number or a tag: 'latest', 'pending', 'safe', 'finalized', 'earliest'."""

TopicFilter = bytes | Sequence[bytes] | None
"""One position of a log filter: a topic, any of several topics, or anything (None)."""

DEFAULT_TIMEOUT = 10.0


class L1Error(Exception):
    """Base of every error raised while talking to L1."""


class L1ConnectionError(L1Error):
    """The L1 node could not be reached or answered with something that is not JSON-RPC."""


class L1RpcError(L1Error):
    """The L1 node answered a request with a JSON-RPC error.

    `data` is the raw error data (revert data as bytes when the node sent hex), `reason` the revert
    data made readable (see `l1.revert`) or '' when there was none.
    """

    def __init__(self, method: str, code: int, message: str, data: Any = None) -> None:
        self.method = method
        self.code = code
        self.message = message
        self.data = data
        self.revert_data: bytes | None = _extract_revert_data(data)
        self.reason = decode_l1_revert_reason(self.revert_data) if self.revert_data else ""
        text = f"{method}: {message} (code {code})"
        if self.reason and self.reason not in message:
            text += f": {self.reason}"
        super().__init__(text)


class L1BlockNotFound(L1Error):
    """The requested block does not exist (yet, or any longer after a reorg)."""


@dataclass(frozen=True, slots=True)
class L1Block:
    """The header fields of an L1 block that derivation and fee estimation use."""

    number: int
    hash: bytes
    parent_hash: bytes
    timestamp: int
    base_fee: int


@dataclass(frozen=True, slots=True)
class L1Log:
    """One event log, positioned in its block so reorgs and ordering can be handled."""

    address: bytes
    topics: tuple[bytes, ...]
    data: bytes
    block_number: int
    block_hash: bytes
    tx_hash: bytes
    log_index: int
    tx_index: int
    removed: bool = False


@dataclass(frozen=True, slots=True)
class L1Receipt:
    """The outcome of a mined transaction."""

    tx_hash: bytes
    status: int
    gas_used: int
    effective_gas_price: int
    block_number: int
    block_hash: bytes
    contract_address: bytes | None
    logs: tuple[L1Log, ...]

    @property
    def succeeded(self) -> bool:
        return self.status == 1


@dataclass(frozen=True, slots=True)
class FeeHistory:
    """eth_feeHistory: base fees of the blocks asked for plus the next one, and tip percentiles."""

    oldest_block: int
    base_fees: tuple[int, ...]
    gas_used_ratios: tuple[float, ...]
    rewards: tuple[tuple[int, ...], ...]

    @property
    def next_base_fee(self) -> int:
        """The base fee of the block after the newest one asked for."""
        return self.base_fees[-1]


class L1Client:
    """JSON-RPC over HTTP to one L1 endpoint."""

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url = url
        self._http = httpx.Client(timeout=timeout)
        self._ids = itertools.count(1)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> L1Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- raw ----------------------------------------------------------------------------------

    def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        """Send one JSON-RPC request; return its `result` or raise L1RpcError/L1ConnectionError."""
        body = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)}
        reply = self._post(method, body)
        if not isinstance(reply, dict):
            raise L1ConnectionError(f"{method}: reply is not a JSON-RPC object: {reply!r:.200}")
        return _unwrap(method, reply)

    def request_batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        """Send several requests in one JSON-RPC batch; return results in call order.

        Derivation fetches the calldata of every batch transaction of a block range this way.
        Raises the first error if any call failed.
        """
        if not calls:
            return []
        first_id = next(self._ids)
        self._ids = itertools.count(first_id + len(calls))
        body = [
            {"jsonrpc": "2.0", "id": first_id + i, "method": method, "params": list(params)}
            for i, (method, params) in enumerate(calls)
        ]
        reply = self._post("batch", body)
        if not isinstance(reply, list) or len(reply) != len(calls):
            raise L1ConnectionError(f"batch of {len(calls)}: unexpected reply {reply!r:.200}")
        by_id = {item.get("id"): item for item in reply if isinstance(item, dict)}
        results = []
        for i, (method, _) in enumerate(calls):
            item = by_id.get(first_id + i)
            if item is None:
                raise L1ConnectionError(f"batch: no reply for {method} (id {first_id + i})")
            results.append(_unwrap(method, item))
        return results

    def _post(self, method: str, body: Any) -> Any:
        try:
            response = self._http.post(self.url, json=body)
        except httpx.HTTPError as exc:
            raise L1ConnectionError(f"{method}: cannot reach L1 at {self.url}: {exc}") from exc
        try:
            return response.json()
        except ValueError as exc:
            raise L1ConnectionError(
                f"{method}: HTTP {response.status_code} without JSON from {self.url}: "
                f"{response.text[:200]!r}"
            ) from exc

    # -- chain --------------------------------------------------------------------------------

    def chain_id(self) -> int:
        return decode_quantity(self.request("eth_chainId"))

    def block_number(self) -> int:
        return decode_quantity(self.request("eth_blockNumber"))

    def get_block(self, block: BlockId) -> L1Block:
        """The block with this number or tag; raises L1BlockNotFound if there is none."""
        result = self.request("eth_getBlockByNumber", [encode_block_id(block), False])
        if result is None:
            raise L1BlockNotFound(f"no L1 block {block}")
        return parse_block(result)

    def get_block_by_hash(self, block_hash: bytes) -> L1Block:
        """The block with this hash; raises L1BlockNotFound if the node does not know it."""
        result = self.request("eth_getBlockByHash", [encode_hex(block_hash), False])
        if result is None:
            raise L1BlockNotFound(f"no L1 block with hash 0x{block_hash.hex()}")
        return parse_block(result)

    def get_logs(
        self,
        addresses: Sequence[bytes],
        topics: Sequence[TopicFilter],
        from_block: BlockId,
        to_block: BlockId,
    ) -> list[L1Log]:
        """Logs of `addresses` matching `topics` in [from_block, to_block], in chain order."""
        filter_: dict[str, Any] = {
            "address": [encode_hex(address) for address in addresses],
            "topics": [_encode_topic_filter(topic) for topic in topics],
            "fromBlock": encode_block_id(from_block),
            "toBlock": encode_block_id(to_block),
        }
        logs = [parse_log(item) for item in self.request("eth_getLogs", [filter_])]
        logs.sort(key=lambda log: (log.block_number, log.log_index))
        return logs

    def get_transaction_input(self, tx_hash: bytes) -> bytes:
        """The calldata of a transaction (batches are read from here, see SETTLEMENT.md §1)."""
        result = self.request("eth_getTransactionByHash", [encode_hex(tx_hash)])
        if result is None:
            raise L1RpcError("eth_getTransactionByHash", 0, f"unknown tx 0x{tx_hash.hex()}")
        return decode_hex(result.get("input", result.get("data", "0x")))

    def get_transaction_count(self, address: bytes, block: BlockId = "latest") -> int:
        return decode_quantity(
            self.request("eth_getTransactionCount", [encode_hex(address), encode_block_id(block)])
        )

    def get_balance(self, address: bytes, block: BlockId = "latest") -> int:
        return decode_quantity(
            self.request("eth_getBalance", [encode_hex(address), encode_block_id(block)])
        )

    def get_code(self, address: bytes, block: BlockId = "latest") -> bytes:
        return decode_hex(
            self.request("eth_getCode", [encode_hex(address), encode_block_id(block)])
        )

    def call(
        self,
        to: bytes,
        data: bytes,
        block: BlockId = "latest",
        sender: bytes | None = None,
        value: int = 0,
    ) -> bytes:
        """eth_call; a revert raises L1RpcError whose `reason` is readable."""
        call = _call_object(to, data, sender, value)
        return decode_hex(self.request("eth_call", [call, encode_block_id(block)]))

    def estimate_gas(
        self, to: bytes | None, data: bytes, sender: bytes | None = None, value: int = 0
    ) -> int:
        """eth_estimateGas (`to` None estimates a contract creation); reverts raise L1RpcError."""
        return decode_quantity(
            self.request("eth_estimateGas", [_call_object(to, data, sender, value)])
        )

    def gas_price(self) -> int:
        return decode_quantity(self.request("eth_gasPrice"))

    def max_priority_fee_per_gas(self) -> int:
        return decode_quantity(self.request("eth_maxPriorityFeePerGas"))

    def fee_history(
        self, block_count: int, newest_block: BlockId = "latest", percentiles: Sequence[float] = ()
    ) -> FeeHistory:
        result = self.request(
            "eth_feeHistory",
            [encode_quantity(block_count), encode_block_id(newest_block), list(percentiles)],
        )
        return FeeHistory(
            oldest_block=decode_quantity(result["oldestBlock"]),
            base_fees=tuple(decode_quantity(fee) for fee in result.get("baseFeePerGas", [])),
            gas_used_ratios=tuple(float(ratio) for ratio in result.get("gasUsedRatio", [])),
            rewards=tuple(
                tuple(decode_quantity(tip) for tip in row) for row in result.get("reward") or []
            ),
        )

    def send_raw_transaction(self, raw: bytes) -> bytes:
        """Submit signed bytes; return the transaction hash the node reports."""
        return decode_hex(self.request("eth_sendRawTransaction", [encode_hex(raw)]))

    def get_receipt(self, tx_hash: bytes) -> L1Receipt | None:
        """The receipt of a mined transaction, or None while it is pending or unknown."""
        result = self.request("eth_getTransactionReceipt", [encode_hex(tx_hash)])
        if result is None:
            return None
        contract = result.get("contractAddress")
        return L1Receipt(
            tx_hash=decode_hex(result["transactionHash"]),
            status=decode_quantity(result["status"]),
            gas_used=decode_quantity(result["gasUsed"]),
            effective_gas_price=decode_quantity(result.get("effectiveGasPrice", "0x0")),
            block_number=decode_quantity(result["blockNumber"]),
            block_hash=decode_hex(result["blockHash"]),
            contract_address=decode_hex(contract) if contract else None,
            logs=tuple(parse_log(item) for item in result.get("logs", [])),
        )


# -- wire format ------------------------------------------------------------------------------


def encode_hex(data: bytes) -> str:
    return "0x" + data.hex()


def decode_hex(text: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("0x"):
        raise L1ConnectionError(f"expected 0x-prefixed hex data, got {text!r:.100}")
    return bytes.fromhex(text[2:])


def encode_quantity(value: int) -> str:
    if value < 0:
        raise ValueError(f"a quantity cannot be negative: {value}")
    return hex(value)


def decode_quantity(text: str) -> int:
    if not isinstance(text, str) or not text.startswith("0x"):
        raise L1ConnectionError(f"expected a 0x-prefixed quantity, got {text!r:.100}")
    return int(text, 16)


def encode_block_id(block: BlockId) -> str:
    return encode_quantity(block) if isinstance(block, int) else block


def _encode_topic_filter(topic: TopicFilter) -> str | list[str] | None:
    if topic is None:
        return None
    if isinstance(topic, bytes):
        return encode_hex(topic)
    return [encode_hex(item) for item in topic]


def _call_object(to: bytes | None, data: bytes, sender: bytes | None, value: int) -> dict[str, str]:
    call = {"data": encode_hex(data), "input": encode_hex(data)}
    if to is not None:
        call["to"] = encode_hex(to)
    if sender is not None:
        call["from"] = encode_hex(sender)
    if value:
        call["value"] = encode_quantity(value)
    return call


def _unwrap(method: str, reply: dict[str, Any]) -> Any:
    error = reply.get("error")
    if error is not None:
        if not isinstance(error, dict):
            raise L1RpcError(method, -32603, str(error))
        raise L1RpcError(
            method, int(error.get("code", -32603)), str(error.get("message", "")), error.get("data")
        )
    if "result" not in reply:
        raise L1ConnectionError(f"{method}: reply has neither result nor error: {reply!r:.200}")
    return reply["result"]


def _extract_revert_data(data: Any) -> bytes | None:
    """Revert data from a JSON-RPC error's `data`: hex directly (geth, anvil) or nested."""
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x"):
        try:
            return bytes.fromhex(data[2:])
        except ValueError:
            return None
    return None


def parse_block(result: dict[str, Any]) -> L1Block:
    """An L1Block from an eth_getBlockBy* result (for callers batching raw requests)."""
    return L1Block(
        number=decode_quantity(result["number"]),
        hash=decode_hex(result["hash"]),
        parent_hash=decode_hex(result["parentHash"]),
        timestamp=decode_quantity(result["timestamp"]),
        base_fee=decode_quantity(result.get("baseFeePerGas") or "0x0"),
    )


def parse_log(item: dict[str, Any]) -> L1Log:
    """An L1Log from an eth_getLogs / receipt log object."""
    return L1Log(
        address=decode_hex(item["address"]),
        topics=tuple(decode_hex(topic) for topic in item["topics"]),
        data=decode_hex(item["data"]),
        block_number=decode_quantity(item["blockNumber"]),
        block_hash=decode_hex(item["blockHash"]),
        tx_hash=decode_hex(item["transactionHash"]),
        log_index=decode_quantity(item["logIndex"]),
        tx_index=decode_quantity(item["transactionIndex"]),
        removed=bool(item.get("removed", False)),
    )


_parse_block = parse_block  # the name l1.follower imported first
