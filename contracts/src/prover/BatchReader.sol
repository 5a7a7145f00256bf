// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {LibZip} from "solady/utils/LibZip.sol";

/// @title BatchReader
/// @notice Reads L2 transactions out of posted batches for the one-step proof
///         (docs/FRAUD_PROOFS.md §1), accepting exactly what the cursor readers of rollup/batch.py
///         accept (decompress_batch, read_payload_header, read_block_header, read_transaction),
///         and signed transactions exactly as rollup.transaction.decode_transaction /
///         recover_sender do. Nothing here reverts on bad input: every reader returns ok = false
///         instead (the values returned with ok = false mean nothing).
///
///         The batch format (rollup/batch.py): batch = 0x01 ‖ FastLZ(payload); payload =
///         first_block_number, parent_hash (32), block_count, dictionary count, count × 20-byte
///         addresses, then per block: timestamp delta, origin delta, tx count, and per transaction:
///         type (1 byte), nonce, max priority fee, max fee, gas limit, dictionary index of `to`,
///         value, data length, data, [types 1, 2: access list count, per entry address (20), key
///         count, keys (32 each)], r (32) ‖ s (32) with the y parity in the top bit of s. Integers
///         are canonical unsigned LEB128 varints (no final 0x00 group), uint256 for transaction
///         integers, uint64 for everything else.
///
///         Checked here: every rule one piece can be checked by alone. Not checked (decode_payload
///         checks them on the whole batch): the dictionary's first-use order and unused entries,
///         the batch's total transaction count, timestamps and origins staying uint64 after the
///         deltas, nothing trailing the last block.
library BatchReader {
    /// @notice signingHash of a transaction no encoding exists for (as
    ///         rollup.transaction.compute_signing_hash raises InvalidTransaction).
    error UnsupportedTransactionType(uint8 txType);
    /// @notice signingHash of a type 0 or 1 transaction whose two fee fields differ.
    error TwoGasPrices();
    /// @notice signingHash of a legacy transaction with an access list.
    error LegacyAccessList();

    uint8 internal constant BATCH_VERSION = 0x01;
    /// @notice rollup.batch.MAX_BATCH_BYTES: the largest batch, version byte included.
    uint256 internal constant MAX_BATCH_BYTES = 120_000;
    /// @notice rollup.batch.MAX_PAYLOAD_BYTES: the largest decompressed payload.
    uint256 internal constant MAX_PAYLOAD_BYTES = 192 * 1024;
    uint256 internal constant MAX_BATCH_BLOCKS = 3_600;
    uint256 internal constant MAX_BATCH_TRANSACTIONS = 2_000;
    /// @notice rollup.transaction.MAX_TRANSACTION_SIZE: the largest raw signed transaction.
    uint256 internal constant MAX_TRANSACTION_SIZE = 128 * 1024;

    uint8 internal constant TX_TYPE_LEGACY = 0;
    uint8 internal constant TX_TYPE_ACCESS_LIST = 1;
    uint8 internal constant TX_TYPE_DYNAMIC_FEE = 2;

    uint256 internal constant SECP256K1_N =
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    uint256 internal constant SECP256K1_HALF_N = SECP256K1_N / 2;

    /// @dev EIP-155: v = chain_id * 2 + 35 + y_parity.
    uint256 private constant EIP155_V_OFFSET = 35;
    /// @dev The y parity rides in the top bit of a batch transaction's s.
    uint256 private constant S_MASK = (1 << 255) - 1;
    /// @dev A cursor position after a failed read; every later read from it fails too.
    uint256 private constant BAD = type(uint256).max;
    uint256 private constant ADDRESS_LENGTH = 20;
    uint256 private constant WORD = 32;
    uint256 private constant SIGNATURE_LENGTH = 64;
    /// @dev The least an access list entry takes in a payload: address (20) + key count (1).
    uint256 private constant MIN_ENTRY_LENGTH = 21;
    uint256 private constant UINT64_BITS = 64;
    uint256 private constant UINT256_BITS = 256;
    /// @dev RLP: a storage key is exactly 0xa0 ‖ 32 bytes, an address 0x94 ‖ 20 bytes.
    uint256 private constant RLP_KEY_LENGTH = 33;
    uint256 private constant RLP_KEY_PREFIX = 0xa0;

    struct AccessListEntry {
        address addr;
        bytes32[] keys;
    }

    /// @notice A signed L2 transaction (rollup.transaction.Transaction). Types 0 and 1 hold their
    ///         single gas price in both fee fields. `isCreate` is Python's `to is None` (contract
    ///         creation; `to` is then zero): a forced transaction may carry one, a batch cannot.
    struct L2Tx {
        uint8 txType;
        uint256 chainId;
        uint256 nonce;
        uint256 maxPriorityFeePerGas;
        uint256 maxFeePerGas;
        uint256 gasLimit;
        address to;
        uint256 value;
        bytes data;
        AccessListEntry[] accessList;
        uint256 yParity;
        bytes32 r;
        bytes32 s;
        bool isCreate;
    }

    /// @notice A payload's header (rollup.batch.PayloadHeader); `bodyOffset` is the offset of its
    ///         first block header.
    struct PayloadHeader {
        uint256 firstBlockNumber;
        bytes32 parentHash;
        uint256 blockCount;
        address[] dictionary;
        uint256 bodyOffset;
    }

    /// @dev An RLP item found in raw bytes: its kind, where its payload starts, where it ends.
    struct RlpItem {
        bool isList;
        uint256 start;
        uint256 end;
    }

    // --- batches ---------------------------------------------------------------------------------

    /// @notice The payload of a batch as posted (rollup.batch.decompress_batch): 1 to
    ///         MAX_BATCH_BYTES bytes, version byte 0x01, then FastLZ data that decodes, with no
    ///         token cut short by the end and no copy reaching before the output's start, to at
    ///         most MAX_PAYLOAD_BYTES bytes. LibZip.flzDecompress does the decoding once a scan of
    ///         the tokens has checked all that (it checks none of it).
    function decompress(bytes memory _batch) internal pure returns (bool ok, bytes memory payload) {
        uint256 length = _batch.length;
        if (length == 0 || length > MAX_BATCH_BYTES || uint8(_batch[0]) != BATCH_VERSION) {
            return (false, payload);
        }
        if (!_validFastLz(_batch)) return (false, payload);
        // LibZip reads `_batch` without its version byte: the word at _batch + 1 becomes the
        // length of _batch[1:] for the call, and is put back after.
        uint256 saved;
        bytes memory body;
        assembly ("memory-safe") {
            body := add(_batch, 1)
            saved := mload(body)
            mstore(body, sub(length, 1))
        }
        payload = LibZip.flzDecompress(body);
        assembly ("memory-safe") {
            mstore(body, saved)
        }
        return (true, payload);
    }

    /// @notice Reads a payload's header (rollup.batch.read_payload_header): the payload is at most
    ///         MAX_PAYLOAD_BYTES; uint64 first block number, 32-byte parent hash, block count in
    ///         [1, MAX_BATCH_BLOCKS], dictionary of at most MAX_BATCH_TRANSACTIONS distinct
    ///         addresses.
    function readHeader(bytes memory _payload)
        internal
        pure
        returns (bool ok, PayloadHeader memory h)
    {
        uint256 length = _payload.length;
        if (length > MAX_PAYLOAD_BYTES) return (false, h);
        uint256 pos;
        (h.firstBlockNumber, pos) = _varint(_payload, 0, UINT64_BITS);
        pos = _skip(length, pos, WORD);
        if (pos == BAD) return (false, h);
        h.parentHash = bytes32(_word(_payload, pos - WORD));
        (h.blockCount, pos) = _varint(_payload, pos, UINT64_BITS);
        if (pos == BAD || h.blockCount == 0 || h.blockCount > MAX_BATCH_BLOCKS) return (false, h);
        uint256 entries;
        (entries, pos) = _varint(_payload, pos, UINT64_BITS);
        if (pos == BAD || entries > MAX_BATCH_TRANSACTIONS) return (false, h);
        uint256 start = pos;
        pos = _skip(length, pos, entries * ADDRESS_LENGTH);
        if (pos == BAD) return (false, h);
        h.dictionary = _addresses(_payload, start, entries);
        if (_hasDuplicate(h.dictionary, _hash(_payload, start, entries * ADDRESS_LENGTH))) {
            return (false, h);
        }
        h.bodyOffset = pos;
        return (true, h);
    }

    /// @notice Reads the block header at `_offset` (rollup.batch.read_block_header): uint64
    ///         timestamp delta, uint64 origin delta, tx count of at most MAX_BATCH_TRANSACTIONS;
    ///         `next` is the offset after them.
    function readBlockHeader(bytes memory _payload, uint256 _offset)
        internal
        pure
        returns (bool ok, uint256 timestampDelta, uint256 originDelta, uint256 txCount, uint256 next)
    {
        (timestampDelta, next) = _varint(_payload, _offset, UINT64_BITS);
        (originDelta, next) = _varint(_payload, next, UINT64_BITS);
        (txCount, next) = _varint(_payload, next, UINT64_BITS);
        ok = next != BAD && txCount <= MAX_BATCH_TRANSACTIONS;
    }

    /// @notice Reads the transaction at `_offset` (rollup.batch.read_transaction) with the batch's
    ///         dictionary; the transaction gets `_chainId`. `next` is the offset after it.
    function readTransaction(
        bytes memory _payload,
        uint256 _offset,
        address[] memory _dictionary,
        uint256 _chainId
    ) internal pure returns (bool ok, L2Tx memory l2tx, uint256 next) {
        if (_offset >= _payload.length) return (false, l2tx, 0);
        uint256 txType = _byteAt(_payload, _offset);
        if (txType > TX_TYPE_DYNAMIC_FEE) return (false, l2tx, 0);
        // forge-lint: disable-next-line(unsafe-typecast)
        l2tx.txType = uint8(txType); // at most 2, checked above
        l2tx.chainId = _chainId;
        next = _readFees(_payload, _offset + 1, l2tx);
        if (next == BAD) return (false, l2tx, 0);
        uint256 index;
        (index, next) = _varint(_payload, next, UINT64_BITS);
        if (next == BAD || index >= _dictionary.length) return (false, l2tx, 0);
        l2tx.to = _dictionary[index];
        (l2tx.value, next) = _varint(_payload, next, UINT256_BITS);
        (l2tx.data, next) = _readData(_payload, next);
        if (txType != TX_TYPE_LEGACY) (l2tx.accessList, next) = _readAccessList(_payload, next);
        next = _readSignature(_payload, next, l2tx);
        if (next == BAD) return (false, l2tx, 0);
        return (true, l2tx, next);
    }

    // --- signatures ------------------------------------------------------------------------------

    /// @notice The hash the sender signed (rollup.transaction.compute_signing_hash): keccak of
    ///         rlp([nonce, gasPrice, gasLimit, to, value, data, chainId, 0, 0]) for legacy
    ///         (EIP-155), of 0x01 ‖ rlp([chainId, nonce, gasPrice, gasLimit, to, value, data,
    ///         accessList]) and 0x02 ‖ rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas,
    ///         gasLimit, to, value, data, accessList]). `to` is empty for a contract creation.
    ///         Reverts where Python raises: type above 2, two gas prices for type 0 or 1, a legacy
    ///         access list.
    function signingHash(L2Tx memory _tx) internal pure returns (bytes32 hash) {
        hash = keccak256(_encode(_tx, false));
    }

    /// @notice The transaction's hash (rollup.transaction.compute_transaction_hash): keccak of
    ///         its signed encoding, rlp([nonce, gasPrice, gasLimit, to, value, data, v, r, s])
    ///         with v = chainId * 2 + 35 + yParity for legacy, type ‖ rlp([...the signed fields,
    ///         accessList, yParity, r, s]) for types 1 and 2. Reverts as signingHash does.
    function transactionHash(L2Tx memory _tx) internal pure returns (bytes32 hash) {
        hash = keccak256(_encode(_tx, true));
    }

    /// @dev The transaction's RLP encoding, with its signature (`_signed`) or as signed.
    function _encode(L2Tx memory _tx, bool _signed) private pure returns (bytes memory message) {
        _checkEncodable(_tx);
        uint256 txType = _tx.txType;
        uint256 fieldsLength = _fieldsLength(_tx, _signed);
        // type byte (typed only) ‖ list prefix ‖ fields, written once into one buffer
        message = new bytes(
            (txType == TX_TYPE_LEGACY ? 0 : 1) + _prefixLength(fieldsLength) + fieldsLength
        );
        uint256 p;
        assembly ("memory-safe") {
            p := add(message, 0x20)
        }
        if (txType != TX_TYPE_LEGACY) p = _writeByte(p, txType);
        p = _writePrefix(p, fieldsLength, 0xc0);
        if (txType != TX_TYPE_LEGACY) p = _writeUint(p, _tx.chainId);
        p = _writeUint(p, _tx.nonce);
        if (txType == TX_TYPE_DYNAMIC_FEE) p = _writeUint(p, _tx.maxPriorityFeePerGas);
        p = _writeUint(p, _tx.maxFeePerGas);
        p = _writeUint(p, _tx.gasLimit);
        if (_tx.isCreate) {
            p = _writeByte(p, 0x80);
        } else {
            p = _writeByte(p, 0x94);
            p = _writeWord(p, uint256(uint160(_tx.to)) << 96, ADDRESS_LENGTH);
        }
        p = _writeUint(p, _tx.value);
        p = _writeBytes(p, _tx.data);
        if (txType == TX_TYPE_LEGACY) {
            if (_signed) {
                p = _writeUint(p, _legacyV(_tx));
            } else {
                p = _writeUint(p, _tx.chainId);
                p = _writeByte(p, 0x80);
                _writeByte(p, 0x80);
                return message;
            }
        } else {
            p = _writeAccessList(p, _tx.accessList);
            if (!_signed) return message;
            p = _writeUint(p, _tx.yParity);
        }
        p = _writeUint(p, uint256(_tx.r));
        _writeUint(p, uint256(_tx.s));
    }

    /// @dev EIP-155's v of a legacy transaction.
    function _legacyV(L2Tx memory _tx) private pure returns (uint256) {
        return _tx.chainId * 2 + EIP155_V_OFFSET + _tx.yParity;
    }

    /// @notice The signer of `_tx` (rollup.transaction.recover_sender): ok only for a transaction
    ///         signingHash encodes, y parity 0 or 1, 0 < r < n, 0 < s <= n / 2 (EIP-2), and a
    ///         signature that recovers (ecrecover returns a non-zero address).
    function recoverSender(L2Tx memory _tx) internal pure returns (bool ok, address sender) {
        if (!_encodable(_tx) || _tx.yParity > 1) return (false, address(0));
        uint256 r = uint256(_tx.r);
        uint256 s = uint256(_tx.s);
        if (r == 0 || r >= SECP256K1_N || s == 0 || s > SECP256K1_HALF_N) {
            return (false, address(0));
        }
        sender = ecrecover(signingHash(_tx), uint8(27 + _tx.yParity), _tx.r, _tx.s);
        ok = sender != address(0);
    }

    // --- signed transactions (RLP) ---------------------------------------------------------------

    /// @notice Decodes a raw signed transaction (rollup.transaction.decode_transaction), as a
    ///         forced transaction on the Bridge carries it: at most MAX_TRANSACTION_SIZE bytes;
    ///         a legacy EIP-155 list of 9 fields (v >= 35; chainId and yParity from v) or 0x01 ‖
    ///         list of 11 fields or 0x02 ‖ list of 12 fields, spanning the input exactly; canonical
    ///         RLP; integers at most 32 bytes without a leading zero; `to` 20 bytes or empty
    ///         (isCreate); typed y parity 0 or 1; access list entries [20-byte address, [32-byte
    ///         keys]]. The signature is not checked (recoverSender does).
    function decodeSignedTransaction(bytes memory _raw)
        internal
        pure
        returns (bool ok, L2Tx memory l2tx)
    {
        uint256 length = _raw.length;
        if (length == 0 || length > MAX_TRANSACTION_SIZE) return (false, l2tx);
        uint256 first = _byteAt(_raw, 0);
        if (first >= 0xc0) {
            ok = _decodeLegacy(_raw, l2tx);
        } else if (first == TX_TYPE_ACCESS_LIST || first == TX_TYPE_DYNAMIC_FEE) {
            // forge-lint: disable-next-line(unsafe-typecast)
            ok = _decodeTyped(_raw, uint8(first), l2tx); // 1 or 2
        }
    }

    // --- batch internals -------------------------------------------------------------------------

    /// @dev Whether _batch[1:] is a FastLZ stream rollup.fastlz.decompress accepts with
    ///      max_output MAX_PAYLOAD_BYTES: every token whole, every copy distance at most the output
    ///      so far, the output at most MAX_PAYLOAD_BYTES. Only the distance is checked per token:
    ///      a token cut short is the last one and leaves the cursor past the end, and the output
    ///      size only grows, so those two are checked once, after the scan.
    function _validFastLz(bytes memory _batch) private pure returns (bool valid) {
        uint256 maxOutput = MAX_PAYLOAD_BYTES;
        assembly ("memory-safe") {
            let data := add(_batch, 0x20)
            let n := mload(_batch)
            let size := 0
            let i := 1
            valid := 1
            for {} lt(i, n) {} {
                let w := mload(add(data, i))
                let c := byte(0, w)
                let kind := shr(5, c)
                if iszero(kind) {
                    // c + 1 literal bytes
                    size := add(size, add(c, 1))
                    i := add(i, add(c, 2))
                    continue
                }
                // a copy: kind + 2 bytes (kind 1..6) or byte 1 + 9 (kind 7), from distance
                // ((c & 31) << 8 | the next byte after the length) + 1
                let long := eq(kind, 7)
                if iszero(lt(or(shl(8, and(c, 31)), byte(add(1, long), w)), size)) {
                    valid := 0
                    break
                }
                size := add(size, add(2, xor(kind, mul(long, xor(kind, add(7, byte(1, w)))))))
                i := add(i, add(2, long))
            }
            valid := and(valid, and(eq(i, n), iszero(gt(size, maxOutput))))
        }
    }

    /// @dev The `_count` 20-byte addresses at `_start` of `_payload` (bounds checked by the caller).
    function _addresses(bytes memory _payload, uint256 _start, uint256 _count)
        private
        pure
        returns (address[] memory dictionary)
    {
        dictionary = new address[](_count);
        assembly ("memory-safe") {
            let source := add(add(_payload, 0x20), _start)
            let target := add(dictionary, 0x20)
            for { let i := 0 } lt(i, _count) { i := add(i, 1) } {
                mstore(add(target, shl(5, i)), shr(96, mload(add(source, mul(i, 20)))))
            }
        }
    }

    /// @dev Whether two entries of `_dictionary` are equal: an open-addressing hash set in free
    ///      memory (2 bytes a slot: entry index + 1, at least twice as many slots as entries),
    ///      slots chosen by keccak(salt, address). The salt is the hash of the whole dictionary,
    ///      so a batch poster cannot aim many addresses at one slot (no quadratic worst case).
    function _hasDuplicate(address[] memory _dictionary, bytes32 _salt)
        private
        pure
        returns (bool duplicate)
    {
        uint256 count = _dictionary.length;
        if (count < 2) return false;
        assembly ("memory-safe") {
            let slots := 4
            for {} lt(slots, shl(1, count)) {} { slots := shl(1, slots) }
            let mask := sub(slots, 1)
            let table := mload(0x40) // scratch: never allocated, nothing to free
            calldatacopy(table, calldatasize(), add(shl(1, slots), 0x20)) // zeroes
            mstore(0x00, _salt)
            let entries := add(_dictionary, 0x20)
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                let a := mload(add(entries, shl(5, i)))
                mstore(0x20, a)
                for { let slot := and(keccak256(0x00, 0x40), mask) } 1 {
                    slot := and(add(slot, 1), mask)
                } {
                    let p := add(table, shl(1, slot))
                    let v := shr(240, mload(p))
                    if iszero(v) {
                        let tag := add(i, 1) // at most MAX_BATCH_TRANSACTIONS: fits 2 bytes
                        mstore8(p, shr(8, tag))
                        mstore8(add(p, 1), tag)
                        break
                    }
                    if eq(mload(add(entries, shl(5, sub(v, 1)))), a) {
                        duplicate := 1
                        break
                    }
                }
                if duplicate { break }
            }
        }
    }

    /// @dev Nonce, the two fees (equal for types 0 and 1), gas limit.
    function _readFees(bytes memory _payload, uint256 _pos, L2Tx memory _tx)
        private
        pure
        returns (uint256 pos)
    {
        (_tx.nonce, pos) = _varint(_payload, _pos, UINT256_BITS);
        (_tx.maxPriorityFeePerGas, pos) = _varint(_payload, pos, UINT256_BITS);
        (_tx.maxFeePerGas, pos) = _varint(_payload, pos, UINT256_BITS);
        if (_tx.txType != TX_TYPE_DYNAMIC_FEE && _tx.maxPriorityFeePerGas != _tx.maxFeePerGas) {
            return BAD;
        }
        (_tx.gasLimit, pos) = _varint(_payload, pos, UINT256_BITS);
    }

    /// @dev A uint64 length, then that many bytes.
    function _readData(bytes memory _payload, uint256 _pos)
        private
        pure
        returns (bytes memory data, uint256 pos)
    {
        uint256 length;
        (length, pos) = _varint(_payload, _pos, UINT64_BITS);
        uint256 start = pos;
        pos = _skip(_payload.length, pos, length);
        if (pos != BAD) data = _slice(_payload, start, length);
    }

    /// @dev count, per entry address (20), key count, keys (32 each). Counts that the rest of the
    ///      payload cannot hold fail before anything is allocated (Python fails reading them).
    function _readAccessList(bytes memory _payload, uint256 _pos)
        private
        pure
        returns (AccessListEntry[] memory list, uint256 pos)
    {
        uint256 length = _payload.length;
        uint256 count;
        (count, pos) = _varint(_payload, _pos, UINT64_BITS);
        if (pos == BAD || count > (length - pos) / MIN_ENTRY_LENGTH) return (list, BAD);
        list = new AccessListEntry[](count);
        for (uint256 i = 0; i < count; i++) {
            uint256 start = pos;
            pos = _skip(length, pos, ADDRESS_LENGTH);
            if (pos == BAD) return (list, BAD);
            list[i].addr = address(bytes20(bytes32(_word(_payload, start))));
            uint256 keyCount;
            (keyCount, pos) = _varint(_payload, pos, UINT64_BITS);
            if (pos == BAD || keyCount > (length - pos) / WORD) return (list, BAD);
            bytes32[] memory keys = new bytes32[](keyCount);
            for (uint256 k = 0; k < keyCount; k++) {
                keys[k] = bytes32(_word(_payload, pos + k * WORD));
            }
            list[i].keys = keys;
            pos += keyCount * WORD;
        }
    }

    /// @dev r (32) ‖ s (32), the y parity in the top bit of s.
    function _readSignature(bytes memory _payload, uint256 _pos, L2Tx memory _tx)
        private
        pure
        returns (uint256 pos)
    {
        pos = _skip(_payload.length, _pos, SIGNATURE_LENGTH);
        if (pos == BAD) return BAD;
        _tx.r = bytes32(_word(_payload, _pos));
        uint256 s = _word(_payload, _pos + WORD);
        _tx.yParity = s >> 255;
        _tx.s = bytes32(s & S_MASK);
    }

    /// @dev rollup.batch._Reader.uint: a canonical LEB128 varint below 2^_bits (64 or 256) at
    ///      `_pos`: one byte below 0x80, or continuation bytes then a final byte that is not 0x00,
    ///      at most ceil(_bits / 7) bytes. Returns (value, position after it), or (0, BAD).
    function _varint(bytes memory _data, uint256 _pos, uint256 _bits)
        private
        pure
        returns (uint256 value, uint256 next)
    {
        uint256 length = _data.length;
        if (_pos >= length) return (0, BAD);
        uint256 b = _byteAt(_data, _pos);
        if (b < 0x80) return (b, _pos + 1);
        value = b & 0x7f;
        uint256 shift = 7;
        while (true) {
            _pos++;
            if (_pos >= length) return (0, BAD);
            b = _byteAt(_data, _pos);
            // The group at shift 252 must not overflow 256 bits (Python: value >> 256 != 0).
            if (shift + 7 > UINT256_BITS && (b & 0x7f) >> (UINT256_BITS - shift) != 0) {
                return (0, BAD);
            }
            value |= (b & 0x7f) << shift;
            shift += 7;
            if (b < 0x80) break;
            if (shift >= _bits) return (0, BAD);
        }
        if (b == 0) return (0, BAD);
        if (_bits < UINT256_BITS && value >> _bits != 0) return (0, BAD);
        return (value, _pos + 1);
    }

    /// @dev `_pos + _n` if the data of length `_length` holds `_n` bytes at `_pos`, else BAD.
    function _skip(uint256 _length, uint256 _pos, uint256 _n) private pure returns (uint256) {
        if (_pos > _length || _length - _pos < _n) return BAD;
        return _pos + _n;
    }

    // --- RLP decoding internals (rollup.transaction._decode) -------------------------------------

    function _decodeLegacy(bytes memory _raw, L2Tx memory _tx) private pure returns (bool ok) {
        RlpItem[] memory f;
        (ok, f) = _readFields(_raw, 0, 9);
        if (!ok) return false;
        bool good;
        uint256 price;
        (ok, _tx.nonce) = _decodeUint(_raw, f[0]);
        (good, price) = _decodeUint(_raw, f[1]);
        ok = ok && good;
        _tx.maxPriorityFeePerGas = price;
        _tx.maxFeePerGas = price;
        ok = ok && _decodeCommon(_raw, f, 2, _tx);
        uint256 v;
        (good, v) = _decodeUint(_raw, f[6]);
        if (!ok || !good || v < EIP155_V_OFFSET) return false;
        _tx.chainId = (v - EIP155_V_OFFSET) / 2;
        _tx.yParity = (v - EIP155_V_OFFSET) % 2;
        return _decodeRs(_raw, f[7], f[8], _tx);
    }

    function _decodeTyped(bytes memory _raw, uint8 _type, L2Tx memory _tx)
        private
        pure
        returns (bool ok)
    {
        _tx.txType = _type;
        bool dynamic = _type == TX_TYPE_DYNAMIC_FEE;
        RlpItem[] memory f;
        (ok, f) = _readFields(_raw, 1, dynamic ? 12 : 11);
        if (!ok) return false;
        bool good;
        (ok, _tx.chainId) = _decodeUint(_raw, f[0]);
        (good, _tx.nonce) = _decodeUint(_raw, f[1]);
        ok = ok && good;
        (good, _tx.maxPriorityFeePerGas) = _decodeUint(_raw, f[2]);
        ok = ok && good;
        uint256 i = dynamic ? 3 : 2; // the max fee field; gas limit follows
        (good, _tx.maxFeePerGas) = _decodeUint(_raw, f[i]);
        ok = ok && good && _decodeCommon(_raw, f, i + 1, _tx);
        (good, _tx.accessList) = _decodeAccessList(_raw, f[i + 5]);
        ok = ok && good;
        (good, _tx.yParity) = _decodeUint(_raw, f[i + 6]);
        if (!ok || !good || _tx.yParity > 1) return false;
        return _decodeRs(_raw, f[i + 7], f[i + 8], _tx);
    }

    /// @dev gasLimit, to, value, data: the four fields from f[_i].
    function _decodeCommon(bytes memory _raw, RlpItem[] memory _f, uint256 _i, L2Tx memory _tx)
        private
        pure
        returns (bool ok)
    {
        bool good;
        (ok, _tx.gasLimit) = _decodeUint(_raw, _f[_i]);
        ok = ok && _decodeTo(_raw, _f[_i + 1], _tx);
        (good, _tx.value) = _decodeUint(_raw, _f[_i + 2]);
        ok = ok && good;
        RlpItem memory data = _f[_i + 3];
        if (data.isList) return false;
        _tx.data = _slice(_raw, data.start, data.end - data.start);
    }

    function _decodeRs(bytes memory _raw, RlpItem memory _r, RlpItem memory _s, L2Tx memory _tx)
        private
        pure
        returns (bool)
    {
        (bool okR, uint256 r) = _decodeUint(_raw, _r);
        (bool okS, uint256 s) = _decodeUint(_raw, _s);
        _tx.r = bytes32(r);
        _tx.s = bytes32(s);
        return okR && okS;
    }

    /// @dev A uint256: a byte string of at most 32 bytes without a leading zero (0 is empty).
    function _decodeUint(bytes memory _raw, RlpItem memory _item)
        private
        pure
        returns (bool ok, uint256 value)
    {
        uint256 length = _item.end - _item.start;
        if (_item.isList || length > WORD) return (false, 0);
        if (length == 0) return (true, 0);
        if (_byteAt(_raw, _item.start) == 0) return (false, 0);
        value = _word(_raw, _item.start) >> (8 * (WORD - length));
        return (true, value);
    }

    /// @dev The recipient: 20 bytes, or an empty string for a contract creation.
    function _decodeTo(bytes memory _raw, RlpItem memory _item, L2Tx memory _tx)
        private
        pure
        returns (bool)
    {
        if (_item.isList) return false;
        uint256 length = _item.end - _item.start;
        if (length == 0) {
            _tx.isCreate = true;
            return true;
        }
        if (length != ADDRESS_LENGTH) return false;
        _tx.to = address(bytes20(bytes32(_word(_raw, _item.start))));
        return true;
    }

    /// @dev A list of [address (20 bytes), [storage keys (32 bytes each)]] entries.
    function _decodeAccessList(bytes memory _raw, RlpItem memory _item)
        private
        pure
        returns (bool ok, AccessListEntry[] memory list)
    {
        if (!_item.isList) return (false, list);
        uint256 count;
        RlpItem memory entry;
        for (uint256 pos = _item.start; pos < _item.end; pos = entry.end) {
            (ok, entry) = _rlpItem(_raw, pos, _item.end);
            if (!ok) return (false, list);
            count++;
        }
        list = new AccessListEntry[](count);
        uint256 position = _item.start;
        for (uint256 i = 0; i < count; i++) {
            (, entry) = _rlpItem(_raw, position, _item.end);
            position = entry.end;
            if (!entry.isList) return (false, list);
            RlpItem[] memory pair;
            (ok, pair) = _readList(_raw, entry.start, entry.end, 2);
            if (!ok) return (false, list);
            (ok, list[i].keys) = _decodeKeys(_raw, pair[1]);
            RlpItem memory addr = pair[0];
            if (!ok || addr.isList || addr.end - addr.start != ADDRESS_LENGTH) {
                return (false, list);
            }
            list[i].addr = address(bytes20(bytes32(_word(_raw, addr.start))));
        }
        return (true, list);
    }

    /// @dev A list of 32-byte strings: each is exactly 0xa0 ‖ 32 bytes in canonical RLP, so the
    ///      list's payload is a whole number of such 33-byte items.
    function _decodeKeys(bytes memory _raw, RlpItem memory _item)
        private
        pure
        returns (bool ok, bytes32[] memory keys)
    {
        uint256 length = _item.end - _item.start;
        if (!_item.isList || length % RLP_KEY_LENGTH != 0) return (false, keys);
        uint256 count = length / RLP_KEY_LENGTH;
        keys = new bytes32[](count);
        for (uint256 k = 0; k < count; k++) {
            uint256 at = _item.start + k * RLP_KEY_LENGTH;
            if (_byteAt(_raw, at) != RLP_KEY_PREFIX) return (false, keys);
            keys[k] = bytes32(_word(_raw, at + 1));
        }
        return (true, keys);
    }

    /// @dev The list at `_start` must span the rest of `_raw` and hold exactly `_count` items.
    function _readFields(bytes memory _raw, uint256 _start, uint256 _count)
        private
        pure
        returns (bool ok, RlpItem[] memory items)
    {
        RlpItem memory list;
        (ok, list) = _rlpItem(_raw, _start, _raw.length);
        if (!ok || list.end != _raw.length || !list.isList) return (false, items);
        return _readList(_raw, list.start, list.end, _count);
    }

    /// @dev The `_count` items that exactly fill _raw[_start:_end].
    function _readList(bytes memory _raw, uint256 _start, uint256 _end, uint256 _count)
        private
        pure
        returns (bool ok, RlpItem[] memory items)
    {
        items = new RlpItem[](_count);
        uint256 n;
        while (_start < _end) {
            if (n == _count) return (false, items);
            (ok, items[n]) = _rlpItem(_raw, _start, _end);
            if (!ok) return (false, items);
            _start = items[n].end;
            n++;
        }
        return (n == _count, items);
    }

    /// @dev pyrlp's consume_length_prefix at `_start`, and the item must end by `_limit`: no
    ///      single byte below 0x80 as a 1-byte string, no long form for a length below 56, no
    ///      leading zero in a long length.
    function _rlpItem(bytes memory _raw, uint256 _start, uint256 _limit)
        private
        pure
        returns (bool ok, RlpItem memory item)
    {
        uint256 length = _raw.length;
        if (_start >= length) return (false, item);
        uint256 b0 = _byteAt(_raw, _start);
        uint256 payloadLength;
        if (b0 < 0x80) {
            item.start = _start;
            payloadLength = 1;
        } else if (b0 < 0xb8) {
            payloadLength = b0 - 0x80;
            if (payloadLength == 1 && (_start + 1 >= length || _byteAt(_raw, _start + 1) < 0x80)) {
                return (false, item);
            }
            item.start = _start + 1;
        } else if (b0 < 0xc0) {
            (ok, payloadLength, item.start) = _longLength(_raw, _start, b0 - 0xb7);
            if (!ok) return (false, item);
        } else if (b0 < 0xf8) {
            item.isList = true;
            payloadLength = b0 - 0xc0;
            item.start = _start + 1;
        } else {
            item.isList = true;
            (ok, payloadLength, item.start) = _longLength(_raw, _start, b0 - 0xf7);
            if (!ok) return (false, item);
        }
        item.end = item.start + payloadLength;
        return (item.end <= _limit, item);
    }

    /// @dev The `_lengthBytes`-byte big-endian length after the prefix byte at `_start`: all of
    ///      it inside `_raw`, no leading zero, at least 56.
    function _longLength(bytes memory _raw, uint256 _start, uint256 _lengthBytes)
        private
        pure
        returns (bool ok, uint256 payloadLength, uint256 payloadStart)
    {
        payloadStart = _start + 1 + _lengthBytes;
        if (payloadStart > _raw.length || _byteAt(_raw, _start + 1) == 0) return (false, 0, 0);
        payloadLength = _word(_raw, _start + 1) >> (8 * (WORD - _lengthBytes));
        ok = payloadLength >= 56;
    }

    // --- RLP encoding internals ------------------------------------------------------------------

    function _encodable(L2Tx memory _tx) private pure returns (bool) {
        uint8 txType = _tx.txType;
        if (txType > TX_TYPE_DYNAMIC_FEE) return false;
        if (txType != TX_TYPE_DYNAMIC_FEE && _tx.maxPriorityFeePerGas != _tx.maxFeePerGas) {
            return false;
        }
        return txType != TX_TYPE_LEGACY || _tx.accessList.length == 0;
    }

    function _checkEncodable(L2Tx memory _tx) private pure {
        if (_tx.txType > TX_TYPE_DYNAMIC_FEE) revert UnsupportedTransactionType(_tx.txType);
        if (_tx.txType != TX_TYPE_DYNAMIC_FEE && _tx.maxPriorityFeePerGas != _tx.maxFeePerGas) {
            revert TwoGasPrices();
        }
        if (_tx.txType == TX_TYPE_LEGACY && _tx.accessList.length != 0) revert LegacyAccessList();
    }

    /// @dev The length of the RLP list payload of the fields the sender signed, and of the
    ///      signature with `_signed`.
    function _fieldsLength(L2Tx memory _tx, bool _signed) private pure returns (uint256 length) {
        uint8 txType = _tx.txType;
        length = _uintLength(_tx.nonce) + _uintLength(_tx.maxFeePerGas) + _uintLength(_tx.gasLimit)
            + (_tx.isCreate ? 1 : 1 + ADDRESS_LENGTH) + _uintLength(_tx.value)
            + _bytesLength(_tx.data);
        uint256 signature = _signed ? _uintLength(uint256(_tx.r)) + _uintLength(uint256(_tx.s)) : 0;
        if (txType == TX_TYPE_LEGACY) {
            if (_signed) return length + _uintLength(_legacyV(_tx)) + signature;
            return length + _uintLength(_tx.chainId) + 2;
        }
        length += _uintLength(_tx.chainId) + _accessListLength(_tx.accessList);
        if (txType == TX_TYPE_DYNAMIC_FEE) length += _uintLength(_tx.maxPriorityFeePerGas);
        if (_signed) length += _uintLength(_tx.yParity) + signature;
    }

    /// @dev RLP length of a uint256 as the shortest big-endian string (0 as the empty string).
    function _uintLength(uint256 _value) private pure returns (uint256) {
        return _value < 0x80 ? 1 : 1 + _byteLength(_value);
    }

    /// @dev RLP length of a byte string: a single byte below 0x80 is itself.
    function _bytesLength(bytes memory _data) private pure returns (uint256) {
        uint256 length = _data.length;
        if (length == 1 && uint8(_data[0]) < 0x80) return 1;
        return _prefixLength(length) + length;
    }

    /// @dev pyrlp's length_prefix size: 1 below 56, else 1 + the length's byte count.
    function _prefixLength(uint256 _length) private pure returns (uint256) {
        return _length < 56 ? 1 : 1 + _byteLength(_length);
    }

    /// @dev The RLP payload length of one entry: address (21) ‖ list of keys (33 each).
    function _entryPayloadLength(AccessListEntry memory _entry) private pure returns (uint256) {
        uint256 keys = _entry.keys.length * RLP_KEY_LENGTH;
        return 1 + ADDRESS_LENGTH + _prefixLength(keys) + keys;
    }

    /// @dev RLP length of an access list (a list of [address, [keys]] lists).
    function _accessListLength(AccessListEntry[] memory _list) private pure returns (uint256) {
        uint256 payload;
        for (uint256 i = 0; i < _list.length; i++) {
            uint256 entry = _entryPayloadLength(_list[i]);
            payload += _prefixLength(entry) + entry;
        }
        return _prefixLength(payload) + payload;
    }

    // The writers below take a memory pointer and return the one after what they wrote. A word
    // store may write up to 31 bytes past the field: later fields overwrite them, and past the
    // buffer's end is free memory nothing owns.

    function _writeByte(uint256 _p, uint256 _b) private pure returns (uint256) {
        assembly ("memory-safe") {
            mstore8(_p, _b)
        }
        return _p + 1;
    }

    /// @dev The first `_n` bytes of the left-aligned `_word`.
    function _writeWord(uint256 _p, uint256 _value, uint256 _n) private pure returns (uint256) {
        assembly ("memory-safe") {
            mstore(_p, _value)
        }
        return _p + _n;
    }

    function _writeUint(uint256 _p, uint256 _value) private pure returns (uint256) {
        if (_value == 0) return _writeByte(_p, 0x80);
        if (_value < 0x80) return _writeByte(_p, _value);
        uint256 n = _byteLength(_value);
        _p = _writeByte(_p, 0x80 + n);
        return _writeWord(_p, _value << (256 - 8 * n), n);
    }

    function _writePrefix(uint256 _p, uint256 _length, uint256 _offset)
        private
        pure
        returns (uint256)
    {
        if (_length < 56) return _writeByte(_p, _offset + _length);
        uint256 n = _byteLength(_length);
        _p = _writeByte(_p, _offset + 55 + n);
        return _writeWord(_p, _length << (256 - 8 * n), n);
    }

    function _writeBytes(uint256 _p, bytes memory _data) private pure returns (uint256) {
        uint256 length = _data.length;
        if (length == 1 && uint8(_data[0]) < 0x80) return _writeByte(_p, uint8(_data[0]));
        _p = _writePrefix(_p, length, 0x80);
        assembly ("memory-safe") {
            mcopy(_p, add(_data, 0x20), length)
        }
        return _p + length;
    }

    function _writeAccessList(uint256 _p, AccessListEntry[] memory _list)
        private
        pure
        returns (uint256)
    {
        uint256 payload;
        for (uint256 i = 0; i < _list.length; i++) {
            uint256 entry = _entryPayloadLength(_list[i]);
            payload += _prefixLength(entry) + entry;
        }
        _p = _writePrefix(_p, payload, 0xc0);
        for (uint256 i = 0; i < _list.length; i++) {
            AccessListEntry memory entry = _list[i];
            _p = _writePrefix(_p, _entryPayloadLength(entry), 0xc0);
            _p = _writeByte(_p, 0x94);
            _p = _writeWord(_p, uint256(uint160(entry.addr)) << 96, ADDRESS_LENGTH);
            bytes32[] memory keys = entry.keys;
            _p = _writePrefix(_p, keys.length * RLP_KEY_LENGTH, 0xc0);
            for (uint256 k = 0; k < keys.length; k++) {
                _p = _writeByte(_p, RLP_KEY_PREFIX);
                _p = _writeWord(_p, uint256(keys[k]), WORD);
            }
        }
        return _p;
    }

    function _byteLength(uint256 _value) private pure returns (uint256 n) {
        while (_value != 0) {
            n++;
            _value >>= 8;
        }
    }

    // --- memory ----------------------------------------------------------------------------------

    /// @dev The byte at `_i` of `_data` (bounds checked by the caller).
    function _byteAt(bytes memory _data, uint256 _i) private pure returns (uint256 b) {
        assembly ("memory-safe") {
            b := byte(0, mload(add(add(_data, 0x20), _i)))
        }
    }

    /// @dev The 32 bytes from `_i` of `_data`, as a big-endian word; bytes past the end read as
    ///      whatever memory holds (the caller uses only those inside).
    function _word(bytes memory _data, uint256 _i) private pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := mload(add(add(_data, 0x20), _i))
        }
    }

    /// @dev keccak256(_data[_start:_start + _length]) (bounds checked by the caller).
    function _hash(bytes memory _data, uint256 _start, uint256 _length)
        private
        pure
        returns (bytes32 h)
    {
        assembly ("memory-safe") {
            h := keccak256(add(add(_data, 0x20), _start), _length)
        }
    }

    /// @dev A copy of _data[_start:_start + _length] (bounds checked by the caller).
    function _slice(bytes memory _data, uint256 _start, uint256 _length)
        private
        pure
        returns (bytes memory out)
    {
        out = new bytes(_length);
        assembly ("memory-safe") {
            mcopy(add(out, 0x20), add(add(_data, 0x20), _start), _length)
        }
    }
}
