"""The node's JSON-RPC answers checked against the ethereum/execution-apis specification.

A real `rollup sequencer` takes real signed transactions (an EIP-1559 transfer, a legacy one, an
EIP-2930 one with an access list, a WETH approval that logs, a transfer that reverts); then each
case below calls one method over HTTP and validates its result against that method's result
schema in the vendored specification (tests/e2e/execution_apis, JSON Schema draft 2019-09 as
upstream's speccheck uses it).

Served methods the specification has no schema for, so checked elsewhere only: web3_clientVersion,
web3_sha3, net_listening, net_peerCount, rollup_syncStatus, rollup_outputAtBlock,
rollup_getWithdrawalProof, and (on the WebSocket endpoint) eth_subscribe and eth_unsubscribe.

Specified methods the node does not serve: eth_getTransactionByBlockNumberAndIndex,
eth_getTransactionByBlockHashAndIndex, eth_getBlockTransactionCountByHash, eth_coinbase,
eth_baseFee, eth_blobBaseFee, eth_config, eth_capabilities, eth_createAccessList,
eth_getStorageValues, eth_getBlockAccessList, eth_simulateV1, eth_fillTransaction, eth_sign,
eth_signTransaction, eth_sendTransaction, txpool_content, txpool_contentFrom
(test_every_served_specified_method_is_checked finds out which are served, on the live node).

Deposit transactions (type 0x7e, OP Stack's shape) are outside the specification's
TransactionInfo; none is made here.

One field beyond the specification is allowed, by name and held to its own schema: a receipt's
blockTimestamp (RECEIPT_EXTENSIONS), which the specification's closed ReceiptInfo lacks though
its Log and TransactionInfo have it, and geth and erigon serve.

The specification's FilterResults (eth_getLogs, eth_getFilterChanges, eth_getFilterLogs) is a
`oneOf` of "array of hashes" and "array of logs", which an empty array matches twice, so fails:
those cases ask for ranges and filters that have entries.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from jsonschema import Draft201909Validator
from web3 import Web3

from tests.e2e.conftest import (
    MAX_UINT,
    WETH,
    NodeProcess,
    account,
    contract,
    send,
)
from tests.e2e.execution_apis import (
    describe,
    result_errors,
    schema_validator,
    spec_document,
    specified_methods,
)
from tests.polling import wait_for

RECIPIENT = "0x000000000000000000000000000000000000bEEF"
UNKNOWN_HASH = "0x" + "ab" * 32
BALANCE_OF = "0x70a08231"  # balanceOf(address)


@dataclass(frozen=True)
class Activity:
    """The transactions the module made, by kind: hashes as 0x hex."""

    transfer: str  # EIP-1559 plain value transfer
    legacy: str  # EIP-155 legacy value transfer
    access_list: str  # EIP-2930 value transfer with an access list
    token: str  # WETH approve: one Approval log
    failed: str  # WETH transfer of more than the balance: status 0
    token_block: int
    token_block_hash: str
    sender: str


def hex_hash(receipt: Any) -> str:
    return str(receipt["transactionHash"].to_0x_hex())


def send_priced(w3: Web3, index: int, **fields: Any) -> str:
    """A value transfer priced with gasPrice (legacy, or EIP-2930 with an accessList); its hash
    once included."""
    sender = account(index)
    tx = {
        "nonce": w3.eth.get_transaction_count(sender.address, "pending"),
        "chainId": w3.eth.chain_id,
        "to": RECIPIENT,
        "value": 1,
        "gas": 60_000,
        "gasPrice": 10**10,
        **fields,
    }
    tx_hash = w3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.05)
    assert receipt["status"] == 1
    return hex_hash(receipt)


@pytest.fixture(scope="module")
def activity(w3: Web3) -> Activity:
    weth = contract(w3, WETH, "IWETH")
    sender = account(4)
    transfer = send(w3, sender, to=RECIPIENT, value=12345, gas=21_000)
    token = send(w3, sender, weth.functions.approve(account(5).address, MAX_UINT))
    failed = send(w3, sender, weth.functions.transfer(RECIPIENT, MAX_UINT), gas=100_000)
    assert (transfer["status"], token["status"], failed["status"]) == (1, 1, 0)
    assert len(token["logs"]) == 1
    legacy = send_priced(w3, 5)
    access_list = send_priced(
        w3, 5, type=1, accessList=[{"address": WETH, "storageKeys": ["0x" + "00" * 32]}]
    )
    return Activity(
        transfer=hex_hash(transfer),
        legacy=legacy,
        access_list=access_list,
        token=hex_hash(token),
        failed=hex_hash(failed),
        token_block=token["blockNumber"],
        token_block_hash=str(token["blockHash"].to_0x_hex()),
        sender=sender.address,
    )


def call(node: NodeProcess, method: str, params: list[Any]) -> Any:
    """The result of a call whose response has JSON-RPC 2.0's success shape."""
    body = node.rpc(method, params)
    assert set(body) == {"jsonrpc", "id", "result"}, body
    assert (body["jsonrpc"], body["id"]) == ("2.0", 1), body
    return body["result"]


