// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "../utils/Test.sol";
import {BatchReader} from "../../src/prover/BatchReader.sol";

/// @notice The cheatcodes this test needs beyond the shared base (forge's signatures, at the
///         standard cheatcode address).
interface VectorJson {
    function parseJsonUintArray(string calldata json, string calldata key)
        external
        pure
        returns (uint256[] memory);

    function parseJsonAddressArray(string calldata json, string calldata key)
        external
        pure
        returns (address[] memory);
}

/// @notice BatchReader behind external calls: gas measured per phase on a fresh memory, and
///         reverts of signingHash observable by vm.expectRevert.
contract BatchReaderHarness {
    struct StepGas {
        uint256 decompress;
        uint256 header;
        uint256 transaction;
        uint256 recover;
        uint256 payloadLength;
        uint256 dictionarySize;
        address sender;
    }

    /// @notice One TXS step's reading (docs/FRAUD_PROOFS.md §1 step 4): decompress the batch,
    ///         read its header, the transaction at `_offset`, recover its sender.
    function step(bytes calldata _batch, uint256 _offset, uint256 _chainId)
        external
        view
        returns (StepGas memory g)
    {
        uint256 before = gasleft();
        (bool ok, bytes memory payload) = BatchReader.decompress(_batch);
        require(ok, "decompress");
        g.decompress = before - gasleft();
        g.payloadLength = payload.length;

        before = gasleft();
        BatchReader.PayloadHeader memory h;
        (ok, h) = BatchReader.readHeader(payload);
        require(ok, "readHeader");
        g.header = before - gasleft();
        g.dictionarySize = h.dictionary.length;

        before = gasleft();
        BatchReader.L2Tx memory l2tx;
        (ok, l2tx,) = BatchReader.readTransaction(payload, _offset, h.dictionary, _chainId);
        require(ok, "readTransaction");
        g.transaction = before - gasleft();

        before = gasleft();
        (ok, g.sender) = BatchReader.recoverSender(l2tx);
        require(ok, "recoverSender");
        g.recover = before - gasleft();
    }

    /// @notice readHeader's verdict and gas on `_payload`.
    function header(bytes calldata _payload) external view returns (bool ok, uint256 gas) {
        bytes memory payload = _payload;
        uint256 before = gasleft();
        (ok,) = BatchReader.readHeader(payload);
        gas = before - gasleft();
    }

    function signingHash(BatchReader.L2Tx memory _tx) external pure returns (bytes32) {
        return BatchReader.signingHash(_tx);
    }
}

