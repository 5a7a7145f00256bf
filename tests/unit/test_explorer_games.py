"""The settlement page's dispute games (node.explorer.settlement_view.describe_game_event): a
game and its moves folded from DisputeGame logs encoded as the contract emits them."""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode

from l1.contracts.dispute_game import (
    DEFENDED_TOPIC,
    GAME_CANCELLED_TOPIC,
    GAME_CREATED_TOPIC,
    RESOLVED_TOPIC,
    RESPONDED_TOPIC,
    TIMED_OUT_TOPIC,
)
from l1.rpc import L1Log
from node.explorer.settlement_view import describe_game_event

GAME = 3
CHALLENGER = b"\x0c" * 20
DEFENDER = b"\x0d" * 20


def word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def make_log(topics: list[bytes], data: bytes, block: int) -> L1Log:
    return L1Log(b"\x01" * 20, tuple(topics), data, block, b"\x02" * 32, bytes([block]) * 32, 0, 0)


def created(block: int = 10) -> L1Log:
    data = encode(
        ["address", "uint256", "uint256", "bytes32", "bytes32", "uint256"],
        [DEFENDER, 40, 1, b"\x0a" * 32, b"\x0b" * 32, 1024],
    )
    topics = [GAME_CREATED_TOPIC, word(GAME), word(2), bytes(12) + CHALLENGER]
    return make_log(topics, data, block)


def fold(*logs: L1Log) -> dict[int, dict[str, Any]]:
    games: dict[int, dict[str, Any]] = {}
    for log in logs:
        describe_game_event(games, log)
    return games


def test_a_created_game_is_open_with_its_output_and_parties() -> None:
    assert fold(created())[GAME] == {
        "id": GAME,
        "outputIndex": 2,
        "l2Block": 40,
        "challenger": "0x" + CHALLENGER.hex(),
        "defender": "0x" + DEFENDER.hex(),
        "status": "open",
        "moves": [],
    }


def test_moves_are_listed_in_l1_order_and_a_proof_ends_the_game() -> None:
    defend = make_log(
        [DEFENDED_TOPIC, word(GAME)],
        encode(["uint256", "bytes32", "uint256"], [512, b"\x0e" * 32, 9]),
        11,
    )
    respond = make_log(
        [RESPONDED_TOPIC, word(GAME)],
        encode(["bool", "uint256", "uint256", "uint256"], [False, 0, 512, 4]),
        12,
    )
    resolved = make_log(
        [RESOLVED_TOPIC, word(GAME)], encode(["uint8", "bytes32"], [2, b"\x0f" * 32]), 13
    )
    game = fold(created(), defend, respond, resolved)[GAME]
    assert game["status"] == "challenger_won"
    assert [(move["kind"], move["l1Block"]) for move in game["moves"]] == [
        ("defend", 11),
        ("respond", 12),
        ("one-step proof", 13),
    ]
    assert game["moves"][0]["position"] == 512
    assert (game["moves"][1]["agree"], game["moves"][1]["lo"], game["moves"][1]["hi"]) == (
        False,
        0,
        512,
    )


def test_a_timeout_names_the_loser_and_the_result() -> None:
    timed_out = make_log([TIMED_OUT_TOPIC, word(GAME)], encode(["uint8", "uint8"], [1, 3]), 20)
    game = fold(created(), timed_out)[GAME]
    assert game["status"] == "defender_won"
    assert game["moves"][-1]["kind"] == "timeout"
    assert game["moves"][-1]["loser"] == "challenger"


def test_a_cancelled_game_says_so() -> None:
    cancelled = make_log([GAME_CANCELLED_TOPIC, word(GAME)], b"", 21)
    assert fold(created(), cancelled)[GAME]["status"] == "cancelled"


def test_moves_of_a_game_created_before_the_lookback_are_left_out() -> None:
    cancelled = make_log([GAME_CANCELLED_TOPIC, word(GAME)], b"", 21)
    assert fold(cancelled) == {}
