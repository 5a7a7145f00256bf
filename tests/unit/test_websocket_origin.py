"""Which browser pages may open a WebSocket to the node (node.websocket.is_origin_allowed)."""

from __future__ import annotations

from node.websocket import is_origin_allowed


def test_a_client_without_an_origin_is_let_in() -> None:
    assert is_origin_allowed(None, (), "127.0.0.1:8545")


def test_the_nodes_own_page_is_let_in_without_allow_origin() -> None:
    assert is_origin_allowed("http://127.0.0.1:8545", (), "127.0.0.1:8545")


def test_a_page_from_another_port_of_the_same_host_is_refused() -> None:
    assert not is_origin_allowed("http://127.0.0.1:8546", (), "127.0.0.1:8545")


def test_a_page_from_an_allowed_origin_is_let_in() -> None:
    allowed = ("https://app.example",)
    assert is_origin_allowed("https://app.example", allowed, "127.0.0.1:8545")


def test_a_page_from_another_origin_is_refused() -> None:
    assert not is_origin_allowed("https://evil.example", ("https://app.example",), "node:8545")


def test_any_origin_is_let_in_with_a_wildcard() -> None:
    assert is_origin_allowed("https://evil.example", ("*",), None)
