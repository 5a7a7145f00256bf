"""Bad input gets the right JSON-RPC error and changes nothing; the HTTP endpoint bounds what a
client may send (body size, params) and lets only the origins it was told serve web pages (CORS).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from eth_account import Account

from tests.e2e.conftest import NodeProcess, account, start_node

BODY_LIMIT = 5 * 1024 * 1024  # the default, geth's
DAPP_ORIGIN = "https://app.example"
METHOD_ARITY = {
    "web3_clientVersion": 0,
    "web3_sha3": 1,
    "net_version": 0,
    "net_listening": 0,
    "net_peerCount": 0,
    "eth_chainId": 0,
    "eth_syncing": 0,
    "eth_accounts": 0,
    "eth_blockNumber": 0,
    "eth_gasPrice": 0,
    "eth_maxPriorityFeePerGas": 0,
    "eth_feeHistory": 3,
    "eth_getBalance": 2,
    "eth_getTransactionCount": 2,
    "eth_getCode": 2,
    "eth_getStorageAt": 3,
    "eth_call": 3,
    "eth_estimateGas": 3,
    "eth_sendRawTransaction": 1,
    "eth_getTransactionByHash": 1,
    "eth_getTransactionReceipt": 1,
    "eth_getBlockByNumber": 2,
    "eth_getBlockByHash": 2,
    "eth_getBlockReceipts": 1,
    "eth_getBlockTransactionCountByNumber": 1,
    "eth_getLogs": 1,
    "eth_getProof": 3,
    "txpool_status": 0,
    "rollup_syncStatus": 0,
    "rollup_outputAtBlock": 1,
    "rollup_getWithdrawalProof": 2,
}
"""Every method the node serves and the most params it takes (execution-apis; geth's eth_call
third param is a state override set)."""


@pytest.fixture(scope="module")
def dapp_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    """A sequencer that lets one dApp origin call it from web pages."""
    running = start_node(tmp_path_factory.mktemp("cors"), ("--allow-origin", DAPP_ORIGIN))
    yield running
    running.stop()


def post(node: NodeProcess, body: bytes | str) -> Any:
    content = body.encode() if isinstance(body, str) else body
    response = httpx.post(
        node.url, content=content, headers={"content-type": "application/json"}, timeout=30
    )
    return response.json()


def balance_and_nonce(node: NodeProcess, address: str) -> tuple[str, str]:
    return (
        node.rpc("eth_getBalance", [address, "latest"])["result"],
        node.rpc("eth_getTransactionCount", [address, "pending"])["result"],
    )


def sign_transfer(chain_id: int, nonce: int, key: str) -> str:
    tx = {
        "to": "0x000000000000000000000000000000000000bEEF",
        "value": 1,
        "gas": 21_000,
        "maxFeePerGas": 10**10,
        "maxPriorityFeePerGas": 10**6,
        "nonce": nonce,
        "chainId": chain_id,
    }
    return "0x" + bytes(Account.sign_transaction(tx, key).raw_transaction).hex()


def test_malformed_json_is_a_parse_error(node: NodeProcess) -> None:
    answer = post(node, '{"jsonrpc": "2.0", "method": "eth_blockNumber", "id": 1')
    assert answer["error"]["code"] == -32700
    assert answer["id"] is None


def test_request_without_method_is_invalid(node: NodeProcess) -> None:
    answer = post(node, '{"jsonrpc": "2.0", "id": 7}')
    assert answer["error"]["code"] == -32600
    assert answer["id"] == 7


def test_unknown_method_is_method_not_found(node: NodeProcess) -> None:
    answer = node.rpc("eth_mine", [])
    assert answer["error"] == {
        "code": -32601,
        "message": "the method eth_mine does not exist/is not available",
    }


def test_wrong_parameter_types_are_invalid_params(node: NodeProcess) -> None:
    assert node.rpc("eth_getBalance", [12, "latest"])["error"]["code"] == -32602
    assert node.rpc("eth_getBalance", ["0x1234", "latest"])["error"]["code"] == -32602
    assert node.rpc("eth_getBlockByNumber", ["0xzz", False])["error"]["code"] == -32602
    assert node.rpc("eth_getTransactionReceipt", ["0x12"])["error"]["code"] == -32602
    assert node.rpc("eth_call", ["not an object", "latest"])["error"]["code"] == -32602


def test_oversized_batch_is_refused_whole(node: NodeProcess) -> None:
    batch = [{"jsonrpc": "2.0", "id": i, "method": "eth_blockNumber"} for i in range(1_001)]
    answer = post(node, __import__("orjson").dumps(batch))
    assert answer["error"]["code"] == -32600
    assert "batch too large" in answer["error"]["message"]


def test_batch_answers_each_request_in_order(node: NodeProcess) -> None:
    batch = (
        '[{"jsonrpc":"2.0","id":1,"method":"eth_chainId"},'
        '{"jsonrpc":"2.0","id":2,"method":"nope"},'
        '{"jsonrpc":"2.0","id":3,"method":"net_version"}]'
    )
    answer = post(node, batch)
    assert [item["id"] for item in answer] == [1, 2, 3]
    assert answer[0]["result"] == "0x385"
    assert answer[1]["error"]["code"] == -32601
    assert answer[2]["result"] == "901"


def test_garbage_raw_transaction_is_refused_and_changes_nothing(node: NodeProcess) -> None:
    before = node.rpc("eth_blockNumber", [])["result"]
    pool_before = node.rpc("txpool_status", [])["result"]
    answer = node.rpc("eth_sendRawTransaction", ["0x02deadbeef"])
    assert answer["error"]["code"] == -32000
    assert answer["error"]["message"].startswith("invalid transaction")
    assert node.rpc("eth_sendRawTransaction", ["not hex"])["error"]["code"] == -32602
    assert node.rpc("txpool_status", [])["result"] == pool_before
    assert int(node.rpc("eth_blockNumber", [])["result"], 16) >= int(before, 16)


def test_replay_with_another_chain_id_is_refused(node: NodeProcess) -> None:
    sender = account(1)
    before = balance_and_nonce(node, sender.address)
    answer = node.rpc("eth_sendRawTransaction", [sign_transfer(1, 0, sender.key.hex())])
    assert answer["error"]["code"] == -32000
    assert answer["error"]["message"] == "invalid chain id for signer: have 1 want 901"
    assert balance_and_nonce(node, sender.address) == before


def test_nonce_too_low_is_refused(node: NodeProcess) -> None:
    sender = account(3)
    raw = sign_transfer(901, 0, sender.key.hex())
    assert "result" in node.rpc("eth_sendRawTransaction", [raw])
    # Wait for inclusion, then resend a different transaction with the used nonce.
    import time

    deadline = time.time() + 10
    while node.rpc("eth_getTransactionCount", [sender.address, "latest"])["result"] == "0x0":
        assert time.time() < deadline
        time.sleep(0.05)
    stale = {**{}, "raw": sign_transfer(901, 0, sender.key.hex())}
    answer = node.rpc("eth_sendRawTransaction", [stale["raw"]])
    assert answer["error"]["code"] == -32000
    assert answer["error"]["message"] in (
        "already known",
        "nonce too low: next nonce 1, tx nonce 0",
    )


def test_insufficient_funds_is_refused(node: NodeProcess) -> None:
    pauper = Account.create()
    answer = node.rpc("eth_sendRawTransaction", [sign_transfer(901, 0, pauper.key.hex())])
    assert answer["error"]["code"] == -32000
    assert answer["error"]["message"].startswith("insufficient funds for gas * price + value")


def test_contract_creation_is_refused(node: NodeProcess) -> None:
    tx = {
        "data": "0x6000",
        "value": 0,
        "gas": 100_000,
        "maxFeePerGas": 10**10,
        "maxPriorityFeePerGas": 10**6,
        "nonce": 0,
        "chainId": 901,
    }
    raw = "0x" + bytes(Account.sign_transaction(tx, account(4).key).raw_transaction).hex()
    answer = node.rpc("eth_sendRawTransaction", [raw])
    assert answer["error"] == {
        "code": -32000,
        "message": "contract creation is not supported on this chain",
    }


def test_reverting_eth_call_returns_code_3_with_reason(node: NodeProcess) -> None:
    call = {"to": "0x4200000000000000000000000000000000000200", "data": "0xdeadbeef"}
    answer = node.rpc("eth_call", [call, "latest"])
    assert answer["error"]["code"] == 3
    assert answer["error"]["message"] == "execution reverted: unknown function selector 0xdeadbeef"
    assert answer["error"]["data"].startswith("0x08c379a0")


def test_state_of_a_block_after_the_head_is_refused_clearly(node: NodeProcess) -> None:
    head = int(node.rpc("eth_blockNumber", [])["result"], 16)
    ahead = head + 1_000_000
    answer = node.rpc("eth_getBalance", [account(1).address, hex(ahead)])
    assert answer["error"]["code"] == -32000
    assert answer["error"]["message"].startswith(f"block {ahead} not found; the head is ")


def padded_request(size: int) -> bytes:
    """An eth_chainId request padded with spaces (valid JSON) to exactly `size` bytes."""
    request = b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}'
    return request + b" " * (size - len(request))


def test_a_body_of_exactly_the_limit_is_answered(node: NodeProcess) -> None:
    answer = post(node, padded_request(BODY_LIMIT))
    assert answer["result"] == node.rpc("eth_chainId", [])["result"]


def test_a_body_one_byte_over_the_limit_is_refused_with_413(node: NodeProcess) -> None:
    response = httpx.post(
        node.url,
        content=padded_request(BODY_LIMIT + 1),
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": -32600,
        "message": f"request body too large: {BODY_LIMIT + 1} bytes, at most {BODY_LIMIT} bytes",
    }


def test_an_oversized_body_without_a_length_is_cut_off_while_read(node: NodeProcess) -> None:
    def chunks() -> Iterator[bytes]:  # chunked transfer: the size is not declared
        for _ in range(40):
            yield b" " * (1024 * 1024)

    response = httpx.post(
        node.url, content=chunks(), headers={"content-type": "application/json"}, timeout=30
    )
    assert response.status_code == 413
    assert response.json()["error"]["message"] == (
        f"request body too large: more, at most {BODY_LIMIT} bytes"
    )
    assert "result" in node.rpc("eth_chainId", [])  # and the node serves on


@pytest.mark.parametrize("method", sorted(METHOD_ARITY))
def test_params_beyond_a_methods_arity_are_invalid_params(node: NodeProcess, method: str) -> None:
    params: list[Any] = ["0x1"] * (METHOD_ARITY[method] + 1)
    answer = node.rpc(method, params)
    assert answer["error"] == {
        "code": -32602,
        "message": f"too many arguments, want at most {METHOD_ARITY[method]}",
    }


def test_params_given_as_an_object_are_invalid_params(node: NodeProcess) -> None:
    answer = post(node, '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":{}}')
    assert answer["error"] == {"code": -32602, "message": "params must be an array"}


def test_without_allowed_origins_a_page_gets_no_cors_headers(node: NodeProcess) -> None:
    response = httpx.post(
        node.url,
        content=orjson.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}),
        headers={"content-type": "application/json", "origin": DAPP_ORIGIN},
        timeout=30,
    )
    assert "access-control-allow-origin" not in response.headers


def test_an_allowed_origin_passes_the_preflight_and_reads_the_answer(
    dapp_node: NodeProcess,
) -> None:
    preflight = httpx.options(
        dapp_node.url,
        headers={
            "origin": DAPP_ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
        timeout=30,
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == DAPP_ORIGIN
    assert "POST" in preflight.headers["access-control-allow-methods"]
    answer = httpx.post(
        dapp_node.url,
        content=orjson.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}),
        headers={"content-type": "application/json", "origin": DAPP_ORIGIN},
        timeout=30,
    )
    assert answer.headers["access-control-allow-origin"] == DAPP_ORIGIN


def test_another_origin_is_not_allowed(dapp_node: NodeProcess) -> None:
    preflight = httpx.options(
        dapp_node.url,
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
        timeout=30,
    )
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
