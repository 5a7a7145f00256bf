// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "../utils/Test.sol";
import {L2State} from "../../src/prover/L2State.sol";
import {DepositLib} from "../../src/prover/stf/DepositLib.sol";

/// @notice DepositLib against rollup/deposit.py (decode_message with eth_abi's strict decoder,
///         truncate_utf8 + encode_short_string, apply_deposit) on hand-built Dbs.
///         StfTokensVectors.t.sol checks it bit for bit against Python on real witnesses.
contract DepositLibTest is Test {
    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);
    address internal constant L1_TOKEN = address(0x11);
    uint256 internal constant MAX = type(uint256).max;

    bytes32[] internal _keys;
    uint256[][] internal _words;

    // ------------------------------------------------------------------------------------------
    // Db building

    function _leaf(bytes32 _key, uint256[] memory _w) internal {
        _keys.push(_key);
        _words.push(_w);
    }

    function _db() internal view returns (L2State.Db memory db_) {
        db_.leaves = new L2State.Leaf[](_keys.length);
        for (uint256 i = 0; i < _keys.length; i++) {
            db_.leaves[i] = L2State.Leaf(_keys[i], _words[i], true, _words[i]);
        }
        db_.withdrawals = new bytes32[](L2State.MAX_WITHDRAWALS_PER_STEP);
    }

    function _account(address _a, uint256 _eth) internal {
        uint256[] memory w = new uint256[](2);
        w[1] = _eth;
        _leaf(L2State.accountKey(_a), w);
    }

    function _bridgedToken(uint256 _registered, uint256 _supply) internal returns (address t_) {
        t_ = DepositLib.computeBridgedTokenAddress(L1_TOKEN);
        uint256[] memory w = new uint256[](6);
        w[0] = _registered;
        w[1] = _supply;
        if (_registered == 1) {
            w[2] = 6;
            w[3] = uint256(uint160(L1_TOKEN));
            w[4] = uint256(_short("Old"));
        }
        _leaf(L2State.tokenKey(t_), w);
    }

    function _balance(address _t, address _owner, uint256 _amount) internal {
        uint256[] memory w = new uint256[](1);
        w[0] = _amount;
        _leaf(L2State.balanceKey(_t, _owner), w);
    }

    /// @dev encode_short_string: `_text` (at most 32 bytes) left-aligned in a word.
    function _short(bytes memory _text) internal pure returns (bytes32 word_) {
        bytes memory padded = bytes.concat(_text, new bytes(32));
        assembly ("memory-safe") {
            word_ := mload(add(padded, 0x20))
        }
    }

    function _ethPayload(uint256 _amount) internal pure returns (bytes memory) {
        return abi.encode(ALICE, BOB, _amount);
    }

    function _tokenPayload(uint256 _amount, bytes memory _name, bytes memory _symbol, uint256 _dec)
        internal
        pure
        returns (bytes memory)
    {
        // `string` and `bytes` encode alike; bytes lets a test send invalid UTF-8
        return abi.encode(ALICE, BOB, L1_TOKEN, _amount, _name, _symbol, _dec);
    }

    function _set(bytes memory _data, uint256 _offset, uint256 _word)
        internal
        pure
        returns (bytes memory)
    {
        assembly ("memory-safe") {
            mstore(add(add(_data, 0x20), _offset), _word)
        }
        return _data;
    }

    function _cut(bytes memory _data, uint256 _length) internal pure returns (bytes memory) {
        assembly ("memory-safe") {
            mstore(_data, _length)
        }
        return _data;
    }

    // ------------------------------------------------------------------------------------------
    // ETH deposits (kind 1)

    function test_ethDeposit_credits_succeeds() public {
        _account(BOB, 5);
        L2State.Db memory db = _db();
        assertTrue(DepositLib.applyMessageDeposit(db, 1, _ethPayload(7), 0));
        assertEq(L2State.getAccount(db, BOB).balance, 12);
        assertTrue(DepositLib.applyMessageDeposit(db, 1, bytes.concat(_ethPayload(1), hex"ff"), 1));
        assertEq(L2State.getAccount(db, BOB).balance, 13);
    }

    function test_ethDeposit_overflow_skipsUnchanged() public {
        _account(BOB, 5);
        L2State.Db memory db = _db();
        assertFalse(DepositLib.applyMessageDeposit(db, 1, _ethPayload(MAX - 4), 0));
        assertEq(L2State.getAccount(db, BOB).balance, 5);
        assertTrue(DepositLib.applyMessageDeposit(db, 1, _ethPayload(MAX - 5), 0));
        assertEq(L2State.getAccount(db, BOB).balance, MAX);
    }

    function test_ethDeposit_malformed_skipsWithoutReading() public view {
        L2State.Db memory db = _db(); // no leaves: any read would revert MissingWitness
        assertFalse(DepositLib.applyMessageDeposit(db, 1, "", 0));
        assertFalse(DepositLib.applyMessageDeposit(db, 1, _cut(_ethPayload(1), 95), 0));
        assertFalse(DepositLib.applyMessageDeposit(db, 1, _set(_ethPayload(1), 0, MAX), 0));
        assertFalse(
            DepositLib.applyMessageDeposit(db, 1, _set(_ethPayload(1), 32, uint256(1) << 160), 0)
        );
        assertFalse(DepositLib.applyMessageDeposit(db, 0, _ethPayload(1), 0));
        assertFalse(DepositLib.applyMessageDeposit(db, 3, _ethPayload(1), 0));
        assertFalse(DepositLib.applyMessageDeposit(db, 255, _ethPayload(1), 0));
    }

    // ------------------------------------------------------------------------------------------
    // ERC-20 deposits (kind 2)

    function test_tokenDeposit_registersThenMints_succeeds() public {
        address token = _bridgedToken(0, 0);
        _balance(token, BOB, 0);
        L2State.Db memory db = _db();
        assertTrue(DepositLib.applyMessageDeposit(db, 2, _tokenPayload(50, "Alpha", "ALP", 8), 0));
        L2State.Token memory leaf = L2State.getToken(db, token);
        assertEq(leaf.registered, 1);
        assertEq(leaf.totalSupply, 50);
        assertEq(leaf.decimals, 8);
        assertEq(leaf.l1Token, uint256(uint160(L1_TOKEN)));
        assertEq(bytes32(leaf.name), _short("Alpha"));
        assertEq(bytes32(leaf.symbol), _short("ALP"));
        assertEq(L2State.getBalance(db, token, BOB), 50);
        // a second deposit mints; its name, symbol and decimals are ignored
        assertTrue(DepositLib.applyMessageDeposit(db, 2, _tokenPayload(5, "Other", "OTH", 1), 1));
        leaf = L2State.getToken(db, token);
        assertEq(leaf.totalSupply, 55);
        assertEq(leaf.decimals, 8);
        assertEq(bytes32(leaf.name), _short("Alpha"));
        assertEq(L2State.getBalance(db, token, BOB), 55);
    }

    function test_tokenDeposit_supplyOverflow_skipsWithoutReadingBalance() public {
        address token = _bridgedToken(1, MAX); // no balance leaf in the Db
        L2State.Db memory db = _db();
        assertFalse(DepositLib.applyMessageDeposit(db, 2, _tokenPayload(1, "A", "A", 0), 0));
        assertEq(L2State.getToken(db, token).totalSupply, MAX);
    }

    function test_tokenDeposit_balanceOverflow_skipsUnchanged() public {
        address token = _bridgedToken(1, 10);
        _balance(token, BOB, MAX);
        L2State.Db memory db = _db();
        assertFalse(DepositLib.applyMessageDeposit(db, 2, _tokenPayload(1, "A", "A", 0), 0));
        assertEq(L2State.getToken(db, token).totalSupply, 10);
        assertEq(L2State.getBalance(db, token, BOB), MAX);
    }

    function _registeredName(bytes memory _name) internal returns (bytes32) {
        delete _keys;
        delete _words;
        address token = _bridgedToken(0, 0);
        _balance(token, BOB, 0);
        L2State.Db memory db = _db();
        assertTrue(DepositLib.applyMessageDeposit(db, 2, _tokenPayload(1, _name, "", 0), 0));
        return bytes32(L2State.getToken(db, token).name);
    }

    function test_tokenDeposit_truncatesUtf8_succeeds() public {
        bytes memory name32 = "abcdefghijklmnopqrstuvwxyz012345";
        assertEq(_registeredName(name32), _short(name32));
        assertEq(_registeredName(bytes.concat(name32, "6")), _short(name32));
        // "a" + 11 x U+20AC (3 bytes each): 34 bytes, cut inside the 11th -> 31 bytes kept
        bytes memory euros = "a";
        for (uint256 i = 0; i < 11; i++) {
            euros = bytes.concat(euros, hex"e282ac");
        }
        bytes memory kept = new bytes(31);
        for (uint256 i = 0; i < 31; i++) {
            kept[i] = euros[i];
        }
        assertEq(_registeredName(euros), _short(kept));
        // "ab" + 8 x U+1F600 (4 bytes): 34 bytes -> "ab" + 7 emoji (30 bytes)
        bytes memory emoji = "ab";
        for (uint256 i = 0; i < 8; i++) {
            emoji = bytes.concat(emoji, hex"f09f9880");
        }
        bytes memory seven = new bytes(30);
        for (uint256 i = 0; i < 30; i++) {
            seven[i] = emoji[i];
        }
        assertEq(_registeredName(emoji), _short(seven));
        assertEq(_registeredName(""), bytes32(0));
        assertEq(_registeredName(hex"006e00"), _short(hex"006e00"));
    }

    function test_tokenDeposit_invalidUtf8_skips() public view {
        bytes[12] memory bad = [
            bytes(hex"80"),
            hex"c0af",
            hex"c1bf",
            hex"e080af",
            hex"eda080",
            hex"f08080af",
            hex"f4908080",
            hex"f5808080",
            hex"6f6be282",
            hex"e228a1",
            hex"61ff62",
            hex"c2"
        ];
        L2State.Db memory db = _db(); // decoding fails before any read
        for (uint256 i = 0; i < bad.length; i++) {
            assertFalse(DepositLib.applyMessageDeposit(db, 2, _tokenPayload(1, bad[i], "OK", 0), 0));
            assertFalse(DepositLib.applyMessageDeposit(db, 2, _tokenPayload(1, "OK", bad[i], 0), 0));
        }
    }

    function test_isValidUtf8_edgeCodePoints_succeeds() public pure {
        bytes[8] memory good = [
            bytes(hex"7f"),
            hex"c280",
            hex"dfbf",
            hex"e0a080",
            hex"ed9fbf",
            hex"ee8080",
            hex"f0908080",
            hex"f48fbfbf"
        ];
        for (uint256 i = 0; i < good.length; i++) {
            assertTrue(DepositLib.isValidUtf8(good[i], 0, good[i].length));
        }
    }

    function test_tokenDeposit_malformedEncoding_skips() public view {
        L2State.Db memory db = _db();
        bytes memory good = _tokenPayload(5, "Alpha", "ALP", 18);
        assertEq(good.length, 224 + 64 + 64);
        bytes[13] memory malformed = [
            _cut(_tokenPayload(5, "Alpha", "ALP", 18), 223),
            _cut(_tokenPayload(5, "Alpha", "ALP", 18), 224),
            _set(_tokenPayload(5, "Alpha", "ALP", 18), 64, MAX), // dirty l1 token
            _set(_tokenPayload(5, "Alpha", "ALP", 18), 192, 256), // decimals
            _set(_tokenPayload(5, "Alpha", "ALP", 18), 128, 192), // name offset into the head
            _set(_tokenPayload(5, "Alpha", "ALP", 18), 128, 352), // name offset at the end
            _set(_tokenPayload(5, "Alpha", "ALP", 18), 160, MAX), // symbol offset huge
            _set(_tokenPayload(5, "Alpha", "ALP", 18), 224, 100), // name longer than the payload
            _set(_tokenPayload(5, "Alpha", "ALP", 18), 224, MAX), // absurd name length
            _set(_tokenPayload(5, "Alpha", "ALP", 18), 256, uint256(1)), // dirty name padding
            _cut(_tokenPayload(5, "Alpha", "ALP", 18), 351), // symbol padding cut
            _set(_tokenPayload(5, "Alpha", "ALP", 18), 160, 340), // symbol length word cut
            _set(_tokenPayload(5, "Alpha", "ALP", 18), 0, uint256(1) << 200) // dirty sender
        ];
        for (uint256 i = 0; i < malformed.length; i++) {
            assertFalse(DepositLib.applyMessageDeposit(db, 2, malformed[i], 0));
        }
    }

    function test_tokenDeposit_unusualButValidEncodings_succeeds() public {
        address token = _bridgedToken(0, 0);
        _balance(token, BOB, 0);
        L2State.Db memory db = _db();
        bytes memory payload = _tokenPayload(5, "Alpha", "ALP", 18);
        _set(payload, 160, 224); // the symbol reads the name's data
        assertTrue(DepositLib.applyMessageDeposit(db, 2, bytes.concat(payload, hex"ffff"), 0));
        L2State.Token memory leaf = L2State.getToken(db, token);
        assertEq(bytes32(leaf.symbol), _short("Alpha"));
        assertEq(L2State.getBalance(db, token, BOB), 5);
    }
}
