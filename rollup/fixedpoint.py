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


# ---------------------------------------------------------------------------------------------
# Signed values (int256). Leaves hold uint256 words, so a signed field is stored as its two's
# complement word (Solidity: `int256(word)` / `uint256(value)`, free casts). Arithmetic on signed
# values is checked against the int256 range, as Solidity 0.8's checked int256 arithmetic; every
# signed division states its rounding (Solidity's `/` truncates toward zero, so the Solidity mirror
# implements floor and ceiling explicitly).

INT256_MAX = 2**255 - 1
INT256_MIN = -(2**255)


def check_int256(value: int) -> int:
    """Return `value` if it is a valid int256, else raise ArithmeticOverflow."""
    if value < INT256_MIN or value > INT256_MAX:
        raise ArithmeticOverflow("int256 overflow or underflow")
    return value


def to_word(value: int) -> int:
    """The two's complement uint256 word of an int256 (Solidity: uint256(int256 value))."""
    return check_int256(value) & UINT256_MAX


def from_word(word: int) -> int:
    """The int256 a two's complement uint256 word encodes (Solidity: int256(uint256 word))."""
    check_uint256(word)
    return word - 2**256 if word > INT256_MAX else word


def to_int(value: int) -> int:
    """A uint256 as int256; reverts above 2**255 - 1 (Solidity: SafeCast.toInt256)."""
    check_uint256(value)
    return check_int256(value)


def signed_add(a: int, b: int) -> int:
    """Checked int256 a + b."""
    return check_int256(a + b)


def signed_sub(a: int, b: int) -> int:
    """Checked int256 a - b."""
    return check_int256(a - b)


def signed_mul(a: int, b: int) -> int:
    """Checked int256 a * b."""
    return check_int256(a * b)


def signed_mul_div_floor(a: int, b: int, denominator: int) -> int:
    """floor(a * b / denominator) toward negative infinity, denominator > 0; the product may not
    overflow int256."""
    if denominator <= 0:
        raise ZeroDivisionError("division by zero")
    return signed_mul(a, b) // denominator


def signed_mul_div_ceil(a: int, b: int, denominator: int) -> int:
    """ceil(a * b / denominator) toward positive infinity, denominator > 0; the product may not
    overflow int256."""
    if denominator <= 0:
        raise ZeroDivisionError("division by zero")
    return -(-signed_mul(a, b) // denominator)
