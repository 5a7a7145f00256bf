"""The Ethereum JSON-RPC 2.0 endpoint (HTTP, single and batch requests).

Methods are the ones wallets and tools use (ethereum/execution-apis); errors carry JSON-RPC codes:
-32700 parse error, -32600 invalid request, -32601 unknown method, -32602 invalid params, -32000
refused transaction (geth's wording), 3 execution reverted (with the revert data). A refused request
changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from eth_abi.abi import decode as abi_decode
from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import Response
from starlette.middleware.cors import CORSMiddleware

from node import rpc_format as fmt
from node.filters import Filter, FilterRegistry
from node.recent_state import (
    RECENT_STATE_BLOCKS,
    StoredState,
    find_oldest_state_block,
)
from node.recovery import Recovered, recover_raw_transactions
from node.removed_logs import RemovedLog
from node.role import Role, TransactionRejected
from node.rpc_params import (
    ExecutionReverted,
    Heads,
    InvalidParams,
    InvalidRequest,
    LimitExceeded,
    LogCriteria,
    MethodNotFound,
    ParseError,
    RpcError,
    TransactionError,
    get_param,
    parse_address,
    parse_block_tag,
    parse_bool,
    parse_hash,
    parse_hex_bytes,
    parse_log_criteria,
    parse_params,
    parse_quantity,
)
from node.storage import StoredLog
from rollup.abi import decode_revert_reason
from rollup.addresses import L2_BRIDGE, SYSTEM_CODE_MARKER
from rollup.block import Header
from rollup.execution import execute_call
from rollup.gas import compute_intrinsic_gas
from rollup.output import compute_output_root_proof
from rollup.smt import SparseMerkleTree, encode_proof
from rollup.state import (
    WITHDRAWAL_PRESENT_VALUE_HASH,
    Account,
    Overlay,
    State,
    StateReader,
    account_key,
    compute_tree_key,
)
from rollup.system.bridge import WITHDRAWAL_INITIATED_TOPIC
from rollup.system.context import BlockEnvironment
from rollup.system.registry import is_system_contract

log = logging.getLogger("rollup.rpc")

CLIENT_VERSION = "defi-rollup/v0.1.0/python3.11"
MAX_BATCH_SIZE = 1_000
DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024  # geth's limit
DEFAULT_MAX_CONNECTIONS = 1_000
BATCH_YIELD_EVERY = 50
"""Requests of a batch answered between two turns of the event loop: a client's 1,000-request
batch does not hold up everyone else's requests (nor the block builder) until it is done."""
MAX_LOG_BLOCK_RANGE = 10_000
MAX_FEE_HISTORY_BLOCKS = 1_024
CALL_GAS_CAP = 50_000_000
SUGGESTED_PRIORITY_FEE = 1_000_000  # 0.001 gwei: the tip wallets are told to add


LocalMethods = Mapping[str, Callable[[Any], Any]]