# -------------------------------------------------------------------------------------------------
# Cases: one method call each. Most are a method and its params; a few (filters, sending) take
# steps first and answer with the method's result.

Answer = Callable[[NodeProcess, Web3, Activity], Any]


@dataclass(frozen=True)
class Case:
    id: str
    method: str
    answer: Answer
    null: bool = False  # the answer must be null (the specification's notFound), not a value


def case(
    id: str,
    method: str,
    params: Callable[[Activity], list[Any]] | list[Any] | None = None,
    *,
    null: bool = False,
) -> Case:
    """A case that calls `method` with `params` (a list, or made from the module's activity)."""

    def answer(node: NodeProcess, w3: Web3, a: Activity) -> Any:
        if params is None:
            values: list[Any] = []
        elif callable(params):
            values = params(a)
        else:
            values = params
        return call(node, method, values)

    return Case(id, method, answer, null)


def balance_call(a: Activity) -> dict[str, Any]:
    """eth_call's transaction object: WETH.balanceOf(sender)."""
    return {"from": a.sender, "to": WETH, "data": BALANCE_OF + "00" * 12 + a.sender[2:].lower()}


def log_filter(a: Activity) -> dict[str, Any]:
    """WETH's logs from the approval's block on: at least that Approval."""
    return {"fromBlock": hex(a.token_block), "toBlock": "latest", "address": WETH}


def approve_once_more(w3: Web3) -> None:
    weth = contract(w3, WETH, "IWETH")
    assert send(w3, account(6), weth.functions.approve(account(7).address, 1))["status"] == 1


def first_changes(node: NodeProcess, filter_id: str, what: str) -> Any:
    """The first eth_getFilterChanges answer with entries (an empty one is valid JSON-RPC but
    ambiguous under FilterResults' oneOf)."""
    return wait_for(lambda: call(node, "eth_getFilterChanges", [filter_id]), 20, what)


def log_filter_changes(node: NodeProcess, w3: Web3, a: Activity) -> Any:
    filter_id = call(node, "eth_newFilter", [{"address": WETH}])
    approve_once_more(w3)
    return first_changes(node, filter_id, "a new Approval in the log filter's changes")


def block_filter_changes(node: NodeProcess, w3: Web3, a: Activity) -> Any:
    filter_id = call(node, "eth_newBlockFilter", [])
    return first_changes(node, filter_id, "a new block in the block filter's changes")


def pending_filter_changes(node: NodeProcess, w3: Web3, a: Activity) -> Any:
    filter_id = call(node, "eth_newPendingTransactionFilter", [])
    send(w3, account(6), to=RECIPIENT, value=1, gas=21_000)
    return first_changes(node, filter_id, "the sent transaction in the pending filter's changes")


def filter_logs(node: NodeProcess, w3: Web3, a: Activity) -> Any:
    return call(node, "eth_getFilterLogs", [call(node, "eth_newFilter", [log_filter(a)])])


def uninstall_filter(node: NodeProcess, w3: Web3, a: Activity) -> Any:
    return call(node, "eth_uninstallFilter", [call(node, "eth_newBlockFilter", [])])


