"""rollup.abi.encode_arguments: its word-by-word fast path gives eth_abi's bytes, and falls back to
eth_abi for every other type and for values eth_abi would refuse."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi.abi import encode as abi_encode
from eth_abi.exceptions import EncodingError
from hypothesis import given
from hypothesis import strategies as st

from rollup.abi import encode_arguments, encode_static_words

STATIC_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "uint256": st.integers(min_value=0, max_value=2**256 - 1),
    "address": st.binary(min_size=20, max_size=20),
    "bytes32": st.binary(min_size=32, max_size=32),
    "bool": st.booleans(),
}

typed_values = st.lists(
    st.sampled_from(sorted(STATIC_VALUES)).flatmap(
        lambda abi_type: st.tuples(st.just(abi_type), STATIC_VALUES[abi_type])
    ),
    max_size=8,
)


@given(typed_values)
def test_static_words_equal_eth_abi_encoding(pairs: list[tuple[str, Any]]) -> None:
    types = [abi_type for abi_type, _ in pairs]
    values = [value for _, value in pairs]
    expected = abi_encode(types, values)
    assert encode_static_words(types, values) == expected
    assert encode_arguments(types, values) == expected


def test_uint256_word_is_big_endian() -> None:
    assert encode_arguments(["uint256"], [258]) == bytes(30) + b"\x01\x02"


def test_address_word_is_left_padded() -> None:
    assert encode_arguments(["address"], [b"\xaa" * 20]) == bytes(12) + b"\xaa" * 20


@pytest.mark.parametrize(
    ("types", "values"),
    [
        (["string"], ["USDC"]),
        (["uint8"], [6]),
        (["bytes32"], [b"\x01" * 31]),  # eth_abi right-pads a short bytes32
        (["uint256"], [True]),  # a bool is not a uint256 here: eth_abi decides
    ],
)
def test_other_types_and_values_take_eth_abi(types: list[str], values: list[Any]) -> None:
    assert encode_static_words(types, values) is None


@pytest.mark.parametrize(
    ("types", "values"),
    [
        (["uint256"], [-1]),
        (["uint256"], [2**256]),
        (["address"], [b"\x01" * 19]),
        (["uint256", "uint256"], [1]),
    ],
)
def test_out_of_range_values_raise_eth_abi_errors(types: list[str], values: list[Any]) -> None:
    with pytest.raises(EncodingError):
        encode_arguments(types, values)