class RpcHandler:
    """Answers JSON-RPC requests from a node's state and storage, and through its role (what is
    sent to it, what waits for a block)."""

    def __init__(self, role: Role) -> None:
        self.role = role
        self.node = role.node
        self.filters = FilterRegistry()
        # Told of every transaction admitted here: the pending filters, the WebSocket hub.
        self.pending_listeners: list[Callable[[bytes], None]] = [self.filters.record_pending]
        self.methods: dict[str, Callable[[list[Any]], Any]] = {
            "web3_clientVersion": self.web3_client_version,
            "web3_sha3": self.web3_sha3,
            "net_version": self.net_version,
            "net_listening": self.answer_without_params(True),
            "net_peerCount": self.answer_without_params("0x0"),
            "eth_chainId": self.eth_chain_id,
            "eth_syncing": self.answer_without_params(False),
            "eth_accounts": self.answer_without_params([]),
            "eth_blockNumber": self.eth_block_number,
            "eth_gasPrice": self.eth_gas_price,
            "eth_maxPriorityFeePerGas": self.eth_max_priority_fee_per_gas,
            "eth_feeHistory": self.eth_fee_history,
            "eth_getBalance": self.eth_get_balance,
            "eth_getTransactionCount": self.eth_get_transaction_count,
            "eth_getCode": self.eth_get_code,
            "eth_getStorageAt": self.eth_get_storage_at,
            "eth_call": self.eth_call,
            "eth_estimateGas": self.eth_estimate_gas,
            "eth_sendRawTransaction": self.eth_send_raw_transaction,
            "eth_getTransactionByHash": self.eth_get_transaction_by_hash,
            "eth_getTransactionReceipt": self.eth_get_transaction_receipt,
            "eth_getBlockByNumber": self.eth_get_block_by_number,
            "eth_getBlockByHash": self.eth_get_block_by_hash,
            "eth_getBlockReceipts": self.eth_get_block_receipts,
            "eth_getBlockTransactionCountByNumber": self.eth_get_block_tx_count_by_number,
            "eth_getLogs": self.eth_get_logs,
            "eth_newFilter": self.eth_new_filter,
            "eth_newBlockFilter": self.eth_new_block_filter,
            "eth_newPendingTransactionFilter": self.eth_new_pending_transaction_filter,
            "eth_getFilterChanges": self.eth_get_filter_changes,
            "eth_getFilterLogs": self.eth_get_filter_logs,
            "eth_uninstallFilter": self.eth_uninstall_filter,
            "eth_getProof": self.eth_get_proof,
            "txpool_status": self.txpool_status,
            "rollup_syncStatus": self.rollup_sync_status,
            "rollup_outputAtBlock": self.rollup_output_at_block,
            "rollup_getWithdrawalProof": self.rollup_get_withdrawal_proof,
        }
        # One histogram child per method, made once: labels() on every request costs as much
        # again as the observation.
        self.timers = {name: self.node.metrics.rpc_seconds.labels(name) for name in self.methods}

    @staticmethod
    def answer_without_params(value: Any) -> Callable[[Any], Any]:
        """A method that takes no params and always answers `value`."""

        def answer(params: Any) -> Any:
            parse_params(params, 0, 0)
            return value

        return answer

    # ---------------------------------------------------------------------------------------
    # Dispatch

    async def handle_body(self, body: bytes, local: LocalMethods | None = None) -> bytes | None:
        """Answer a request body: one request object or a batch array. `local` methods (a
        WebSocket connection's eth_subscribe and eth_unsubscribe) come before the node's."""
        try:
            request = orjson.loads(body)
        except orjson.JSONDecodeError:
            return orjson.dumps(make_error(None, ParseError("parse error: invalid JSON")))
        if isinstance(request, list):
            if not request:
                return orjson.dumps(make_error(None, InvalidRequest("empty batch")))
            if len(request) > MAX_BATCH_SIZE:
                return orjson.dumps(
                    make_error(None, InvalidRequest(f"batch too large: at most {MAX_BATCH_SIZE}"))
                )
            recovered = await self.recover_batch(request)
            responses = []
            for position, item in enumerate(request, start=1):
                responses.append(self.handle_one(item, recovered, local))
                if position % BATCH_YIELD_EVERY == 0:
                    await asyncio.sleep(0)
            answered = [response for response in responses if response is not None]
            return orjson.dumps(answered) if answered else None
        response = self.handle_one(request, await self.recover_batch([request]), local)
        return orjson.dumps(response) if response is not None else None

    async def recover_batch(self, requests: list[Any]) -> dict[int, Recovered]:
        """Recover every eth_sendRawTransaction signature of a batch at once, off the loop."""
        raws: list[bytes] = []
        positions: list[int] = []
        for position, item in enumerate(requests):
            if (
                isinstance(item, dict)
                and item.get("method") == "eth_sendRawTransaction"
                and isinstance(item.get("params"), list)
                and item["params"]
                and isinstance(item["params"][0], str)
            ):
                try:
                    raws.append(parse_hex_bytes(item["params"][0], "transaction"))
                except InvalidParams:
                    continue
                positions.append(position)
        if not raws:
            return {}
        pool = self.node.recovery
        if pool is not None:
            results = await pool.recover_raw(raws)
        else:
            results = recover_raw_transactions(raws)
        return {
            id(requests[position]): result
            for position, result in zip(positions, results, strict=True)
        }

    def handle_one(
        self, request: Any, recovered: dict[int, Recovered], local: LocalMethods | None = None
    ) -> dict[str, Any] | None:
        if not isinstance(request, dict):
            return make_error(None, InvalidRequest("invalid request: expected an object"))
        request_id = request.get("id")
        if request.get("jsonrpc") != "2.0":
            return make_error(request_id, InvalidRequest('invalid request: jsonrpc must be "2.0"'))
        method = request.get("method")
        if not isinstance(method, str):
            return make_error(
                request_id, InvalidRequest("invalid request: method must be a string")
            )
        if request_id is not None and not isinstance(request_id, (str, int)):
            return make_error(
                None, InvalidRequest("invalid request: id must be a string or number")
            )
        handler = (local or {}).get(method) or self.methods.get(method)
        try:
            if handler is None:
                raise MethodNotFound(f"the method {method} does not exist/is not available")
            params = request.get("params", [])
            started = time.perf_counter()
            if method == "eth_sendRawTransaction" and id(request) in recovered:
                result = self.admit_recovered(params, recovered[id(request)])
            else:
                result = handler(params)
            timer = self.timers.get(method)
            if timer is not None:
                timer.observe(time.perf_counter() - started)
        except RpcError as error:
            if "id" not in request:
                return None
            return make_error(request_id, error)
        except Exception:
            log.exception("internal error in %s", method)
            return make_error(request_id, RpcError("internal error"))
        if "id" not in request:
            return None  # a notification gets no response
        return {"jsonrpc": "2.0", "id": request_id, "result": result}

    # ---------------------------------------------------------------------------------------
    # Helpers

    def get_heads(self) -> Heads:
        head = self.node.head.number
        return Heads(head, min(self.node.safe_number, head), min(self.node.finalized_number, head))

    def resolve_block_number(self, value: Any, name: str = "block") -> int:
        """A block number, tag or EIP-1898 object ({"blockHash": ...} or {"blockNumber": ...})."""
        if isinstance(value, dict) and "blockHash" in value:
            block_hash = parse_hash(value["blockHash"], f"{name}.blockHash")
            header = self.node.get_header_by_hash(block_hash)
            if header is None:
                raise RpcError(f"header for hash {fmt.data(block_hash)} not found", code=-32000)
            return header.number
        return parse_block_tag(value, self.get_heads(), name)

    def read_state_at(self, value: Any) -> tuple[StateReader, BlockEnvironment]:
        """The state at the end of the block `value` names, and the block a call at it executes
        in (the pending block for the head, as geth's eth_call at latest; else that block).
        Served from the finalized head (and at least RECENT_STATE_BLOCKS back) to the head."""
        if value is None or value in ("latest", "pending"):
            return self.node.state, self.node.get_pending_environment()
        number = self.resolve_block_number(name_hash_as_object(value))
        head = self.node.head.number
        if number == head:
            return self.node.state, self.node.get_pending_environment()
        if number > head:
            raise RpcError(f"block {number} not found; the head is {head}", code=-32000)
        oldest = find_oldest_state_block(head, self.node.finalized_number)
        if number < oldest:
            raise RpcError(
                f"state of block {number} is not available: the oldest block with state is "
                f"{oldest} (the finalized head, or {RECENT_STATE_BLOCKS} blocks behind the "
                f"head {head})",
                code=-32000,
            )
        return StoredState(self.node.storage, number), self.node.get_block_environment(number)

    def get_header(self, number: int) -> Header | None:
        return self.node.get_header(number)

    def load_state(self, view: StateReader) -> State:
        """The whole state (leaves and tree) of a stored view's block."""
        assert isinstance(view, StoredState)
        return self.node.storage.load_state_at(view.number)

    # ---------------------------------------------------------------------------------------
    # web3_ / net_ / chain

    def web3_client_version(self, params: Any) -> str:
        parse_params(params, 0, 0)
        return CLIENT_VERSION

    def web3_sha3(self, params: Any) -> str:
        params = parse_params(params, 1, 1)
        from rollup.crypto import keccak256

        return fmt.data(keccak256(parse_hex_bytes(params[0], "data")))

    def net_version(self, params: Any) -> str:
        parse_params(params, 0, 0)
        return str(self.node.config.chain_id)

    def eth_chain_id(self, params: Any) -> str:
        parse_params(params, 0, 0)
        return fmt.quantity(self.node.config.chain_id)

    def eth_block_number(self, params: Any) -> str:
        parse_params(params, 0, 0)
        return fmt.quantity(self.node.head.number)

    def eth_gas_price(self, params: Any) -> str:
        parse_params(params, 0, 0)
        return fmt.quantity(self.node.get_next_base_fee() + SUGGESTED_PRIORITY_FEE)

    def eth_max_priority_fee_per_gas(self, params: Any) -> str:
        parse_params(params, 0, 0)
        return fmt.quantity(SUGGESTED_PRIORITY_FEE)

    def eth_fee_history(self, params: Any) -> dict[str, Any]:
        params = parse_params(params, 2, 3)
        count = parse_quantity(params[0], "blockCount")
        if count == 0:
            raise InvalidParams("blockCount must be at least 1")
        count = min(count, MAX_FEE_HISTORY_BLOCKS)
        newest = min(self.resolve_block_number(params[1]), self.node.head.number)
        percentiles = get_param(params, 2, "rewardPercentiles", required=False)
        if percentiles is not None and (
            not isinstance(percentiles, list)
            or not all(isinstance(p, (int, float)) and 0 <= p <= 100 for p in percentiles)
            or percentiles != sorted(percentiles)
        ):
            raise InvalidParams("rewardPercentiles must be increasing numbers in [0, 100]")
        oldest = max(newest - count + 1, 0)
        base_fees: list[str] = []
        ratios: list[float] = []
        rewards: list[list[str]] = []
        header: Header | None = None
        for number in range(oldest, newest + 1):
            header = self.get_header(number)
            if header is None:
                raise ResourceNotFoundError(number)
            base_fees.append(fmt.quantity(header.base_fee))
            ratios.append(header.gas_used / header.gas_limit if header.gas_limit else 0.0)
            if percentiles is not None:
                rewards.append(self.compute_block_rewards(header, percentiles))
        assert header is not None
        from rollup.block import compute_next_base_fee

        base_fees.append(fmt.quantity(compute_next_base_fee(self.node.config, header)))
        result: dict[str, Any] = {
            "oldestBlock": fmt.quantity(oldest),
            "baseFeePerGas": base_fees,
            "gasUsedRatio": ratios,
        }
        if percentiles is not None:
            result["reward"] = rewards
        return result

    def compute_block_rewards(self, header: Header, percentiles: list[float]) -> list[str]:
        """Effective tips at the given gas-weighted percentiles of a block (as geth computes)."""
        receipts = self.node.storage.get_block_receipts(header.number)
        if not receipts:
            return ["0x0" for _ in percentiles]
        tips = sorted(
            (receipt.effective_gas_price - header.base_fee, receipt.gas_used)
            for receipt in receipts
        )
        total_gas = sum(gas for _tip, gas in tips)
        rewards: list[str] = []
        for percentile in percentiles:
            threshold = total_gas * percentile / 100
            cumulative = 0
            chosen = tips[-1][0]
            for tip, gas in tips:
                cumulative += gas
                if cumulative >= threshold:
                    chosen = tip
                    break
            rewards.append(fmt.quantity(chosen))
        return rewards

    # ---------------------------------------------------------------------------------------
    # State

    def eth_get_balance(self, params: Any) -> str:
        params = parse_params(params, 1, 2)
        address = parse_address(params[0])
        state, _ = self.read_state_at(get_param(params, 1, "block", required=False))
        return fmt.quantity(read_account(state, address).balance)

    def eth_get_transaction_count(self, params: Any) -> str:
        params = parse_params(params, 1, 2)
        address = parse_address(params[0])
        tag = get_param(params, 1, "block", required=False)
        if tag == "pending":
            return fmt.quantity(self.role.get_pending_nonce(address))
        state, _ = self.read_state_at(tag)
        return fmt.quantity(read_account(state, address).nonce)

    def eth_get_code(self, params: Any) -> str:
        params = parse_params(params, 1, 2)
        address = parse_address(params[0])
        state, _ = self.read_state_at(get_param(params, 1, "block", required=False))
        if is_system_contract(Overlay(state), address):
            return fmt.data(SYSTEM_CODE_MARKER)
        return "0x"

    def eth_get_storage_at(self, params: Any) -> str:
        """System contracts keep their state in typed leaves, not EVM slots: every slot reads 0."""
        params = parse_params(params, 2, 3)
        parse_address(params[0])
        parse_quantity(params[1], "position")
        self.read_state_at(get_param(params, 2, "block", required=False))
        return fmt.ZERO_HASH_HEX

    def parse_call(self, value: Any) -> tuple[bytes, bytes, int, bytes, int | None]:
        if not isinstance(value, dict):
            raise InvalidParams("call object must be an object")
        sender = parse_address(value["from"], "from") if value.get("from") else bytes(20)
        if not value.get("to"):
            raise TransactionError("contract creation is not supported on this chain")
        to = parse_address(value["to"], "to")
        amount = parse_quantity(value["value"], "value") if value.get("value") is not None else 0
        payload = value.get("input", value.get("data"))
        call_data = parse_hex_bytes(payload, "input") if payload else b""
        gas = parse_quantity(value["gas"], "gas") if value.get("gas") is not None else None
        return sender, to, amount, call_data, gas

    def run_call(self, value: Any, tag: Any) -> tuple[bytes, int, bytes]:
        """Execute a call against the state at `tag`, changing nothing; return (output, gas,
        data)."""
        state, environment = self.read_state_at(tag)
        sender, to, amount, call_data, _gas = self.parse_call(value)
        view = Overlay(state)
        if amount:
            # eth_call may send value the caller does not hold, as geth allows with no gas price.
            account: Account = view.get(account_key(sender))
            if account.balance < amount:
                view.set(account_key(sender), account._replace(balance=amount))
        result = execute_call(view, environment, sender, to, amount, call_data)
        if not result.success:
            reason = decode_revert_reason(result.output)
            raise ExecutionReverted(
                f"execution reverted: {reason}" if reason else "execution reverted",
                data=fmt.data(result.output),
            )
        return result.output, result.operation_gas, call_data

    def eth_call(self, params: Any) -> str:
        params = parse_params(params, 1, 3)
        output, _gas, _data = self.run_call(
            params[0], get_param(params, 1, "block", required=False)
        )
        return fmt.data(output)

    def eth_estimate_gas(self, params: Any) -> str:
        params = parse_params(params, 1, 3)
        _output, operation_gas, call_data = self.run_call(
            params[0], get_param(params, 1, "block", required=False)
        )
        access_list: tuple[tuple[bytes, tuple[bytes, ...]], ...] = ()
        return fmt.quantity(compute_intrinsic_gas(call_data, access_list) + operation_gas)

    # ---------------------------------------------------------------------------------------
    # Transactions

    def eth_send_raw_transaction(self, params: Any) -> str:
        params = parse_params(params, 1, 1)
        raw = parse_hex_bytes(params[0], "transaction")
        recovered = recover_raw_transactions([raw])[0]
        return self.admit_recovered(params, recovered)

    def admit_recovered(self, params: Any, recovered: Recovered) -> str:
        parse_params(params, 1, 1)
        if recovered.signed is None:
            raise TransactionError(f"invalid transaction: {recovered.error}")
        try:
            tx_hash = self.role.submit_transaction(recovered.signed)
        except TransactionRejected as exc:
            raise TransactionError(str(exc)) from None
        for listener in self.pending_listeners:
            listener(tx_hash)
        return fmt.data(tx_hash)

    def eth_get_transaction_by_hash(self, params: Any) -> dict[str, Any] | None:
        params = parse_params(params, 1, 1)
        tx_hash = parse_hash(params[0])
        pending = self.role.get_pending_transaction(tx_hash)
        if pending is not None:
            return fmt.format_transaction(
                pending.tx, pending.sender, tx_hash, None, None, None, None
            )
        stored = self.node.storage.get_transaction(tx_hash)
        if stored is None:
            return None
        header = self.get_header(stored.block_number)
        assert header is not None
        return fmt.format_any_transaction(
            stored.raw,
            stored.sender,
            tx_hash,
            header.hash,
            stored.block_number,
            stored.tx_index,
            header.base_fee,
            header.timestamp,
        )

    def format_receipt(self, receipt: Any, header: Header) -> dict[str, Any]:
        logs = [
            fmt.format_log(
                log.address,
                log.topics,
                log.data,
                header.number,
                header.hash,
                receipt.transaction_hash,
                receipt.transaction_index,
                log.log_index,
                header.timestamp,
            )
            for log in receipt.logs
        ]
        return {
            "type": fmt.quantity(receipt.tx_type),
            "transactionHash": fmt.data(receipt.transaction_hash),
            "transactionIndex": fmt.quantity(receipt.transaction_index),
            "blockHash": fmt.data(header.hash),
            "blockNumber": fmt.quantity(header.number),
            "blockTimestamp": fmt.quantity(header.timestamp),
            "from": fmt.data(receipt.sender),
            "to": fmt.data(receipt.to) if receipt.to is not None else None,
            "contractAddress": None,
            "status": fmt.quantity(receipt.status),
            "gasUsed": fmt.quantity(receipt.gas_used),
            "cumulativeGasUsed": fmt.quantity(receipt.cumulative_gas_used),
            "effectiveGasPrice": fmt.quantity(receipt.effective_gas_price),
            "logs": logs,
            "logsBloom": fmt.data(
                fmt.compute_logs_bloom((log.address, log.topics) for log in receipt.logs)
            ),
        }

    def eth_get_transaction_receipt(self, params: Any) -> dict[str, Any] | None:
        params = parse_params(params, 1, 1)
        tx_hash = parse_hash(params[0])
        receipt = self.node.storage.get_receipt(tx_hash)
        if receipt is None:
            return None
        header = self.get_header(receipt.block_number)
        assert header is not None
        return self.format_receipt(receipt, header)

    # ---------------------------------------------------------------------------------------
    # Blocks

    def format_block(self, header: Header, full: bool) -> dict[str, Any]:
        if not full:
            # Pollers (wallets, explorers, the benchmark) ask for the hashes only: read just
            # those, the sizes and the log topics, not every raw transaction and receipt.
            hashes, raw_size, log_topics = self.node.storage.get_block_summary(header.number)
            bloom = fmt.compute_logs_bloom(log_topics)
            block = fmt.format_header(header, bloom, len(header.encode()) + raw_size)
            block["transactions"] = [fmt.data(tx_hash) for tx_hash in hashes]
            return block
        transactions = self.node.storage.get_block_transactions(header.number)
        receipts = self.node.storage.get_block_receipts(header.number) if transactions else []
        bloom = fmt.compute_logs_bloom(
            (log.address, log.topics) for receipt in receipts for log in receipt.logs
        )
        size = len(header.encode()) + sum(len(raw) for _hash, _sender, raw in transactions)
        block = fmt.format_header(header, bloom, size)
        block["transactions"] = [
            fmt.format_any_transaction(
                raw,
                sender,
                tx_hash,
                header.hash,
                header.number,
                index,
                header.base_fee,
                header.timestamp,
            )
            for index, (tx_hash, sender, raw) in enumerate(transactions)
        ]
        return block

    def eth_get_block_by_number(self, params: Any) -> dict[str, Any] | None:
        params = parse_params(params, 1, 2)
        number = self.resolve_block_number(params[0])
        full = parse_bool(get_param(params, 1, "fullTransactions", required=False) or False, "full")
        header = self.get_header(number) if number <= self.node.head.number else None
        return self.format_block(header, full) if header is not None else None

    def eth_get_block_by_hash(self, params: Any) -> dict[str, Any] | None:
        params = parse_params(params, 1, 2)
        block_hash = parse_hash(params[0])
        full = parse_bool(get_param(params, 1, "fullTransactions", required=False) or False, "full")
        header = self.node.get_header_by_hash(block_hash)
        return self.format_block(header, full) if header is not None else None

    def eth_get_block_receipts(self, params: Any) -> list[dict[str, Any]] | None:
        params = parse_params(params, 1, 1)
        number = self.resolve_block_number(name_hash_as_object(params[0]))
        header = self.get_header(number) if number <= self.node.head.number else None
        if header is None:
            return None
        return [
            self.format_receipt(receipt, header)
            for receipt in self.node.storage.get_block_receipts(number)
        ]

    def eth_get_block_tx_count_by_number(self, params: Any) -> str | None:
        params = parse_params(params, 1, 1)
        number = self.resolve_block_number(params[0])
        if number > self.node.head.number:
            return None
        return fmt.quantity(len(self.node.storage.get_block_transaction_hashes(number)))

    # ---------------------------------------------------------------------------------------
    # Logs and proofs

    def eth_get_logs(self, params: Any) -> list[dict[str, Any]]:
        params = parse_params(params, 1, 1)
        query = params[0]
        if not isinstance(query, dict):
            raise InvalidParams("filter must be an object")
        criteria = parse_log_criteria(query)
        if query.get("blockHash") is not None:
            if query.get("fromBlock") is not None or query.get("toBlock") is not None:
                raise InvalidParams("blockHash excludes fromBlock and toBlock")
            header = self.node.get_header_by_hash(parse_hash(query["blockHash"], "blockHash"))
            if header is None:
                raise RpcError("unknown block", code=-32000)
            return self.find_logs(header.number, header.number, criteria)
        bounds = self.resolve_log_range(query.get("fromBlock"), query.get("toBlock"))
        return self.find_logs(*bounds, criteria) if bounds is not None else []

    # ---------------------------------------------------------------------------------------
    # Filters (node.filters)

    def eth_new_filter(self, params: Any) -> str:
        params = parse_params(params, 1, 1)
        query = params[0]
        if not isinstance(query, dict):
            raise InvalidParams("filter must be an object")
        if query.get("blockHash") is not None:
            raise InvalidParams("blockHash is for eth_getLogs; a filter takes fromBlock/toBlock")
        criteria = parse_log_criteria(query)
        for name in ("fromBlock", "toBlock"):  # refused now rather than at every poll
            if query.get(name) is not None:
                self.resolve_block_number(query[name], name)
        # The rewinds finished so far, read before the head: one under way is accounted for at
        # the first poll (which then reports the replacing blocks), never skipped.
        rewinds_seen = self.node.removed_logs.finished
        return self.filters.install(
            "logs",
            self.node.head.number,
            rewinds_seen=rewinds_seen,
            criteria=criteria,
            from_value=query.get("fromBlock"),
            to_value=query.get("toBlock"),
        )

    def eth_new_block_filter(self, params: Any) -> str:
        parse_params(params, 0, 0)
        rewinds_seen = self.node.removed_logs.finished
        return self.filters.install("blocks", self.node.head.number, rewinds_seen=rewinds_seen)

    def eth_new_pending_transaction_filter(self, params: Any) -> str:
        params = parse_params(params, 0, 1)
        full = get_param(params, 0, "fullTransactions", required=False)  # geth's option
        return self.filters.install(
            "pending",
            self.node.head.number,
            full=parse_bool(full, "fullTransactions") if full is not None else False,
        )

    def eth_get_filter_changes(self, params: Any) -> list[Any]:
        params = parse_params(params, 1, 1)
        installed = self.filters.poll(params[0])
        if installed.kind == "pending":
            hashes = [fmt.data(tx_hash) for tx_hash in installed.pending]
            installed.pending.clear()
            if not installed.full:
                return hashes
            # Whole transactions, as they are now (pending, or included since); dropped ones go.
            found = (self.eth_get_transaction_by_hash([tx_hash]) for tx_hash in hashes)
            return [tx for tx in found if tx is not None]
        journal = self.node.removed_logs
        rewinds = journal.since(installed.rewinds_seen)
        if rewinds is None:  # a rewind under way (the verifier's thread): at the next poll
            return []
        changes: list[Any] = [
            format_removed_log(entry) for entry in installed.take_rewinds(rewinds)
        ]
        before = installed.reported_through
        span = installed.take_block_range(self.node.head.number)  # the head after the rewinds
        if span is None:
            return changes
        new = self.take_block_changes(installed, span)
        if journal.sequence != installed.rewinds_seen:
            # A rewind began while reading: what was read may be half removed. Report it at the
            # next poll instead, after the logs the rewind removed.
            installed.reported_through = before
            return changes
        return changes + new

    def take_block_changes(self, installed: Filter, span: tuple[int, int]) -> list[Any]:
        """What a block or log filter reports of the blocks span[0]..span[1]."""
        if installed.kind == "blocks":
            return [
                fmt.data(header.hash)
                for number in range(span[0], span[1] + 1)
                if (header := self.get_header(number)) is not None
            ]
        assert installed.criteria is not None
        first, last = span
        if installed.from_value is not None:
            first = max(first, self.resolve_block_number(installed.from_value, "fromBlock"))
        if installed.to_value is not None:
            last = min(last, self.resolve_block_number(installed.to_value, "toBlock"))
        return self.find_logs(first, last, installed.criteria) if first <= last else []

    def eth_get_filter_logs(self, params: Any) -> list[dict[str, Any]]:
        params = parse_params(params, 1, 1)
        installed = self.filters.poll(params[0])
        if installed.kind != "logs" or installed.criteria is None:
            raise InvalidParams("eth_getFilterLogs takes a log filter (eth_newFilter)")
        bounds = self.resolve_log_range(installed.from_value, installed.to_value)
        return self.find_logs(*bounds, installed.criteria) if bounds is not None else []

    def eth_uninstall_filter(self, params: Any) -> bool:
        params = parse_params(params, 1, 1)
        return self.filters.uninstall(params[0])

    def resolve_log_range(self, from_value: Any, to_value: Any) -> tuple[int, int] | None:
        """fromBlock..toBlock (default latest) cut at the head; None when it starts after the
        head; refused beyond MAX_LOG_BLOCK_RANGE blocks."""
        head = self.node.head.number
        from_block = self.resolve_block_number(
            from_value if from_value is not None else "latest", "fromBlock"
        )
        to_block = min(
            self.resolve_block_number(to_value if to_value is not None else "latest", "toBlock"),
            head,
        )
        if from_block > to_block:
            if from_block > head:
                return None
            raise InvalidParams("fromBlock is after toBlock")
        if to_block - from_block > MAX_LOG_BLOCK_RANGE:
            raise LimitExceeded(f"block range greater than {MAX_LOG_BLOCK_RANGE}")
        return from_block, to_block

    def find_logs(
        self, from_block: int, to_block: int, criteria: LogCriteria
    ) -> list[dict[str, Any]]:
        """The logs of blocks from_block..to_block matching `criteria`, formatted."""
        try:
            found = self.node.storage.get_logs(
                from_block, to_block, criteria.addresses, criteria.topics
            )
        except ValueError as exc:
            raise LimitExceeded(str(exc)) from None
        headers: dict[int, Header] = {}
        result: list[dict[str, Any]] = []
        for entry in found:
            header = headers.get(entry.block_number)
            if header is None:
                header = self.get_header(entry.block_number)
                assert header is not None
                headers[entry.block_number] = header
            result.append(format_stored_log(entry, header))
        return result

    # ---------------------------------------------------------------------------------------
    # rollup_

    def rollup_sync_status(self, params: Any) -> dict[str, Any]:
        parse_params(params, 0, 0)
        return self.role.get_sync_status()

    def rollup_output_at_block(self, params: Any) -> dict[str, Any]:
        """The output root of an L2 block and its preimage (OP Stack's optimism_outputAtBlock)."""
        params = parse_params(params, 1, 1)
        number = self.resolve_block_number(params[0])
        header = self.get_header(number) if number <= self.node.head.number else None
        if header is None:
            raise RpcError(f"block {number} not found", code=-32001)
        proof = compute_output_root_proof(header)
        return {
            "version": fmt.data(proof.version),
            "outputRoot": fmt.data(proof.root),
            "stateRoot": fmt.data(proof.state_root),
            "withdrawalRoot": fmt.data(proof.withdrawal_root),
            "blockRef": {
                "number": fmt.quantity(header.number),
                "hash": fmt.data(header.hash),
                "timestamp": fmt.quantity(header.timestamp),
                "l1origin": {
                    "number": fmt.quantity(header.l1_origin_number),
                    "hash": self.node.get_l1_origin(header.l1_origin_number)["hash"],
                },
            },
            "syncStatus": self.role.get_sync_status(),
        }

    def rollup_get_withdrawal_proof(self, params: Any) -> dict[str, Any]:
        """What L1's Bridge.proveWithdrawal needs for a withdrawal, against the output of a block.

        params: [withdrawalHash, l2BlockNumber]. The proof is built from every withdrawal up to
        that block (the withdrawal tree only grows), so any block at or after the withdrawal works.
        """
        params = parse_params(params, 2, 2)
        wanted = parse_hash(params[0], "withdrawalHash")
        number = self.resolve_block_number(params[1])
        header = self.get_header(number) if number <= self.node.head.number else None
        if header is None:
            raise RpcError(f"block {number} not found", code=-32001)
        entries = self.node.storage.get_logs(
            0, number, [L2_BRIDGE], [[WITHDRAWAL_INITIATED_TOPIC]], max_results=10_000_000
        )
        tree = SparseMerkleTree()
        found: dict[str, Any] | None = None
        changes: dict[bytes, bytes] = {}
        for entry in entries:
            l1_token, amount, withdrawal_hash = abi_decode(
                ["address", "uint256", "bytes32"], entry.data
            )
            changes[withdrawal_hash] = WITHDRAWAL_PRESENT_VALUE_HASH
            if withdrawal_hash == wanted:
                found = {
                    "index": fmt.quantity(int.from_bytes(entry.topics[1], "big")),
                    "sender": fmt.data(entry.topics[2][12:]),
                    "l1Recipient": fmt.data(entry.topics[3][12:]),
                    "l1Token": l1_token,
                    "amount": fmt.quantity(amount),
                    "l2BlockNumber": fmt.quantity(entry.block_number),
                }
        if found is None:
            raise RpcError(f"no withdrawal 0x{wanted.hex()} up to block {number}", code=-32001)
        tree.update(changes)
        if tree.root != header.withdrawal_root:
            raise RpcError("withdrawal history does not match the block's withdrawal root")
        proof = compute_output_root_proof(header)
        return {
            "withdrawal": found,
            "withdrawalHash": fmt.data(wanted),
            "l2BlockNumber": fmt.quantity(number),
            "outputRoot": fmt.data(proof.root),
            "outputRootProof": {
                "version": fmt.data(proof.version),
                "stateRoot": fmt.data(proof.state_root),
                "withdrawalRoot": fmt.data(proof.withdrawal_root),
                "blockHash": fmt.data(proof.block_hash),
            },
            "proof": fmt.data(encode_proof(tree.prove(wanted))),
        }

    def txpool_status(self, params: Any) -> dict[str, str]:
        """geth's txpool_status: ready (pending) and nonce-gapped (queued) transactions."""
        parse_params(params, 0, 0)
        pending, queued = self.role.count_waiting()
        return {"pending": fmt.quantity(pending), "queued": fmt.quantity(queued)}

    def eth_get_proof(self, params: Any) -> dict[str, Any]:
        """Merkle proofs from the state's sparse Merkle tree (not a Patricia trie).

        accountProof holds one element: the encoded compact-SMT proof of the account leaf
        (rollup.smt.encode_proof). storageKeys are taken as tree keys of any leaf (keccak of a
        typed key, rollup.state.compute_tree_key); each storageProof value is that leaf's value
        hash as a quantity (the specification's uint256), 0x0 if absent. storageHash is the state
        root every proof verifies against.
        """
        params = parse_params(params, 2, 3)
        address = parse_address(params[0])
        keys = params[1]
        if not isinstance(keys, list):
            raise InvalidParams("storageKeys must be an array")
        tree_keys = [parse_hash(key, "storageKey") for key in keys]
        tag = get_param(params, 2, "block", required=False)
        view, _ = self.read_state_at(tag)
        # Proofs need the whole tree: a block other than the head has its state loaded for them.
        state = view if isinstance(view, State) else self.load_state(view)
        account = read_account(state, address)
        account_tree_key = compute_tree_key(account_key(address))
        storage_proofs = []
        for key in tree_keys:
            value_hash = state.tree.get(key)
            storage_proofs.append(
                {
                    "key": fmt.data(key),
                    "value": fmt.quantity(int.from_bytes(value_hash or bytes(32), "big")),
                    "proof": [fmt.data(encode_proof(state.tree.prove(key)))],
                }
            )
        code = SYSTEM_CODE_MARKER if is_system_contract(Overlay(state), address) else b""
        from rollup.crypto import keccak256

        return {
            "address": fmt.data(address),
            "balance": fmt.quantity(account.balance),
            "nonce": fmt.quantity(account.nonce),
            "codeHash": fmt.data(keccak256(code)),
            "storageHash": fmt.data(state.root),
            "accountProof": [fmt.data(encode_proof(state.tree.prove(account_tree_key)))],
            "storageProof": storage_proofs,
        }