def send_raw_transaction(node: NodeProcess, w3: Web3, a: Activity) -> Any:
    sender = account(6)
    tx: dict[str, Any] = {
        "nonce": w3.eth.get_transaction_count(sender.address, "pending"),
        "chainId": w3.eth.chain_id,
        "to": RECIPIENT,
        "value": 1,
        "gas": 21_000,
        "maxFeePerGas": 10**10,
        "maxPriorityFeePerGas": 10**6,
    }
    raw = sender.sign_transaction(tx).raw_transaction.to_0x_hex()
    result = call(node, "eth_sendRawTransaction", [raw])
    w3.eth.wait_for_transaction_receipt(result, timeout=30, poll_latency=0.05)
    return result


def token_block_by_number(hydrated: bool) -> Callable[[Activity], list[Any]]:
    return lambda a: [hex(a.token_block), hydrated]


def token_block_by_hash(hydrated: bool) -> Callable[[Activity], list[Any]]:
    return lambda a: [a.token_block_hash, hydrated]


def transaction_of(kind: str) -> Callable[[Activity], list[Any]]:
    """The hash of the module's transaction of `kind` (an Activity field)."""
    return lambda a: [getattr(a, kind)]


KINDS = ("transfer", "legacy", "access_list", "token", "failed")
TAGS = ("latest", "pending", "safe", "finalized", "earliest")
FAR_BLOCK = "0xffffffff"

CASES = [
    case("chainId", "eth_chainId"),
    case("blockNumber", "eth_blockNumber"),
    case("net_version", "net_version"),
    case("syncing", "eth_syncing"),
    case("accounts", "eth_accounts"),
    case("gasPrice", "eth_gasPrice"),
    case("maxPriorityFeePerGas", "eth_maxPriorityFeePerGas"),
    case("feeHistory", "eth_feeHistory", ["0x4", "latest"]),
    case("feeHistory-rewardPercentiles", "eth_feeHistory", ["0x4", "latest", [25, 75]]),
    case("txpool_status", "txpool_status"),
    # blocks
    *(
        case(f"getBlockByNumber-{tag}-{hydrated}", "eth_getBlockByNumber", [tag, hydrated])
        for tag in TAGS
        for hydrated in (False, True)
    ),
    *(
        case(
            f"getBlockByNumber-number-{hydrated}",
            "eth_getBlockByNumber",
            token_block_by_number(hydrated),
        )
        for hydrated in (False, True)
    ),
    case("getBlockByNumber-unknown", "eth_getBlockByNumber", [FAR_BLOCK, False], null=True),
    *(
        case(
            f"getBlockByHash-{hydrated}",
            "eth_getBlockByHash",
            token_block_by_hash(hydrated),
        )
        for hydrated in (False, True)
    ),
    case("getBlockByHash-unknown", "eth_getBlockByHash", [UNKNOWN_HASH, False], null=True),
    case(
        "getBlockTransactionCountByNumber",
        "eth_getBlockTransactionCountByNumber",
        lambda a: [hex(a.token_block)],
    ),
    case(
        "getBlockTransactionCountByNumber-unknown",
        "eth_getBlockTransactionCountByNumber",
        [FAR_BLOCK],
        null=True,
    ),
    case("getBlockReceipts", "eth_getBlockReceipts", lambda a: [hex(a.token_block)]),
    case("getBlockReceipts-blockHash", "eth_getBlockReceipts", lambda a: [a.token_block_hash]),
    case("getBlockReceipts-unknown", "eth_getBlockReceipts", [FAR_BLOCK], null=True),
    # transactions and receipts, one of each kind
    *(
        case(
            f"getTransactionByHash-{kind}",
            "eth_getTransactionByHash",
            transaction_of(kind),
        )
        for kind in KINDS
    ),
    case("getTransactionByHash-unknown", "eth_getTransactionByHash", [UNKNOWN_HASH], null=True),
    *(
        case(
            f"getTransactionReceipt-{kind}",
            "eth_getTransactionReceipt",
            transaction_of(kind),
        )
        for kind in KINDS
    ),
    case("getTransactionReceipt-unknown", "eth_getTransactionReceipt", [UNKNOWN_HASH], null=True),
    Case("sendRawTransaction", "eth_sendRawTransaction", send_raw_transaction),
    # state
    case("getBalance-latest", "eth_getBalance", lambda a: [a.sender, "latest"]),
    case("getBalance-number", "eth_getBalance", lambda a: [a.sender, hex(a.token_block)]),
    case(
        "getBalance-blockHash",
        "eth_getBalance",
        lambda a: [a.sender, {"blockHash": a.token_block_hash}],
    ),
    case(
        "getBalance-blockHash-string",
        "eth_getBalance",
        lambda a: [a.sender, a.token_block_hash],
    ),
    case("getTransactionCount", "eth_getTransactionCount", lambda a: [a.sender, "latest"]),
    case("getCode-system-contract", "eth_getCode", [WETH, "latest"]),
    case("getCode-no-code", "eth_getCode", [RECIPIENT, "latest"]),
    case("getStorageAt", "eth_getStorageAt", [WETH, "0x0", "latest"]),
    case("call", "eth_call", lambda a: [balance_call(a), "latest"]),
    case(
        "estimateGas-transfer",
        "eth_estimateGas",
        lambda a: [{"from": a.sender, "to": RECIPIENT, "value": "0x1"}],
    ),
    case("estimateGas-call", "eth_estimateGas", lambda a: [balance_call(a)]),
    case("getProof", "eth_getProof", lambda a: [a.sender, [], "latest"]),
    case("getProof-storageKey", "eth_getProof", [WETH, ["0x" + "00" * 32], "latest"]),
    # logs and filters
    case(
        "getLogs-range",
        "eth_getLogs",
        lambda a: [{"fromBlock": hex(a.token_block), "toBlock": hex(a.token_block)}],
    ),
    case(
        "getLogs-blockHash",
        "eth_getLogs",
        lambda a: [{"blockHash": a.token_block_hash, "address": WETH}],
    ),
    case("newFilter", "eth_newFilter", lambda a: [log_filter(a)]),
    case("newBlockFilter", "eth_newBlockFilter"),
    case("newPendingTransactionFilter", "eth_newPendingTransactionFilter"),
    Case("getFilterChanges-logs", "eth_getFilterChanges", log_filter_changes),
    Case("getFilterChanges-blocks", "eth_getFilterChanges", block_filter_changes),
    Case("getFilterChanges-pending", "eth_getFilterChanges", pending_filter_changes),
    Case("getFilterLogs", "eth_getFilterLogs", filter_logs),
    Case("uninstallFilter", "eth_uninstallFilter", uninstall_filter),
]
CHECKED_METHODS = frozenset(c.method for c in CASES)
UNSPECIFIED_SERVED_METHODS = (
    "web3_clientVersion",
    "web3_sha3",
    "net_listening",
    "net_peerCount",
    "rollup_syncStatus",
    "rollup_outputAtBlock",
    "rollup_getWithdrawalProof",
    "eth_subscribe",
    "eth_unsubscribe",
)

