"""rollup.fixedpoint: checked uint256 arithmetic and WAD/RAY fixed point with named rounding."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollup.fixedpoint import (
    RAY,
    SECONDS_PER_YEAR,
    UINT256_MAX,
    WAD,
    ArithmeticOverflow,
    add,
    check_uint256,
    isqrt,
    mul,
    mul_div_down,
    mul_div_up,
    ray_div_down,
    ray_div_up,
    ray_mul_down,
    ray_mul_up,
    sub,
    wad_div_down,
    wad_div_up,
    wad_mul_down,
    wad_mul_up,
)

uint256 = st.integers(min_value=0, max_value=UINT256_MAX)
small = st.integers(min_value=0, max_value=2**128 - 1)
positive_small = st.integers(min_value=1, max_value=2**128 - 1)


def test_constants_are_the_usual_units() -> None:
    assert WAD == 1_000_000_000_000_000_000
    assert RAY == 1_000_000_000_000_000_000_000_000_000
    assert SECONDS_PER_YEAR == 31_536_000  # 365 days
    assert (
        UINT256_MAX
        == 115792089237316195423570985008687907853269984665640564039457584007913129639935
    )


def test_check_uint256_accepts_the_full_range_and_nothing_else() -> None:
    assert check_uint256(0) == 0
    assert check_uint256(UINT256_MAX) == UINT256_MAX
    with pytest.raises(ArithmeticOverflow):
        check_uint256(UINT256_MAX + 1)
    with pytest.raises(ArithmeticOverflow):
        check_uint256(-1)


def test_add_reverts_past_uint256_max() -> None:
    assert add(UINT256_MAX - 1, 1) == UINT256_MAX
    with pytest.raises(ArithmeticOverflow):
        add(UINT256_MAX, 1)


def test_sub_reverts_below_zero() -> None:
    assert sub(5, 5) == 0
    with pytest.raises(ArithmeticOverflow):
        sub(4, 5)


def test_mul_reverts_past_uint256_max() -> None:
    assert mul(2**128, 2**127) == 2**255
    with pytest.raises(ArithmeticOverflow):
        mul(2**128, 2**128)


def test_overflow_is_an_arithmetic_error() -> None:
    assert issubclass(ArithmeticOverflow, ArithmeticError)


def test_mul_div_down_floors_and_mul_div_up_ceils() -> None:
    # 7 * 3 / 2 = 10.5
    assert mul_div_down(7, 3, 2) == 10
    assert mul_div_up(7, 3, 2) == 11


def test_mul_div_up_does_not_round_an_exact_quotient() -> None:
    # 6 * 4 / 3 = 8 exactly
    assert mul_div_down(6, 4, 3) == 8
    assert mul_div_up(6, 4, 3) == 8


def test_mul_div_of_zero_is_zero_in_both_directions() -> None:
    assert mul_div_down(0, 123, 7) == 0
    assert mul_div_up(0, 123, 7) == 0


def test_mul_div_reverts_when_the_product_overflows_even_if_the_quotient_fits() -> None:
    # Solidity computes a * b first: 2**200 * 2**100 overflows although / 2**100 would fit.
    with pytest.raises(ArithmeticOverflow):
        mul_div_down(2**200, 2**100, 2**100)
    with pytest.raises(ArithmeticOverflow):
        mul_div_up(2**200, 2**100, 2**100)


def test_mul_div_by_zero_raises_zero_division() -> None:
    with pytest.raises(ZeroDivisionError):
        mul_div_down(1, 1, 0)
    with pytest.raises(ZeroDivisionError):
        mul_div_up(1, 1, 0)


def test_wad_mul_rounds_in_the_named_direction() -> None:
    # 1.5 * 0.333333333333333333 = 0.4999999999999999995 -> ...999 down, 0.5 up
    third = 333_333_333_333_333_333
    assert wad_mul_down(15 * WAD // 10, third) == 499_999_999_999_999_999
    assert wad_mul_up(15 * WAD // 10, third) == 500_000_000_000_000_000


def test_wad_div_rounds_in_the_named_direction() -> None:
    # 1 / 3 = 0.333...
    assert wad_div_down(WAD, 3 * WAD) == 333_333_333_333_333_333
    assert wad_div_up(WAD, 3 * WAD) == 333_333_333_333_333_334


def test_ray_mul_rounds_in_the_named_direction() -> None:
    # 10 wei * 1.05 RAY = 10.5 wei
    index = RAY * 105 // 100
    assert ray_mul_down(10, index) == 10
    assert ray_mul_up(10, index) == 11


def test_ray_div_rounds_in_the_named_direction() -> None:
    # 10 wei / 1.05 = 9.5238...
    index = RAY * 105 // 100
    assert ray_div_down(10, index) == 9
    assert ray_div_up(10, index) == 10


def test_isqrt_floors_non_squares() -> None:
    assert isqrt(0) == 0
    assert isqrt(1) == 1
    assert isqrt(15) == 3
    assert isqrt(16) == 4
    assert isqrt(17) == 4


def test_isqrt_of_a_uniswap_first_deposit() -> None:
    # 1000 WETH and 3,000,000 USDC (6 decimals): sqrt(1e21 * 3e12) = sqrt(3e33)
    amount0, amount1 = 1_000 * 10**18, 3_000_000 * 10**6
    root = isqrt(amount0 * amount1)
    assert root * root <= amount0 * amount1 < (root + 1) * (root + 1)
    assert root == 54_772_255_750_516_611


def test_isqrt_of_the_largest_uint256() -> None:
    assert isqrt(UINT256_MAX) == 2**128 - 1


def test_isqrt_rejects_values_outside_uint256() -> None:
    with pytest.raises(ArithmeticOverflow):
        isqrt(-1)
    with pytest.raises(ArithmeticOverflow):
        isqrt(UINT256_MAX + 1)


@settings(max_examples=300, deadline=None)
@given(a=small, b=small, denominator=positive_small)
def test_mul_div_down_and_up_bracket_the_exact_quotient(a: int, b: int, denominator: int) -> None:
    down = mul_div_down(a, b, denominator)
    up = mul_div_up(a, b, denominator)
    assert down * denominator <= a * b < (down + 1) * denominator
    assert (up - 1) * denominator < a * b <= up * denominator
    assert up - down == (0 if (a * b) % denominator == 0 else 1)


@settings(max_examples=200, deadline=None)
@given(a=uint256, b=uint256)
def test_checked_operations_agree_with_unbounded_integers_inside_the_range(a: int, b: int) -> None:
    for operation, exact in ((add, a + b), (sub, a - b), (mul, a * b)):
        if 0 <= exact <= UINT256_MAX:
            assert operation(a, b) == exact
        else:
            with pytest.raises(ArithmeticOverflow):
                operation(a, b)


@settings(max_examples=200, deadline=None)
@given(value=uint256)
def test_isqrt_is_the_floor_square_root(value: int) -> None:
    root = isqrt(value)
    assert root * root <= value < (root + 1) * (root + 1)