def name_hash_as_object(value: Any) -> Any:
    """A block parameter where the specification takes BlockNumberOrTagOrHash (state reads,
    eth_getBlockReceipts): a 32-byte hex string names a block by hash, as geth reads one; it
    becomes the EIP-1898 object resolve_block_number takes. Anything else is left as it is."""
    if isinstance(value, str) and len(value) == 66:
        return {"blockHash": value}
    return value


def format_stored_log(entry: StoredLog, header: Header) -> dict[str, Any]:
    """A stored log as eth_getLogs and the `logs` subscription show it; `header` is its block's."""
    return fmt.format_log(
        entry.address,
        entry.topics,
        entry.data,
        entry.block_number,
        header.hash,
        entry.tx_hash,
        entry.tx_index,
        entry.log_index,
        header.timestamp,
    )


def format_removed_log(removed: RemovedLog) -> dict[str, Any]:
    """A log of a block a rewind removed, as filters and the `logs` subscription report it again:
    its removed block's hash and timestamp, and `removed: true`."""
    entry = removed.log
    return fmt.format_log(
        entry.address,
        entry.topics,
        entry.data,
        entry.block_number,
        entry.block_hash,
        entry.tx_hash,
        entry.tx_index,
        entry.log_index,
        removed.block_timestamp,
        removed=True,
    )


