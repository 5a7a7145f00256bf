"""The explorer's decoding of system-contract calls and events (node.explorer.decoding), checked
against eth-abi's own encoding of the arguments the ABI JSON names."""

from __future__ import annotations

from eth_abi.abi import encode

from node.explorer.decoding import decode_call, decode_event
from rollup import addresses
from rollup.abi import compute_event_topic, compute_selector

TOKEN = bytes.fromhex("4200000000000000000000000000000000001001")
ALICE = b"\x0a" * 20
BOB = b"\x0b" * 20


def test_a_token_transfer_is_decoded_with_named_arguments() -> None:
    data = compute_selector("transfer(address,uint256)") + encode(
        ["address", "uint256"], [BOB, 2**255]
    )
    decoded = decode_call(TOKEN, data, frozenset({TOKEN}))
    assert decoded == {
        "contract": "token",
        "function": "transfer",
        "signature": "transfer(address,uint256)",
        "args": [
            {"name": "to", "type": "address", "value": "0x" + BOB.hex()},
            {"name": "value", "type": "uint256", "value": str(2**255)},
        ],
    }


def test_a_call_to_an_address_that_is_no_system_contract_is_not_decoded() -> None:
    data = compute_selector("transfer(address,uint256)") + encode(["address", "uint256"], [BOB, 1])
    assert decode_call(ALICE, data, frozenset({TOKEN})) is None


def test_an_unknown_selector_is_not_decoded() -> None:
    assert decode_call(addresses.AMM, b"\xde\xad\xbe\xef", frozenset()) is None


def test_calldata_too_short_for_its_arguments_is_not_decoded() -> None:
    data = compute_selector("borrow(address,uint256)") + encode(["address"], [TOKEN])
    assert decode_call(addresses.LENDING, data, frozenset()) is None


def test_calldata_shorter_than_a_selector_is_not_decoded() -> None:
    assert decode_call(addresses.LENDING, b"\x01\x02\x03", frozenset()) is None


def test_a_lending_borrow_event_is_decoded_with_its_indexed_arguments() -> None:
    topics = [
        compute_event_topic("Borrow(address,address,uint256)"),
        bytes(12) + ALICE,
        bytes(12) + TOKEN,
    ]
    decoded = decode_event(addresses.LENDING, topics, encode(["uint256"], [7]), frozenset())
    assert decoded is not None
    assert decoded["contract"] == "Lending"
    assert decoded["event"] == "Borrow"
    assert decoded["args"] == [
        {"name": "account", "type": "address", "value": "0x" + ALICE.hex(), "indexed": True},
        {"name": "asset", "type": "address", "value": "0x" + TOKEN.hex(), "indexed": True},
        {"name": "amount", "type": "uint256", "value": "7", "indexed": False},
    ]


def test_an_event_with_a_missing_indexed_topic_is_not_decoded() -> None:
    topics = [compute_event_topic("Borrow(address,address,uint256)"), bytes(12) + ALICE]
    assert decode_event(addresses.LENDING, topics, encode(["uint256"], [7]), frozenset()) is None


def test_an_event_whose_data_does_not_decode_is_not_decoded() -> None:
    topics = [
        compute_event_topic("Borrow(address,address,uint256)"),
        bytes(12) + ALICE,
        bytes(12) + TOKEN,
    ]
    assert decode_event(addresses.LENDING, topics, b"\x01", frozenset()) is None


def test_a_log_without_topics_is_not_decoded() -> None:
    assert decode_event(addresses.LENDING, [], b"", frozenset()) is None


def test_a_perps_short_is_decoded_with_its_signed_size() -> None:
    data = compute_selector("modifyPosition(address,int256,uint256,uint256)") + encode(
        ["address", "int256", "uint256", "uint256"], [addresses.WETH, -(3 * 10**17), 0, 2**40]
    )
    decoded = decode_call(addresses.PERPS, data, frozenset())
    assert decoded is not None
    assert (decoded["contract"], decoded["function"]) == ("Perps", "modifyPosition")
    assert decoded["args"][1] == {
        "name": "sizeDelta",
        "type": "int256",
        "value": "-300000000000000000",
    }


def test_a_perps_liquidation_event_is_decoded_with_keeper_account_and_asset() -> None:
    topics = [
        compute_event_topic(
            "PositionLiquidated(address,address,address,int256,uint256,uint256,uint256,uint256,"
            "uint256)"
        ),
        bytes(12) + BOB,
        bytes(12) + ALICE,
        bytes(12) + addresses.WETH,
    ]
    data = encode(["int256", "uint256"] + ["uint256"] * 4, [-(10**18), 2_800 * 10**18, 5, 7, 0, 0])
    decoded = decode_event(addresses.PERPS, topics, data, frozenset())
    assert decoded is not None
    assert decoded["event"] == "PositionLiquidated"
    assert [(arg["name"], arg["value"]) for arg in decoded["args"]] == [
        ("keeper", "0x" + BOB.hex()),
        ("account", "0x" + ALICE.hex()),
        ("asset", "0x" + addresses.WETH.hex()),
        ("size", str(-(10**18))),
        ("price", str(2_800 * 10**18)),
        ("keeperReward", "5"),
        ("toFund", "7"),
        ("fundPaid", "0"),
        ("socialized", "0"),
    ]
