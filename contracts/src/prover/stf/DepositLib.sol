// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {L2State} from "../L2State.sol";
import {TokenLib} from "./TokenLib.sol";

/// @title DepositLib
/// @notice L1 -> L2 deposits (rollup/deposit.py: decode_message + apply_deposit) on a one-step
///         proof's state. A message Python skips (InvalidMessage from decoding, ArithmeticOverflow
///         while minting) returns false with the Db unchanged; decoding reads no leaf, and minting
///         reads exactly the leaves apply_deposit reads, in its order, before the failing add.
///
///         Decoding mirrors eth_abi 6 `decode(types, payload)` in strict mode:
///         - every head word must be present (payload at least 32 × head words); trailing bytes
///           are ignored;
///         - an address word must have its high 12 bytes zero, a uint8 word its high 31 bytes;
///         - a string offset must point past the head and inside the payload
///           (head ≤ offset < length); its length word must be inside the payload, its data and
///           zero padding up to a multiple of 32 bytes too; its bytes must be well-formed UTF-8
///           (Python's strict codec: no overlong forms, no surrogates, nothing above U+10FFFF).
library DepositLib {
    uint8 internal constant KIND_ETH_DEPOSIT = 1;
    uint8 internal constant KIND_ERC20_DEPOSIT = 2;

    /// @dev Head words of the kind-2 payload (address,address,address,uint256,string,string,uint8).
    uint256 private constant TOKEN_HEAD = 7 * 32;

    /// @notice A decoded kind-2 payload (rollup.deposit.TokenDeposit, name and symbol as the
    ///         left-aligned words apply_deposit stores after truncate_utf8).
    struct TokenDeposit {
        address recipient;
        address l1Token;
        uint256 amount;
        uint256 name;
        uint256 symbol;
        uint256 decimals;
    }

    /// @notice Applies queue message `_queueIndex` of kind `_kind` (1 ETH, 2 ERC-20) to `_db`.
    ///         Any other kind returns false (Python: InvalidMessage); forced transactions (kind 3)
    ///         are the runner's, not this library's.
    /// @return applied_ Whether the deposit was applied (false: skipped, Db unchanged).
    function applyMessageDeposit(
        L2State.Db memory _db,
        uint8 _kind,
        bytes memory _payload,
        uint256 _queueIndex
    ) internal pure returns (bool applied_) {
        _queueIndex; // only in the DepositFinalized log, which the step machine does not produce
        if (_kind == KIND_ETH_DEPOSIT) {
            (bool ok, address recipient, uint256 amount) = decodeEthDeposit(_payload);
            if (!ok) return false;
            return _applyEth(_db, recipient, amount);
        }
        if (_kind == KIND_ERC20_DEPOSIT) {
            (bool ok, TokenDeposit memory deposit) = decodeTokenDeposit(_payload);
            if (!ok) return false;
            return _applyToken(_db, deposit);
        }
        return false;
    }

    /// @notice rollup.deposit.compute_bridged_token_address.
    function computeBridgedTokenAddress(address _l1Token) internal pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encodePacked("bridged-token", _l1Token)))));
    }

    // ------------------------------------------------------------------------------------------
    // Applying (rollup.deposit.apply_deposit)

    function _applyEth(L2State.Db memory _db, address _recipient, uint256 _amount)
        private
        pure
        returns (bool)
    {
        L2State.Account memory account = L2State.getAccount(_db, _recipient);
        (bool ok, uint256 balance) = _add(account.balance, _amount);
        if (!ok) return false;
        account.balance = balance;
        L2State.setAccount(_db, _recipient, account);
        return true;
    }

    function _applyToken(L2State.Db memory _db, TokenDeposit memory _deposit)
        private
        pure
        returns (bool)
    {
        address l2Token = computeBridgedTokenAddress(_deposit.l1Token);
        L2State.Token memory leaf = L2State.getToken(_db, l2Token);
        if (leaf.registered == 0) {
            leaf = L2State.Token({
                registered: 1,
                totalSupply: 0,
                decimals: _deposit.decimals,
                l1Token: uint256(uint160(_deposit.l1Token)),
                name: _deposit.name,
                symbol: _deposit.symbol
            });
        }
        // mint_tokens: get_token (reverts unless registered, as Python's Revert would escape),
        // supply += amount, then the balance (read only if the supply did not overflow).
        require(leaf.registered == 1, "not a registered token");
        (bool ok, uint256 supply) = _add(leaf.totalSupply, _deposit.amount);
        if (!ok) return false;
        uint256 balance = L2State.getBalance(_db, l2Token, _deposit.recipient);
        (ok, balance) = _add(balance, _deposit.amount);
        if (!ok) return false;
        leaf.totalSupply = supply;
        L2State.setToken(_db, l2Token, leaf);
        L2State.setBalance(_db, l2Token, _deposit.recipient, balance);
        return true;
    }

    function _add(uint256 _a, uint256 _b) private pure returns (bool, uint256) {
        unchecked {
            uint256 c = _a + _b;
            return (c >= _a, c);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Decoding (rollup.deposit.decode_message with eth_abi's strict decoder)

    /// @notice Kind 1: abi (address sender, address recipient, uint256 amount).
    function decodeEthDeposit(bytes memory _payload)
        internal
        pure
        returns (bool ok_, address recipient_, uint256 amount_)
    {
        if (_payload.length < 3 * 32) return (false, address(0), 0);
        uint256 sender = _word(_payload, 0);
        uint256 recipient = _word(_payload, 32);
        if (sender >> 160 != 0 || recipient >> 160 != 0) return (false, address(0), 0);
        // forge-lint: disable-next-line(unsafe-typecast)
        return (true, address(uint160(recipient)), _word(_payload, 64)); // high bits checked
    }

    /// @notice Kind 2: abi (address sender, address recipient, address l1Token, uint256 amount,
    ///         string name, string symbol, uint8 decimals).
    function decodeTokenDeposit(bytes memory _payload)
        internal
        pure
        returns (bool ok_, TokenDeposit memory deposit_)
    {
        uint256 length = _payload.length;
        if (length < TOKEN_HEAD) return (false, deposit_);
        for (uint256 i = 0; i < 3; i++) {
            if (_word(_payload, i * 32) >> 160 != 0) return (false, deposit_);
        }
        uint256 decimals = _word(_payload, 6 * 32);
        if (decimals >> 8 != 0) return (false, deposit_);
        uint256 nameOffset = _word(_payload, 4 * 32);
        uint256 symbolOffset = _word(_payload, 5 * 32);
        // TupleDecoder.validate_pointers: head <= offset < len(payload), both before any tail.
        if (nameOffset < TOKEN_HEAD || nameOffset >= length) return (false, deposit_);
        if (symbolOffset < TOKEN_HEAD || symbolOffset >= length) return (false, deposit_);
        bool ok;
        (ok, deposit_.name) = _decodeShortString(_payload, nameOffset);
        if (!ok) return (false, deposit_);
        (ok, deposit_.symbol) = _decodeShortString(_payload, symbolOffset);
        if (!ok) return (false, deposit_);
        deposit_.recipient = address(uint160(_word(_payload, 32)));
        deposit_.l1Token = address(uint160(_word(_payload, 64)));
        deposit_.amount = _word(_payload, 96);
        deposit_.decimals = decimals;
        return (true, deposit_);
    }

    /// @dev The string at `_offset` (offset < length): checks it as eth_abi's strict
    ///      StringDecoder does and returns encode_short_string(truncate_utf8(text)).
    function _decodeShortString(bytes memory _payload, uint256 _offset)
        private
        pure
        returns (bool, uint256)
    {
        uint256 length = _payload.length;
        if (length - _offset < 32) return (false, 0); // length word cut short
        uint256 size = _word(_payload, _offset);
        uint256 start = _offset + 32;
        if (size > length - start) return (false, 0); // data cut short (or absurd size)
        uint256 padded = (size + 31) / 32 * 32;
        if (padded > length - start) return (false, 0); // padding cut short
        for (uint256 i = start + size; i < start + padded; i++) {
            if (_payload[i] != 0) return (false, 0);
        }
        if (!isValidUtf8(_payload, start, size)) return (false, 0);
        return (true, _shortString(_payload, start, _truncatedLength(_payload, start, size)));
    }

    /// @notice Whether `_data[_start.._start+_size)` is well-formed UTF-8 (Unicode Table 3-7,
    ///         which CPython's strict UTF-8 codec implements).
    function isValidUtf8(bytes memory _data, uint256 _start, uint256 _size)
        internal
        pure
        returns (bool)
    {
        uint256 i = _start;
        uint256 end = _start + _size;
        while (i < end) {
            uint8 lead = uint8(_data[i]);
            if (lead < 0x80) {
                i++;
                continue;
            }
            uint256 n;
            uint8 low = 0x80;
            uint8 high = 0xBF;
            if (lead >= 0xC2 && lead <= 0xDF) {
                n = 2;
            } else if (lead >= 0xE0 && lead <= 0xEF) {
                n = 3;
                if (lead == 0xE0) low = 0xA0; // no overlong forms
                if (lead == 0xED) high = 0x9F; // no surrogates
            } else if (lead >= 0xF0 && lead <= 0xF4) {
                n = 4;
                if (lead == 0xF0) low = 0x90; // no overlong forms
                if (lead == 0xF4) high = 0x8F; // nothing above U+10FFFF
            } else {
                return false; // continuation byte, C0/C1, F5..FF
            }
            if (end - i < n) return false;
            uint8 second = uint8(_data[i + 1]);
            if (second < low || second > high) return false;
            for (uint256 k = 2; k < n; k++) {
                uint8 next = uint8(_data[i + k]);
                if (next < 0x80 || next > 0xBF) return false;
            }
            i += n;
        }
        return true;
    }

    /// @dev truncate_utf8(text, 32) of well-formed UTF-8: the first 32 bytes, minus a trailing
    ///      incomplete character (errors="ignore" drops exactly that).
    function _truncatedLength(bytes memory _data, uint256 _start, uint256 _size)
        private
        pure
        returns (uint256)
    {
        if (_size <= 32) return _size;
        uint256 p = 31;
        while (uint8(_data[_start + p]) & 0xC0 == 0x80) p--;
        uint8 lead = uint8(_data[_start + p]);
        uint256 n = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
        return p + n > 32 ? p : 32;
    }

    /// @dev encode_short_string: `_size` (≤ 32) bytes at `_start`, left-aligned in a word.
    function _shortString(bytes memory _data, uint256 _start, uint256 _size)
        private
        pure
        returns (uint256 word_)
    {
        if (_size == 0) return 0;
        assembly ("memory-safe") {
            word_ := mload(add(add(_data, 0x20), _start))
        }
        if (_size < 32) word_ &= ~(type(uint256).max >> (8 * _size));
    }

    function _word(bytes memory _data, uint256 _offset) private pure returns (uint256 w_) {
        assembly ("memory-safe") {
            w_ := mload(add(add(_data, 0x20), _offset))
        }
    }
}