def read_account(state: StateReader, address: bytes) -> Account:
    account: Account = state.get(account_key(address))
    return account


class ResourceNotFoundError(RpcError):
    code = -32001

    def __init__(self, number: int) -> None:
        super().__init__(f"block {number} not found")


def make_error(request_id: Any, error: RpcError) -> dict[str, Any]:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.data is not None:
        body["data"] = error.data
    return {"jsonrpc": "2.0", "id": request_id, "error": body}


@dataclass(frozen=True, slots=True)
class HttpLimits:
    """What the HTTP endpoint accepts from clients (flags of `rollup sequencer` and `verifier`).

    uvicorn serves the requests of one HTTP/1.1 connection one after another, so a connection
    never has more than one in progress; `max_connections` bounds the requests in progress over
    all connections (more are answered 503 at once).
    """

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    allow_origins: tuple[str, ...] = ()  # CORS: "*" for any; none: no CORS headers at all
    max_connections: int = DEFAULT_MAX_CONNECTIONS


def make_body_too_large(limit: int, size: int | None) -> Response:
    seen = f"{size} bytes" if size is not None else "more"
    error = InvalidRequest(f"request body too large: {seen}, at most {limit} bytes")
    return Response(
        orjson.dumps(make_error(None, error)), status_code=413, media_type="application/json"
    )