# Fields the node adds to a specified object that the specification closes
# (additionalProperties: false), each with the component schema it is held to instead; validated
# and taken out before the object is. ReceiptInfo has no blockTimestamp though Log and
# TransactionInfo do (execution-apis #639, #749); geth (1.16 on) and erigon put it on receipts
# too, and so does this node (tests/e2e/test_block_timestamp.py).
RECEIPT_EXTENSIONS = {"blockTimestamp": "uint"}
RECEIPT_METHODS = ("eth_getTransactionReceipt", "eth_getBlockReceipts")


def split_extensions(method: str, result: Any) -> tuple[Any, list[str]]:
    """`result` without RECEIPT_EXTENSIONS' fields, and how those fields break their schemas."""
    if method not in RECEIPT_METHODS or result is None:
        return result, []
    receipts = [dict(receipt) for receipt in (result if isinstance(result, list) else [result])]
    errors = []
    for receipt in receipts:
        for name, schema in RECEIPT_EXTENSIONS.items():
            if name in receipt:
                errors += [
                    f"{name}: {e}" for e in describe(schema_validator(schema), receipt.pop(name))
                ]
    return (receipts if isinstance(result, list) else receipts[0]), errors


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_result_matches_the_methods_specified_schema(
    node: NodeProcess, w3: Web3, activity: Activity, case: Case
) -> None:
    result = case.answer(node, w3, activity)
    if case.null:
        assert result is None
    else:
        assert result is not None, f"{case.method} answered null"
    result, extension_errors = split_extensions(case.method, result)
    errors = extension_errors + result_errors(case.method, result)
    assert not errors, f"{case.method} result {result!r}:\n" + "\n".join(errors)


