"""Bad input gets the right JSON-RPC error and changes nothing."""

from __future__ import annotations

from typing import Any

import httpx
from eth_account import Account

from tests.e2e.conftest import NodeProcess, account


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


def test_historical_state_is_refused_clearly(node: NodeProcess) -> None:
    answer = node.rpc("eth_getBalance", [account(1).address, "0x0"])
    head = int(node.rpc("eth_blockNumber", [])["result"], 16)
    if head > 0:
        assert answer["error"]["code"] == -32000
        assert "not an archive node" in answer["error"]["message"]
