"""Checked 256-bit integers and WAD/RAY fixed-point arithmetic.

Every amount in the protocol is a uint256. Every multiplication or division that loses precision
names its rounding direction; the state machine always picks the direction that favours the
protocol (a user's debt rounds up, a user's claim rounds down), as Aave and Compound do. The Solidity
one-step prover uses the same functions with the same directions, so results agree bit for bit.
"""

from __future__ import annotations

UINT256_MAX = 2**256 - 1
WAD = 10**18
RAY = 10**27
HALF_WAD = WAD // 2
SECONDS_PER_YEAR = 365 * 24 * 60 * 60


class ArithmeticOverflow(ArithmeticError):
    """A result left the uint256 range; the enclosing call reverts, as Solidity 0.8 checked math does."""


def check_uint256(value: int) -> int:
    """Return `value` if it is a valid uint256, else raise ArithmeticOverflow."""
    if value < 0 or value > UINT256_MAX:
        raise ArithmeticOverflow("uint256 overflow or underflow")
    return value


def add(a: int, b: int) -> int:
    """Checked a + b."""
    return check_uint256(a + b)


def sub(a: int, b: int) -> int:
    """Checked a - b (reverts on underflow)."""
    return check_uint256(a - b)


def mul(a: int, b: int) -> int:
    """Checked a * b."""
    return check_uint256(a * b)


def mul_div_down(a: int, b: int, denominator: int) -> int:
    """floor(a * b / denominator); the product may not overflow uint256, as in Solidity."""
    if denominator == 0:
        raise ZeroDivisionError("division by zero")
    return check_uint256(a * b) // denominator


def mul_div_up(a: int, b: int, denominator: int) -> int:
    """ceil(a * b / denominator); the product may not overflow uint256, as in Solidity."""
    if denominator == 0:
        raise ZeroDivisionError("division by zero")
    product = check_uint256(a * b)
    return -(-product // denominator)


def wad_mul_down(a: int, b: int) -> int:
    """a * b / WAD, rounded down."""
    return mul_div_down(a, b, WAD)


def wad_mul_up(a: int, b: int) -> int:
    """a * b / WAD, rounded up."""
    return mul_div_up(a, b, WAD)


def wad_div_down(a: int, b: int) -> int:
    """a * WAD / b, rounded down."""
    return mul_div_down(a, WAD, b)


def wad_div_up(a: int, b: int) -> int:
    """a * WAD / b, rounded up."""
    return mul_div_up(a, WAD, b)


def ray_mul_down(a: int, b: int) -> int:
    """a * b / RAY, rounded down."""
    return mul_div_down(a, b, RAY)


def ray_mul_up(a: int, b: int) -> int:
    """a * b / RAY, rounded up."""
    return mul_div_up(a, b, RAY)


def ray_div_down(a: int, b: int) -> int:
    """a * RAY / b, rounded down."""
    return mul_div_down(a, RAY, b)


def ray_div_up(a: int, b: int) -> int:
    """a * RAY / b, rounded up."""
    return mul_div_up(a, RAY, b)


def isqrt(value: int) -> int:
    """floor(sqrt(value)) for a uint256 (Uniswap v2 LP minting)."""
    check_uint256(value)
    if value == 0:
        return 0
    # Newton's method in integers; Python's math.isqrt gives the same floor and is exact.
    import math

    return math.isqrt(value)
