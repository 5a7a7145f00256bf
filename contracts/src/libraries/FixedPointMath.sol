// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title FixedPointMath
/// @notice Checked 256-bit WAD (1e18) and RAY (1e27) fixed-point arithmetic: the Solidity twin of
///         rollup/fixedpoint.py, with the same functions, the same rounding directions and the same
///         failures, so the one-step prover and the Python state machine agree bit for bit.
///         Every function that loses precision names its rounding direction; callers pick the one
///         that favours the protocol (a user's debt rounds up, a user's claim rounds down).
///         Failures are those of Solidity 0.8 checked arithmetic: a zero denominator reverts with
///         Panic(0x12) and is checked first (as in Python), then a product that leaves the uint256
///         range reverts with Panic(0x11) (Python's ArithmeticOverflow).
library FixedPointMath {
    /// @notice 1.0 in WAD precision.
    uint256 internal constant WAD = 1e18;

    /// @notice 1.0 in RAY precision.
    uint256 internal constant RAY = 1e27;

    /// @notice 0.5 in WAD precision.
    uint256 internal constant HALF_WAD = WAD / 2;

    /// @notice Seconds in a 365-day year, the period of yearly rates.
    uint256 internal constant SECONDS_PER_YEAR = 365 days;

    /// @notice floor(_a * _b / _denominator); the product may not overflow uint256.
    /// @param _a           The first factor.
    /// @param _b           The second factor.
    /// @param _denominator The divisor; zero reverts with Panic(0x12).
    /// @return The quotient, rounded down.
    function mulDivDown(uint256 _a, uint256 _b, uint256 _denominator)
        internal
        pure
        returns (uint256)
    {
        _requireNonZeroDenominator(_denominator);
        return (_a * _b) / _denominator;
    }

    /// @notice ceil(_a * _b / _denominator); the product may not overflow uint256.
    /// @param _a           The first factor.
    /// @param _b           The second factor.
    /// @param _denominator The divisor; zero reverts with Panic(0x12).
    /// @return The quotient, rounded up.
    function mulDivUp(uint256 _a, uint256 _b, uint256 _denominator)
        internal
        pure
        returns (uint256)
    {
        _requireNonZeroDenominator(_denominator);
        uint256 product = _a * _b;
        // product / _denominator < 2**256 - 1 whenever the remainder is non-zero, so + 1 is safe.
        return product / _denominator + (product % _denominator == 0 ? 0 : 1);
    }

    /// @notice _a * _b / WAD, rounded down.
    /// @param _a A WAD value (or an amount).
    /// @param _b A WAD value.
    /// @return The product in the precision of `_a`, rounded down.
    function wadMulDown(uint256 _a, uint256 _b) internal pure returns (uint256) {
        return mulDivDown(_a, _b, WAD);
    }

    /// @notice _a * _b / WAD, rounded up.
    /// @param _a A WAD value (or an amount).
    /// @param _b A WAD value.
    /// @return The product in the precision of `_a`, rounded up.
    function wadMulUp(uint256 _a, uint256 _b) internal pure returns (uint256) {
        return mulDivUp(_a, _b, WAD);
    }

    /// @notice _a * WAD / _b, rounded down.
    /// @param _a The dividend.
    /// @param _b The divisor; zero reverts with Panic(0x12).
    /// @return The quotient in WAD precision, rounded down.
    function wadDivDown(uint256 _a, uint256 _b) internal pure returns (uint256) {
        return mulDivDown(_a, WAD, _b);
    }

    /// @notice _a * WAD / _b, rounded up.
    /// @param _a The dividend.
    /// @param _b The divisor; zero reverts with Panic(0x12).
    /// @return The quotient in WAD precision, rounded up.
    function wadDivUp(uint256 _a, uint256 _b) internal pure returns (uint256) {
        return mulDivUp(_a, WAD, _b);
    }

    /// @notice _a * _b / RAY, rounded down.
    /// @param _a A RAY value (or an amount).
    /// @param _b A RAY value.
    /// @return The product in the precision of `_a`, rounded down.
    function rayMulDown(uint256 _a, uint256 _b) internal pure returns (uint256) {
        return mulDivDown(_a, _b, RAY);
    }

    /// @notice _a * _b / RAY, rounded up.
    /// @param _a A RAY value (or an amount).
    /// @param _b A RAY value.
    /// @return The product in the precision of `_a`, rounded up.
    function rayMulUp(uint256 _a, uint256 _b) internal pure returns (uint256) {
        return mulDivUp(_a, _b, RAY);
    }

    /// @notice _a * RAY / _b, rounded down.
    /// @param _a The dividend.
    /// @param _b The divisor; zero reverts with Panic(0x12).
    /// @return The quotient in RAY precision, rounded down.
    function rayDivDown(uint256 _a, uint256 _b) internal pure returns (uint256) {
        return mulDivDown(_a, RAY, _b);
    }

    /// @notice _a * RAY / _b, rounded up.
    /// @param _a The dividend.
    /// @param _b The divisor; zero reverts with Panic(0x12).
    /// @return The quotient in RAY precision, rounded up.
    function rayDivUp(uint256 _a, uint256 _b) internal pure returns (uint256) {
        return mulDivUp(_a, RAY, _b);
    }

    /// @notice floor(sqrt(_value)), as Python's math.isqrt (Uniswap v2 LP minting).
    /// @param _value Any uint256.
    /// @return root The largest integer whose square does not exceed `_value`.
    function sqrt(uint256 _value) internal pure returns (uint256 root) {
        if (_value == 0) return 0;
        // Start above the root: 2**(floor(log2(_value)) / 2 + 1) > sqrt(_value).
        uint256 log2 = 0;
        uint256 rest = _value;
        for (uint256 shift = 128; shift > 0; shift >>= 1) {
            if (rest >> shift != 0) {
                rest >>= shift;
                log2 += shift;
            }
        }
        root = 2 ** ((log2 >> 1) + 1);
        // Newton's method in integers decreases strictly until it reaches the floor of the root.
        uint256 next = (root + _value / root) >> 1;
        while (next < root) {
            root = next;
            next = (root + _value / root) >> 1;
        }
    }

    /// @dev Reverts with Panic(0x12), as Solidity's own division does, when `_denominator` is zero.
    function _requireNonZeroDenominator(uint256 _denominator) private pure {
        if (_denominator == 0) {
            assembly ("memory-safe") {
                mstore(0x00, 0x4e487b71) // bytes4(keccak256("Panic(uint256)"))
                mstore(0x20, 0x12)
                revert(0x1c, 0x24)
            }
        }
    }
}