/// @notice Checks contracts/src/prover/BatchReader.sol against rollup/batch.py's cursor readers
///         and rollup/transaction.py on the vectors scripts/gen_prover_vectors.py writes to
///         vectors/batch_reader.json and batch_reader_large.json: the same verdict (ok or
///         not) on every case, and the same decoding (as abi.encode) when ok; signing hashes and
///         senders equal. Also measures the gas of a step's reading on a full-size batch.
contract BatchReaderTest is Test {
    string internal constant VECTORS = "vectors/batch_reader.json";
    string internal constant LARGE = "vectors/batch_reader_large.json";

    VectorJson internal constant json = VectorJson(VM_ADDRESS);

    /// @dev ds-test's log event: forge prints it with -vv.
    event log_named_uint(string key, uint256 val);

    BatchReaderHarness internal harness;

    function setUp() public {
        harness = new BatchReaderHarness();
    }

    // --- real batches --------------------------------------------------------------------------

    /// @dev The expectations of the walk over the real batches.
    struct Walk {
        bytes[] data;
        bytes[] payloads;
        bytes32[] chainIds;
        bytes[] headers;
        uint256[] blockCounts;
        uint256[] txCounts;
        uint256[] blockOffsets;
        bytes[] blockEncoded;
        uint256[] txOffsets;
        uint256[] txNexts;
        bytes[] txEncoded;
        bytes32[] signingHashes;
        bytes32[] txHashes;
        bool[] recoverOk;
        address[] senders;
        uint256 block;
        uint256 tx;
    }

    function _loadWalk() internal view returns (Walk memory w) {
        string memory doc = vm.readFile(VECTORS);
        w.data = vm.parseJsonBytesArray(doc, ".batches.data");
        w.payloads = vm.parseJsonBytesArray(doc, ".batches.payloads");
        w.chainIds = vm.parseJsonBytes32Array(doc, ".batches.chainIds");
        w.headers = vm.parseJsonBytesArray(doc, ".batches.headers");
        w.blockCounts = json.parseJsonUintArray(doc, ".batches.blockCounts");
        w.txCounts = json.parseJsonUintArray(doc, ".batches.txCounts");
        w.blockOffsets = json.parseJsonUintArray(doc, ".blocks.offsets");
        w.blockEncoded = vm.parseJsonBytesArray(doc, ".blocks.encoded");
        w.txOffsets = json.parseJsonUintArray(doc, ".txs.offsets");
        w.txNexts = json.parseJsonUintArray(doc, ".txs.nexts");
        w.txEncoded = vm.parseJsonBytesArray(doc, ".txs.encoded");
        w.signingHashes = vm.parseJsonBytes32Array(doc, ".txs.signingHashes");
        w.txHashes = vm.parseJsonBytes32Array(doc, ".txs.txHashes");
        w.recoverOk = vm.parseJsonBoolArray(doc, ".txs.recoverOk");
        w.senders = json.parseJsonAddressArray(doc, ".txs.senders");
    }

    /// @notice Walking each real batch with the cursor readers, from the header's body offset
    ///         through every block header and transaction, visits exactly Python's offsets and
    ///         decodes exactly Python's values, signing hashes and senders.
    function test_readTransaction_pythonBatches_succeeds() public view {
        Walk memory w = _loadWalk();
        assertGe(w.data.length, 5);
        for (uint256 b = 0; b < w.data.length; b++) {
            (bool ok, bytes memory payload) = BatchReader.decompress(w.data[b]);
            assertTrue(ok, "decompress");
            _assertEqBytes(payload, w.payloads[b], "payload");
            BatchReader.PayloadHeader memory h;
            (ok, h) = BatchReader.readHeader(payload);
            assertTrue(ok, "readHeader");
            _assertEqBytes(abi.encode(h), w.headers[b], "header");
            assertEq(h.blockCount, w.blockCounts[b], "block count");
            uint256 offset = h.bodyOffset;
            uint256 firstTx = w.tx;
            for (uint256 k = 0; k < h.blockCount; k++) {
                offset = _walkBlock(w, payload, offset, h.dictionary, uint256(w.chainIds[b]));
            }
            assertEq(offset, payload.length, "the walk ends at the payload's end");
            assertEq(w.tx - firstTx, w.txCounts[b], "transactions in the batch");
        }
        assertEq(w.block, w.blockOffsets.length, "every block visited");
        assertEq(w.tx, w.txOffsets.length, "every transaction visited");
    }

    function _walkBlock(
        Walk memory _w,
        bytes memory _payload,
        uint256 _offset,
        address[] memory _dictionary,
        uint256 _chainId
    ) internal pure returns (uint256 offset) {
        assertEq(_offset, _w.blockOffsets[_w.block], "block offset");
        (bool ok, uint256 ts, uint256 origin, uint256 count, uint256 next) =
            BatchReader.readBlockHeader(_payload, _offset);
        assertTrue(ok, "readBlockHeader");
        _assertEqBytes(abi.encode(ts, origin, count, next), _w.blockEncoded[_w.block], "block");
        _w.block++;
        offset = next;
        for (uint256 t = 0; t < count; t++) {
            offset = _walkTransaction(_w, _payload, offset, _dictionary, _chainId);
        }
    }

    function _walkTransaction(
        Walk memory _w,
        bytes memory _payload,
        uint256 _offset,
        address[] memory _dictionary,
        uint256 _chainId
    ) internal pure returns (uint256 next) {
        uint256 i = _w.tx++;
        assertEq(_offset, _w.txOffsets[i], "transaction offset");
        (bool ok, BatchReader.L2Tx memory l2tx, uint256 after_) =
            BatchReader.readTransaction(_payload, _offset, _dictionary, _chainId);
        assertTrue(ok, "readTransaction");
        assertEq(after_, _w.txNexts[i], "next offset");
        _assertEqBytes(abi.encode(l2tx), _w.txEncoded[i], "transaction");
        assertEq(BatchReader.signingHash(l2tx), _w.signingHashes[i], "signing hash");
        assertEq(BatchReader.transactionHash(l2tx), _w.txHashes[i], "transaction hash");
        (bool recovered, address sender) = BatchReader.recoverSender(l2tx);
        assertEq(recovered, _w.recoverOk[i], "recoverSender ok");
        assertEq(sender, _w.senders[i], "sender");
        return after_;
    }

    // --- crafted and mutated cases ---------------------------------------------------------------

    function test_decompress_pythonCases_succeeds() public view {
        _checkDecompress(vm.readFile(VECTORS), 15);
    }

    function test_decompress_largePythonCases_succeeds() public view {
        _checkDecompress(vm.readFile(LARGE), 3);
    }

    function _checkDecompress(string memory _doc, uint256 _minimum) internal pure {
        string[] memory labels = vm.parseJsonStringArray(_doc, ".decompressCases.labels");
        bytes[] memory data = vm.parseJsonBytesArray(_doc, ".decompressCases.data");
        bool[] memory expected = vm.parseJsonBoolArray(_doc, ".decompressCases.ok");
        bytes32[] memory hashes = vm.parseJsonBytes32Array(_doc, ".decompressCases.payloadHashes");
        assertGe(labels.length, _minimum);
        for (uint256 i = 0; i < labels.length; i++) {
            bytes32 before = keccak256(data[i]);
            (bool ok, bytes memory payload) = BatchReader.decompress(data[i]);
            assertEq(ok, expected[i], labels[i]);
            if (ok) assertEq(keccak256(payload), hashes[i], labels[i]);
            assertEq(keccak256(data[i]), before, "the batch is left as it was");
        }
    }

    function test_readHeader_pythonCases_succeeds() public view {
        string memory doc = vm.readFile(VECTORS);
        string[] memory labels = vm.parseJsonStringArray(doc, ".headerCases.labels");
        bytes[] memory payloads = vm.parseJsonBytesArray(doc, ".headerCases.payloads");
        bool[] memory expected = vm.parseJsonBoolArray(doc, ".headerCases.ok");
        bytes[] memory encoded = vm.parseJsonBytesArray(doc, ".headerCases.encoded");
        assertGe(labels.length, 20);
        for (uint256 i = 0; i < labels.length; i++) {
            (bool ok, BatchReader.PayloadHeader memory h) = BatchReader.readHeader(payloads[i]);
            assertEq(ok, expected[i], labels[i]);
            if (ok) _assertEqBytes(abi.encode(h), encoded[i], labels[i]);
        }
    }

    function test_readBlockHeader_pythonCases_succeeds() public view {
        string memory doc = vm.readFile(VECTORS);
        string[] memory labels = vm.parseJsonStringArray(doc, ".blockCases.labels");
        bytes[] memory payloads = vm.parseJsonBytesArray(doc, ".blockCases.payloads");
        bytes32[] memory offsets = vm.parseJsonBytes32Array(doc, ".blockCases.offsets");
        bool[] memory expected = vm.parseJsonBoolArray(doc, ".blockCases.ok");
        bytes[] memory encoded = vm.parseJsonBytesArray(doc, ".blockCases.encoded");
        assertGe(labels.length, 10);
        for (uint256 i = 0; i < labels.length; i++) {
            (bool ok, uint256 ts, uint256 origin, uint256 count, uint256 next) =
                BatchReader.readBlockHeader(payloads[i], uint256(offsets[i]));
            assertEq(ok, expected[i], labels[i]);
            if (ok) _assertEqBytes(abi.encode(ts, origin, count, next), encoded[i], labels[i]);
        }
    }

    /// @dev readTransaction cases: decoded transactions compared as keccak256(abi.encode(L2Tx)).
    struct TxCases {
        string[] labels;
        bytes[] payloads;
        bytes32[] offsets;
        uint256[] dictionaryIds;
        bytes[] dictionaries;
        bytes32[] chainIds;
        bool[] ok;
        bytes32[] encodedHashes;
        uint256[] nexts;
    }

    function test_readTransaction_pythonCases_succeeds() public view {
        string memory doc = vm.readFile(VECTORS);
        TxCases memory c;
        c.labels = vm.parseJsonStringArray(doc, ".txCases.labels");
        c.payloads = vm.parseJsonBytesArray(doc, ".txCases.payloads");
        c.offsets = vm.parseJsonBytes32Array(doc, ".txCases.offsets");
        c.dictionaryIds = json.parseJsonUintArray(doc, ".txCases.dictionaryIds");
        c.dictionaries = vm.parseJsonBytesArray(doc, ".txCases.dictionaries");
        c.chainIds = vm.parseJsonBytes32Array(doc, ".txCases.chainIds");
        c.ok = vm.parseJsonBoolArray(doc, ".txCases.ok");
        c.encodedHashes = vm.parseJsonBytes32Array(doc, ".txCases.encodedHashes");
        c.nexts = json.parseJsonUintArray(doc, ".txCases.nexts");
        assertGe(c.labels.length, 200);
        uint256 accepted;
        for (uint256 i = 0; i < c.labels.length; i++) {
            address[] memory dictionary =
                abi.decode(c.dictionaries[c.dictionaryIds[i]], (address[]));
            (bool ok, BatchReader.L2Tx memory l2tx, uint256 next) = BatchReader.readTransaction(
                c.payloads[i], uint256(c.offsets[i]), dictionary, uint256(c.chainIds[i])
            );
            assertEq(ok, c.ok[i], c.labels[i]);
            if (!ok) continue;
            accepted++;
            assertEq(next, c.nexts[i], c.labels[i]);
            assertEq(keccak256(abi.encode(l2tx)), c.encodedHashes[i], c.labels[i]);
        }
        assertGt(accepted, 0);
        assertLt(accepted, c.labels.length);
    }

    /// @dev decodeSignedTransaction cases.
    struct RawCases {
        string[] labels;
        bytes[] raws;
        bool[] ok;
        bytes32[] encodedHashes;
        bytes32[] signingHashes;
        bytes32[] txHashes;
        bool[] recoverOk;
        address[] senders;
    }

    function test_decodeSignedTransaction_pythonCases_succeeds() public view {
        _checkRaw(vm.readFile(VECTORS), 100);
    }

    function test_decodeSignedTransaction_largePythonCases_succeeds() public view {
        _checkRaw(vm.readFile(LARGE), 3);
    }

    function _checkRaw(string memory _doc, uint256 _minimum) internal pure {
        RawCases memory c;
        c.labels = vm.parseJsonStringArray(_doc, ".rawTxCases.labels");
        c.raws = vm.parseJsonBytesArray(_doc, ".rawTxCases.raws");
        c.ok = vm.parseJsonBoolArray(_doc, ".rawTxCases.ok");
        c.encodedHashes = vm.parseJsonBytes32Array(_doc, ".rawTxCases.encodedHashes");
        c.signingHashes = vm.parseJsonBytes32Array(_doc, ".rawTxCases.signingHashes");
        c.txHashes = vm.parseJsonBytes32Array(_doc, ".rawTxCases.txHashes");
        c.recoverOk = vm.parseJsonBoolArray(_doc, ".rawTxCases.recoverOk");
        c.senders = json.parseJsonAddressArray(_doc, ".rawTxCases.senders");
        assertGe(c.labels.length, _minimum);
        for (uint256 i = 0; i < c.labels.length; i++) {
            (bool ok, BatchReader.L2Tx memory l2tx) = BatchReader.decodeSignedTransaction(c.raws[i]);
            assertEq(ok, c.ok[i], c.labels[i]);
            if (!ok) continue;
            assertEq(keccak256(abi.encode(l2tx)), c.encodedHashes[i], c.labels[i]);
            assertEq(BatchReader.signingHash(l2tx), c.signingHashes[i], c.labels[i]);
            assertEq(BatchReader.transactionHash(l2tx), c.txHashes[i], c.labels[i]);
            (bool recovered, address sender) = BatchReader.recoverSender(l2tx);
            assertEq(recovered, c.recoverOk[i], c.labels[i]);
            assertEq(sender, c.senders[i], c.labels[i]);
        }
    }

    // --- the full-size batch ---------------------------------------------------------------------

    /// @notice Walking a batch of MAX_BATCH_BYTES-ish (1,400+ ETH transfers) gives Python's
    ///         transaction count and digest: keccak chain over offset ‖ signing hash ‖ sender.
    function test_readTransaction_fullSizeBatch_succeeds() public view {
        string memory doc = vm.readFile(LARGE);
        bytes memory batch = vm.parseJsonBytes(doc, ".batch");
        uint256 chainId = vm.parseJsonUint(doc, ".chainId");
        (bool ok, bytes memory payload) = BatchReader.decompress(batch);
        assertTrue(ok);
        assertEq(payload.length, vm.parseJsonUint(doc, ".payloadLength"));
        BatchReader.PayloadHeader memory h;
        (ok, h) = BatchReader.readHeader(payload);
        assertTrue(ok);
        assertEq(h.blockCount, vm.parseJsonUint(doc, ".blockCount"));
        bytes32 digest;
        uint256 count;
        uint256 offset = h.bodyOffset;
        for (uint256 k = 0; k < h.blockCount; k++) {
            uint256 txs;
            (ok,,, txs, offset) = BatchReader.readBlockHeader(payload, offset);
            assertTrue(ok);
            for (uint256 t = 0; t < txs; t++) {
                BatchReader.L2Tx memory l2tx;
                uint256 at = offset;
                (ok, l2tx, offset) =
                    BatchReader.readTransaction(payload, offset, h.dictionary, chainId);
                assertTrue(ok);
                (bool recovered, address sender) = BatchReader.recoverSender(l2tx);
                assertTrue(recovered);
                digest = keccak256(abi.encodePacked(digest, at, BatchReader.signingHash(l2tx), sender));
                count++;
            }
        }
        assertEq(offset, payload.length);
        assertEq(count, vm.parseJsonUint(doc, ".txCount"));
        assertEq(digest, vm.parseJsonBytes32(doc, ".digest"));
    }

    /// @notice Gas of one TXS step's reading on the full-size batch, for its last transaction:
    ///         decompress + readHeader + readTransaction + recoverSender (printed with -vv).
    function test_gas_fullSizeBatchStep_succeeds() public {
        string memory doc = vm.readFile(LARGE);
        bytes memory batch = vm.parseJsonBytes(doc, ".batch");
        uint256 offset = vm.parseJsonUint(doc, ".lastOffset");
        uint256 before = gasleft();
        BatchReaderHarness.StepGas memory g =
            harness.step(batch, offset, vm.parseJsonUint(doc, ".chainId"));
        uint256 total = before - gasleft();
        assertEq(g.sender, vm.parseJsonAddress(doc, ".lastSender"));
        _logStep("full-size batch", batch.length, g, total);
        assertGt(batch.length, BatchReader.MAX_BATCH_BYTES * 95 / 100);
        assertLt(total, 4_500_000); // a regression bound (measured: ~3.6M)
    }

    /// @notice Gas of the same reading on a ~48 kB batch that derivation accepts and that expands
    ///         to MAX_PAYLOAD_BYTES (one transaction of zero data filling the payload).
    function test_gas_decompressionBomb_succeeds() public {
        string memory doc = vm.readFile(LARGE);
        bytes memory batch = vm.parseJsonBytes(doc, ".bomb");
        uint256 offset = vm.parseJsonUint(doc, ".bombOffset");
        uint256 before = gasleft();
        BatchReaderHarness.StepGas memory g =
            harness.step(batch, offset, vm.parseJsonUint(doc, ".chainId"));
        uint256 total = before - gasleft();
        assertEq(g.sender, vm.parseJsonAddress(doc, ".bombSender"));
        assertEq(g.payloadLength, BatchReader.MAX_PAYLOAD_BYTES);
        _logStep("bomb", batch.length, g, total);
    }

    function _logStep(
        string memory _what,
        uint256 _batchBytes,
        BatchReaderHarness.StepGas memory _g,
        uint256 _total
    ) internal {
        emit log_named_uint(string.concat(_what, ": batch bytes"), _batchBytes);
        emit log_named_uint(string.concat(_what, ": payload bytes"), _g.payloadLength);
        emit log_named_uint(string.concat(_what, ": dictionary entries"), _g.dictionarySize);
        emit log_named_uint(string.concat(_what, ": gas decompress"), _g.decompress);
        emit log_named_uint(string.concat(_what, ": gas readHeader"), _g.header);
        emit log_named_uint(string.concat(_what, ": gas readTransaction"), _g.transaction);
        emit log_named_uint(string.concat(_what, ": gas recoverSender"), _g.recover);
        emit log_named_uint(string.concat(_what, ": gas of the call, all in"), _total);
    }

    /// @notice readHeader on the largest dictionary (MAX_BATCH_TRANSACTIONS distinct entries),
    ///         and the same with its last entry equal to its first (a duplicate).
    function test_gas_readHeaderLargestDictionary_succeeds() public {
        uint256 count = BatchReader.MAX_BATCH_TRANSACTIONS;
        // first block 1, parent hash 0, 1 block, count as a varint (2,000 = 0xd0 0x0f)
        bytes memory payload = bytes.concat(
            bytes1(0x01), bytes32(0), bytes1(0x01), hex"d00f", new bytes(20 * count)
        );
        uint256 start = payload.length - 20 * count;
        for (uint256 i = 0; i < count; i++) {
            bytes20 entry = bytes20(keccak256(abi.encode(i)));
            assembly {
                mstore(add(add(payload, 0x20), add(start, mul(i, 20))), entry)
            }
        }
        // the mstore of the last entry wrote 12 bytes past the payload: nothing lives there
        (bool ok, uint256 gas) = harness.header(payload);
        assertTrue(ok);
        emit log_named_uint("readHeader, 2,000 entries: gas", gas);
        bytes20 first = bytes20(keccak256(abi.encode(uint256(0))));
        assembly {
            mstore(add(add(payload, 0x20), add(start, mul(sub(count, 1), 20))), first)
        }
        (ok, gas) = harness.header(payload);
        assertFalse(ok);
        emit log_named_uint("readHeader, 2,000 entries, last = first: gas", gas);
    }

    // --- unit cases ------------------------------------------------------------------------------

    function test_readHeader_payloadOverMaxPayloadBytes_succeeds() public pure {
        bytes memory payload = new bytes(BatchReader.MAX_PAYLOAD_BYTES + 1);
        payload[0] = 0x01;
        payload[33] = 0x01;
        (bool ok,) = BatchReader.readHeader(payload);
        assertFalse(ok);
        assembly {
            mstore(payload, 35) // the same bytes, short: a header with an empty dictionary
        }
        (ok,) = BatchReader.readHeader(payload);
        assertTrue(ok);
    }

    function _validTx() internal pure returns (BatchReader.L2Tx memory l2tx) {
        l2tx.txType = 2;
        l2tx.chainId = 901;
        l2tx.maxPriorityFeePerGas = 1;
        l2tx.maxFeePerGas = 2;
        l2tx.to = address(0x1234);
        l2tx.r = bytes32(uint256(1));
        l2tx.s = bytes32(uint256(1));
    }

    function test_signingHash_unsupportedType_reverts() public {
        BatchReader.L2Tx memory l2tx = _validTx();
        l2tx.txType = 3;
        vm.expectRevert(abi.encodeWithSelector(BatchReader.UnsupportedTransactionType.selector, 3));
        harness.signingHash(l2tx);
        (bool ok,) = BatchReader.recoverSender(l2tx);
        assertFalse(ok);
    }

    function test_signingHash_twoGasPrices_reverts() public {
        BatchReader.L2Tx memory l2tx = _validTx();
        l2tx.txType = 1;
        vm.expectRevert(BatchReader.TwoGasPrices.selector);
        harness.signingHash(l2tx);
        (bool ok,) = BatchReader.recoverSender(l2tx);
        assertFalse(ok);
    }

    function test_signingHash_legacyAccessList_reverts() public {
        BatchReader.L2Tx memory l2tx = _validTx();
        l2tx.txType = 0;
        l2tx.maxPriorityFeePerGas = 2;
        l2tx.accessList = new BatchReader.AccessListEntry[](1);
        vm.expectRevert(BatchReader.LegacyAccessList.selector);
        harness.signingHash(l2tx);
        (bool ok,) = BatchReader.recoverSender(l2tx);
        assertFalse(ok);
    }

    function test_recoverSender_yParityTwo_succeeds() public pure {
        BatchReader.L2Tx memory l2tx = _validTx();
        l2tx.yParity = 2;
        (bool ok, address sender) = BatchReader.recoverSender(l2tx);
        assertFalse(ok);
        assertEq(sender, address(0));
    }

    // --- fuzzing: hostile bytes return ok = false, never revert ----------------------------------

    function test_decompress_fuzzedBytes_succeeds(bytes memory _data) public pure {
        bytes memory batch = bytes.concat(bytes1(0x01), _data);
        bytes32 before = keccak256(batch);
        BatchReader.decompress(batch);
        assertEq(keccak256(batch), before);
    }

    function test_readers_fuzzedPayload_succeeds(bytes memory _payload, uint256 _offset)
        public
        pure
    {
        _offset = bound(_offset, 0, _payload.length + 1);
        (bool ok, BatchReader.PayloadHeader memory h) = BatchReader.readHeader(_payload);
        if (ok) assertLe(h.bodyOffset, _payload.length);
        uint256 next;
        (ok,,,, next) = BatchReader.readBlockHeader(_payload, _offset);
        if (ok) assertLe(next, _payload.length);
        address[] memory dictionary = new address[](3);
        BatchReader.L2Tx memory l2tx;
        (ok, l2tx, next) = BatchReader.readTransaction(_payload, _offset, dictionary, 901);
        if (ok) {
            assertLe(next, _payload.length);
            BatchReader.recoverSender(l2tx);
        }
    }

    function test_readTransaction_fuzzedTypedBody_succeeds(uint8 _type, bytes memory _body)
        public
        pure
    {
        bytes memory payload = bytes.concat(bytes1(_type % 3), _body);
        address[] memory dictionary = new address[](1);
        (bool ok, BatchReader.L2Tx memory l2tx, uint256 next) =
            BatchReader.readTransaction(payload, 0, dictionary, 1);
        if (ok) {
            assertLe(next, payload.length);
            BatchReader.signingHash(l2tx);
        }
    }

    function test_decodeSignedTransaction_fuzzedBytes_succeeds(bytes memory _raw) public pure {
        (bool ok, BatchReader.L2Tx memory l2tx) = BatchReader.decodeSignedTransaction(_raw);
        if (ok) BatchReader.recoverSender(l2tx);
        // the same bytes behind a type byte, and as the body of a list
        (ok, l2tx) = BatchReader.decodeSignedTransaction(bytes.concat(bytes1(0x02), _raw));
        if (ok) BatchReader.recoverSender(l2tx);
    }

    // --- helpers ---------------------------------------------------------------------------------

    function _assertEqBytes(bytes memory _left, bytes memory _right, string memory _what)
        internal
        pure
    {
        if (keccak256(_left) != keccak256(_right)) {
            revert(string.concat(_what, ": ", _toHex(_left), " != ", _toHex(_right)));
        }
    }
}