def test_each_receipt_extension_is_a_field_the_specification_lacks() -> None:
    """Once upstream specifies a field, re-vendoring drops it from RECEIPT_EXTENSIONS."""
    receipt = spec_document()["components"]["schemas"]["ReceiptInfo"]
    assert receipt["additionalProperties"] is False
    assert set(RECEIPT_EXTENSIONS) & set(receipt["properties"]) == set()


def test_methods_listed_as_unspecified_are_absent_from_the_specification() -> None:
    assert set(UNSPECIFIED_SERVED_METHODS) & specified_methods() == set()


def test_every_served_specified_method_is_checked(node: NodeProcess) -> None:
    """A method of the specification that the node answers other than "method not found" has a
    case above (so a newly served method gets its result checked)."""
    served = {
        method
        for method in specified_methods()
        if node.rpc(method, []).get("error", {}).get("code") != -32601
    }
    assert served - CHECKED_METHODS == set()


# -------------------------------------------------------------------------------------------------
# Errors: JSON-RPC 2.0's error object (section 5.1)

ERROR_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["jsonrpc", "id", "error"],
    "additionalProperties": False,
    "properties": {
        "jsonrpc": {"const": "2.0"},
        "id": {"type": ["string", "integer", "null"]},
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "integer"},
                "message": {"type": "string"},
                "data": {},
            },
        },
    },
}


@dataclass(frozen=True)
class BadRequest:
    id: str
    body: bytes
    code: int
    request_id: Any = 7  # the id the response must echo


def request(method: str, params: Any, request_id: Any = 7) -> bytes:
    return json.dumps(
        {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
    ).encode()


BAD_REQUESTS = [
    BadRequest("parse-error", b'{"jsonrpc": "2.0", "id": 7, "method": ', -32700, None),
    BadRequest(
        "invalid-request",
        b'{"jsonrpc": "1.0", "id": 7, "method": "eth_chainId", "params": []}',
        -32600,
    ),
    BadRequest("method-not-found", request("eth_noSuchMethod", []), -32601),
    BadRequest("params-not-an-array", request("eth_getBalance", {"address": RECIPIENT}), -32602),
    BadRequest("malformed-param", request("eth_getBalance", ["0x1234", "latest"]), -32602),
    BadRequest("string-id", request("eth_noSuchMethod", [], "seven"), -32601, "seven"),
    BadRequest(
        "call-reverts",
        request(
            "eth_call",
            [
                {
                    "from": RECIPIENT,
                    "to": WETH,
                    "data": "0xa9059cbb" + "00" * 12 + "11" * 20 + "ff" * 32,
                }
            ],
        ),
        3,
    ),
]


@pytest.mark.parametrize("bad", BAD_REQUESTS, ids=[b.id for b in BAD_REQUESTS])
def test_an_error_response_has_the_json_rpc_error_shape(node: NodeProcess, bad: BadRequest) -> None:
    body = httpx.post(
        node.url, content=bad.body, headers={"content-type": "application/json"}, timeout=30
    ).json()
    assert describe(Draft201909Validator(ERROR_RESPONSE), body) == []
    assert (body["id"], body["error"]["code"]) == (bad.request_id, bad.code), body


def test_each_error_of_a_batch_has_the_json_rpc_error_shape(node: NodeProcess) -> None:
    batch = b"[" + request("eth_noSuchMethod", [], 1) + b"," + request("eth_chainId", {}, 2) + b"]"
    answers = httpx.post(
        node.url, content=batch, headers={"content-type": "application/json"}, timeout=30
    ).json()
    validator = Draft201909Validator(ERROR_RESPONSE)
    assert [describe(validator, answer) for answer in answers] == [[], []]
    assert sorted((a["id"], a["error"]["code"]) for a in answers) == [(1, -32601), (2, -32602)]