def create_app(role: Role, limits: HttpLimits | None = None) -> FastAPI:
    """The app: POST / answers JSON-RPC, a WebSocket on / answers it too with subscriptions
    (node.websocket); GET /health answers liveness for compose."""
    limits = limits if limits is not None else HttpLimits()
    handler = RpcHandler(role)
    node = role.node
    app = FastAPI(title="defi-rollup node", docs_url=None, redoc_url=None, openapi_url=None)
    if limits.allow_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(limits.allow_origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["*"],
            max_age=600,
        )

    @app.post("/")
    async def rpc(request: Request) -> Response:
        limit = limits.max_body_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return make_body_too_large(limit, int(declared))  # refused before reading it
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                return make_body_too_large(limit, None)
        answer = await handler.handle_body(bytes(body))
        return Response(answer or b"", media_type="application/json")

    @app.get("/health")
    async def health() -> Response:
        return Response(
            orjson.dumps({"status": "ok", "head": node.head.number}), media_type="application/json"
        )

    from node.websocket import SubscriptionHub, serve_connection  # it builds on this module

    hub = SubscriptionHub(handler)

    @app.websocket("/")
    async def websocket_rpc(websocket: WebSocket) -> None:
        await serve_connection(websocket, hub, limits.allow_origins)

    app.state.handler = handler
    app.state.subscriptions = hub
    return app
