// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {SparseMerkleProof} from "../libraries/SparseMerkleProof.sol";

/// @title L2State
/// @notice The L2 state as a one-step proof sees it (docs/FRAUD_PROOFS.md §2): the leaves a step
///         touches, loaded from a witness proven against the pre-state root, read and written in
///         memory by the Solidity STF, then folded into the post-state root exactly as
///         rollup.state.State.apply_writes does. Leaf layouts and keys mirror rollup/state.py.
library L2State {
    /// @notice The STF read a leaf the witness does not hold: the witness is incomplete.
    error MissingWitness(bytes32 key);
    /// @notice A witness leaf's proof does not verify against the pre-state root.
    error InvalidWitnessProof(bytes32 key);
    /// @notice A witness leaf has the wrong number of words, or is absent yet not all zero.
    error MalformedWitnessLeaf(bytes32 key);
    /// @notice Witness leaves are not strictly sorted by key.
    error UnsortedWitness();
    /// @notice An update or withdrawal proof is missing, extra, or does not verify.
    error InvalidUpdateProof(bytes32 key);
    /// @notice More withdrawals in one step than a Db holds.
    error TooManyWithdrawals();

    uint8 internal constant KIND_ACCOUNT = 1;
    uint8 internal constant KIND_TOKEN = 2;
    uint8 internal constant KIND_TOKEN_BALANCE = 3;
    uint8 internal constant KIND_ALLOWANCE = 4;
    uint8 internal constant KIND_POOL = 5;
    uint8 internal constant KIND_LIQUIDITY = 6;
    uint8 internal constant KIND_MARKET = 7;
    uint8 internal constant KIND_MARKET_CONFIG = 8;
    uint8 internal constant KIND_POSITION = 9;
    uint8 internal constant KIND_LENDING_ACCOUNT = 10;
    uint8 internal constant KIND_PRICE = 11;
    uint8 internal constant KIND_SYSTEM = 12;
    uint8 internal constant KIND_WITHDRAWALS = 13;
    uint8 internal constant KIND_PERPS_MARKET = 15;
    uint8 internal constant KIND_PERPS_MARKET_CONFIG = 16;
    uint8 internal constant KIND_PERPS_POSITION = 17;

    uint256 internal constant MAX_MARKETS_PER_ACCOUNT = 8;
    uint256 internal constant MAX_WITHDRAWALS_PER_STEP = 8;

    /// @dev Value hash of a withdrawal-tree leaf (rollup.state.WITHDRAWAL_PRESENT_VALUE_HASH).
    bytes32 internal constant WITHDRAWAL_PRESENT = bytes32(uint256(1));

    /// @notice A leaf of the witness: its tree key, current words, whether the tree held it before
    ///         the step, and its words before the step.
    struct Leaf {
        bytes32 key;
        uint256[] words;
        bool present;
        uint256[] original;
    }

    /// @notice The state a step runs on. `withdrawals[0..withdrawalCount)` are the withdrawal
    ///         hashes recorded so far in this step, in index order.
    struct Db {
        Leaf[] leaves;
        bytes32[] withdrawals;
        uint256 withdrawalCount;
    }

    /// @notice A witness leaf as encoded (FRAUD_PROOFS.md §2).
    struct WitnessLeaf {
        bytes32 key;
        uint256[] words;
        bool present;
        bytes proof;
    }

    /// @notice A step's witness as encoded (FRAUD_PROOFS.md §2).
    struct Witness {
        WitnessLeaf[] leaves;
        bytes[] updateProofs;
        bytes[] withdrawalProofs;
    }

    // ------------------------------------------------------------------------------------------
    // Typed leaves (rollup/state.py)

    struct Account {
        uint256 nonce;
        uint256 balance;
    }

    struct Token {
        uint256 registered;
        uint256 totalSupply;
        uint256 decimals;
        uint256 l1Token;
        uint256 name;
        uint256 symbol;
    }

    struct Pool {
        uint256 created;
        uint256 reserve0;
        uint256 reserve1;
        uint256 totalLiquidity;
    }

    struct Market {
        uint256 totalSupplyScaled;
        uint256 totalBorrowScaled;
        uint256 supplyIndex;
        uint256 borrowIndex;
        uint256 reserves;
        uint256 lastUpdate;
    }

    struct MarketConfig {
        uint256 listed;
        uint256 baseRate;
        uint256 slope1;
        uint256 slope2;
        uint256 optimalUtilization;
        uint256 reserveFactor;
        uint256 collateralFactor;
        uint256 liquidationThreshold;
        uint256 liquidationBonus;
        uint256 closeFactor;
        uint256 volatilitySensitivity;
        uint256 collateralFactorFloor;
        uint256 liquidationThresholdFloor;
    }

    struct Position {
        uint256 supplyScaled;
        uint256 borrowScaled;
    }

    struct Price {
        uint256 price;
        uint256 volatility;
        uint256 updatedAt;
    }

    struct SystemParams {
        uint256 oracle;
        uint256 priceMaxAge;
    }

    struct Withdrawals {
        uint256 count;
        uint256 root;
    }

    /// @notice rollup.state.PerpsMarket (12 words); int256 fields are their two's complement
    ///         words in the leaf (docs/PERPETUALS.md §3).
    struct PerpsMarket {
        int256 skew;
        uint256 longOpenInterest;
        uint256 shortOpenInterest;
        int256 fundingRate;
        int256 fundingIndex;
        uint256 lastFundingTime;
        uint256 insuranceFund;
        int256 cash;
        uint256 longBadDebtIndex;
        uint256 shortBadDebtIndex;
        uint256 liquidationBucket;
        uint256 liquidationBlock;
    }

    /// @notice rollup.state.PerpsMarketConfig (17 words).
    struct PerpsMarketConfig {
        uint256 listed;
        uint256 marginToken;
        uint256 skewScale;
        uint256 maxFundingVelocity;
        uint256 makerFee;
        uint256 takerFee;
        uint256 minInitialMarginRatio;
        uint256 initialMarginSlope;
        uint256 volatilitySensitivity;
        uint256 maintenanceMarginScalar;
        uint256 minMargin;
        uint256 keeperRewardRatio;
        uint256 keeperRewardMin;
        uint256 keeperRewardMax;
        uint256 maxOpenInterest;
        uint256 minPositionSize;
        uint256 liquidationCapacity;
    }

    /// @notice rollup.state.PerpsPosition (5 words).
    struct PerpsPosition {
        int256 size;
        uint256 entryPrice;
        uint256 margin;
        int256 fundingIndex;
        uint256 badDebtIndex;
    }

    // ------------------------------------------------------------------------------------------
    // Loading, committing

    /// @notice Decodes `_witness`, checks every leaf against `_preRoot`, and returns the Db.
    function load(bytes memory _witness, bytes32 _preRoot)
        internal
        pure
        returns (Db memory db_, Witness memory witness_)
    {
        witness_ = abi.decode(_witness, (Witness));
        uint256 count = witness_.leaves.length;
        db_.leaves = new Leaf[](count);
        db_.withdrawals = new bytes32[](MAX_WITHDRAWALS_PER_STEP);
        for (uint256 i = 0; i < count; i++) {
            WitnessLeaf memory leaf = witness_.leaves[i];
            if (i > 0 && uint256(leaf.key) <= uint256(witness_.leaves[i - 1].key)) {
                revert UnsortedWitness();
            }
            _checkWitnessLeaf(leaf, _preRoot);
            db_.leaves[i] = Leaf(leaf.key, _copy(leaf.words), leaf.present, leaf.words);
        }
    }

    /// @notice Folds the Db's writes into the tree: withdrawals first (their root into the
    ///         Withdrawals leaf), then every changed leaf in witness order. Returns the post root.
    function commit(Db memory _db, Witness memory _witness, bytes32 _preRoot)
        internal
        pure
        returns (bytes32 root_)
    {
        if (_db.withdrawalCount != _witness.withdrawalProofs.length) {
            revert InvalidUpdateProof(bytes32(0));
        }
        if (_db.withdrawalCount > 0) {
            bytes32 summaryKey = withdrawalsKey();
            Withdrawals memory summary = getWithdrawals(_db);
            bytes32 withdrawalRoot = bytes32(summary.root);
            for (uint256 i = 0; i < _db.withdrawalCount; i++) {
                bytes32 hash = _db.withdrawals[i];
                bytes memory proof = _witness.withdrawalProofs[i];
                if (!SparseMerkleProof.verifyExclusion(withdrawalRoot, hash, proof)) {
                    revert InvalidUpdateProof(hash);
                }
                bool ok;
                (ok, withdrawalRoot) =
                    SparseMerkleProof.computeRootAfterUpdate(hash, WITHDRAWAL_PRESENT, proof);
                if (!ok) revert InvalidUpdateProof(hash);
            }
            summary.root = uint256(withdrawalRoot);
            _writeWords(_db, summaryKey, _pair(summary.count, summary.root));
        }
        root_ = _preRoot;
        uint256 used = 0;
        for (uint256 i = 0; i < _db.leaves.length; i++) {
            Leaf memory leaf = _db.leaves[i];
            if (!_changesTree(leaf)) continue;
            if (used >= _witness.updateProofs.length) revert InvalidUpdateProof(leaf.key);
            bytes memory proof = _witness.updateProofs[used++];
            bool onPath = leaf.present
                ? SparseMerkleProof.verifyInclusion(
                    root_, leaf.key, _hashWords(leaf.original), proof
                )
                : SparseMerkleProof.verifyExclusion(root_, leaf.key, proof);
            if (!onPath) revert InvalidUpdateProof(leaf.key);
            bool ok;
            (ok, root_) =
                SparseMerkleProof.computeRootAfterUpdate(leaf.key, _hashWords(leaf.words), proof);
            if (!ok) revert InvalidUpdateProof(leaf.key);
        }
        if (used != _witness.updateProofs.length) revert InvalidUpdateProof(bytes32(0));
    }

    // ------------------------------------------------------------------------------------------
    // Raw access

    /// @notice A copy of the words under tree key `_key`; reverts if the witness lacks it.
    function read(Db memory _db, bytes32 _key) internal pure returns (uint256[] memory) {
        return _copy(_find(_db, _key).words);
    }

    /// @notice Replaces the words under `_key` with a copy of `_words` (same width).
    function write(Db memory _db, bytes32 _key, uint256[] memory _words) internal pure {
        _writeWords(_db, _key, _copy(_words));
    }

    /// @notice Appends a withdrawal hash to the withdrawal tree at commit.
    function recordWithdrawal(Db memory _db, bytes32 _hash) internal pure {
        if (_db.withdrawalCount >= _db.withdrawals.length) revert TooManyWithdrawals();
        _db.withdrawals[_db.withdrawalCount++] = _hash;
    }

    // ------------------------------------------------------------------------------------------
    // Keys: keccak256(abi.encodePacked(kind, fields)) (rollup.state.compute_tree_key)

    function accountKey(address _account) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(KIND_ACCOUNT, _account));
    }

    function tokenKey(address _token) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(KIND_TOKEN, _token));
    }

    function balanceKey(address _token, address _owner) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(KIND_TOKEN_BALANCE, _token, _owner));
    }

    function allowanceKey(address _token, address _owner, address _spender)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(KIND_ALLOWANCE, _token, _owner, _spender));
    }

    function poolKey(address _token0, address _token1) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(KIND_POOL, _token0, _token1));
    }

    function liquidityKey(address _token0, address _token1, address _owner)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(KIND_LIQUIDITY, _token0, _token1, _owner));
    }

    function marketKey(address _asset) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(KIND_MARKET, _asset));
    }

    function marketConfigKey(address _asset) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(KIND_MARKET_CONFIG, _asset));
    }

    function positionKey(address _account, address _asset) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(KIND_POSITION, _account, _asset));
    }

    function lendingAccountKey(address _account) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(KIND_LENDING_ACCOUNT, _account));
    }

    function priceKey(address _asset) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(KIND_PRICE, _asset));
    }

    function systemKey() internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(KIND_SYSTEM));
    }

    function withdrawalsKey() internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(KIND_WITHDRAWALS));
    }

    function perpsMarketKey(address _asset) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(KIND_PERPS_MARKET, _asset));
    }

    function perpsMarketConfigKey(address _asset) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(KIND_PERPS_MARKET_CONFIG, _asset));
    }

    function perpsPositionKey(address _account, address _asset) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(KIND_PERPS_POSITION, _account, _asset));
    }

    // ------------------------------------------------------------------------------------------
    // Typed accessors

    function getAccount(Db memory _db, address _account) internal pure returns (Account memory) {
        uint256[] memory w = _find(_db, accountKey(_account)).words;
        return Account(w[0], w[1]);
    }

    function setAccount(Db memory _db, address _account, Account memory _value) internal pure {
        _writeWords(_db, accountKey(_account), _pair(_value.nonce, _value.balance));
    }

    function getToken(Db memory _db, address _token) internal pure returns (Token memory) {
        uint256[] memory w = _find(_db, tokenKey(_token)).words;
        return Token(w[0], w[1], w[2], w[3], w[4], w[5]);
    }

    function setToken(Db memory _db, address _token, Token memory _value) internal pure {
        uint256[] memory w = new uint256[](6);
        w[0] = _value.registered;
        w[1] = _value.totalSupply;
        w[2] = _value.decimals;
        w[3] = _value.l1Token;
        w[4] = _value.name;
        w[5] = _value.symbol;
        _writeWords(_db, tokenKey(_token), w);
    }

    function getBalance(Db memory _db, address _token, address _owner)
        internal
        pure
        returns (uint256)
    {
        return _find(_db, balanceKey(_token, _owner)).words[0];
    }

    function setBalance(Db memory _db, address _token, address _owner, uint256 _amount)
        internal
        pure
    {
        _writeWords(_db, balanceKey(_token, _owner), _single(_amount));
    }

    function getAllowance(Db memory _db, address _token, address _owner, address _spender)
        internal
        pure
        returns (uint256)
    {
        return _find(_db, allowanceKey(_token, _owner, _spender)).words[0];
    }

    function setAllowance(
        Db memory _db,
        address _token,
        address _owner,
        address _spender,
        uint256 _amount
    ) internal pure {
        _writeWords(_db, allowanceKey(_token, _owner, _spender), _single(_amount));
    }

    function getPool(Db memory _db, address _token0, address _token1)
        internal
        pure
        returns (Pool memory)
    {
        uint256[] memory w = _find(_db, poolKey(_token0, _token1)).words;
        return Pool(w[0], w[1], w[2], w[3]);
    }

    function setPool(Db memory _db, address _token0, address _token1, Pool memory _value)
        internal
        pure
    {
        uint256[] memory w = new uint256[](4);
        w[0] = _value.created;
        w[1] = _value.reserve0;
        w[2] = _value.reserve1;
        w[3] = _value.totalLiquidity;
        _writeWords(_db, poolKey(_token0, _token1), w);
    }

    function getLiquidity(Db memory _db, address _token0, address _token1, address _owner)
        internal
        pure
        returns (uint256)
    {
        return _find(_db, liquidityKey(_token0, _token1, _owner)).words[0];
    }

    function setLiquidity(
        Db memory _db,
        address _token0,
        address _token1,
        address _owner,
        uint256 _amount
    ) internal pure {
        _writeWords(_db, liquidityKey(_token0, _token1, _owner), _single(_amount));
    }

    function getMarket(Db memory _db, address _asset) internal pure returns (Market memory) {
        uint256[] memory w = _find(_db, marketKey(_asset)).words;
        return Market(w[0], w[1], w[2], w[3], w[4], w[5]);
    }

    function setMarket(Db memory _db, address _asset, Market memory _value) internal pure {
        uint256[] memory w = new uint256[](6);
        w[0] = _value.totalSupplyScaled;
        w[1] = _value.totalBorrowScaled;
        w[2] = _value.supplyIndex;
        w[3] = _value.borrowIndex;
        w[4] = _value.reserves;
        w[5] = _value.lastUpdate;
        _writeWords(_db, marketKey(_asset), w);
    }

    function getMarketConfig(Db memory _db, address _asset)
        internal
        pure
        returns (MarketConfig memory c_)
    {
        uint256[] memory w = _find(_db, marketConfigKey(_asset)).words;
        c_.listed = w[0];
        c_.baseRate = w[1];
        c_.slope1 = w[2];
        c_.slope2 = w[3];
        c_.optimalUtilization = w[4];
        c_.reserveFactor = w[5];
        c_.collateralFactor = w[6];
        c_.liquidationThreshold = w[7];
        c_.liquidationBonus = w[8];
        c_.closeFactor = w[9];
        c_.volatilitySensitivity = w[10];
        c_.collateralFactorFloor = w[11];
        c_.liquidationThresholdFloor = w[12];
    }

    function getPosition(Db memory _db, address _account, address _asset)
        internal
        pure
        returns (Position memory)
    {
        uint256[] memory w = _find(_db, positionKey(_account, _asset)).words;
        return Position(w[0], w[1]);
    }

    function setPosition(Db memory _db, address _account, address _asset, Position memory _value)
        internal
        pure
    {
        _writeWords(
            _db, positionKey(_account, _asset), _pair(_value.supplyScaled, _value.borrowScaled)
        );
    }

    /// @notice The markets (asset addresses, 0 = free slot) an account has a position in.
    function getLendingAccount(Db memory _db, address _account)
        internal
        pure
        returns (uint256[] memory)
    {
        return _copy(_find(_db, lendingAccountKey(_account)).words);
    }

    function setLendingAccount(Db memory _db, address _account, uint256[] memory _markets)
        internal
        pure
    {
        _writeWords(_db, lendingAccountKey(_account), _copy(_markets));
    }

    function getPrice(Db memory _db, address _asset) internal pure returns (Price memory) {
        uint256[] memory w = _find(_db, priceKey(_asset)).words;
        return Price(w[0], w[1], w[2]);
    }

    function setPrice(Db memory _db, address _asset, Price memory _value) internal pure {
        uint256[] memory w = new uint256[](3);
        w[0] = _value.price;
        w[1] = _value.volatility;
        w[2] = _value.updatedAt;
        _writeWords(_db, priceKey(_asset), w);
    }

    function getSystem(Db memory _db) internal pure returns (SystemParams memory) {
        uint256[] memory w = _find(_db, systemKey()).words;
        return SystemParams(w[0], w[1]);
    }

    function getWithdrawals(Db memory _db) internal pure returns (Withdrawals memory) {
        uint256[] memory w = _find(_db, withdrawalsKey()).words;
        return Withdrawals(w[0], w[1]);
    }

    function setWithdrawals(Db memory _db, Withdrawals memory _value) internal pure {
        _writeWords(_db, withdrawalsKey(), _pair(_value.count, _value.root));
    }

    // The perps leaves: a struct of n 32-byte fields has the memory layout of n words, so the
    // words are copied as they are (an int256 field is its two's complement word).

    function getPerpsMarket(Db memory _db, address _asset)
        internal
        pure
        returns (PerpsMarket memory m_)
    {
        uint256[] memory w = _find(_db, perpsMarketKey(_asset)).words;
        if (w.length != 12) revert MalformedWitnessLeaf(perpsMarketKey(_asset));
        assembly ("memory-safe") {
            mcopy(m_, add(w, 0x20), 384)
        }
    }

    function setPerpsMarket(Db memory _db, address _asset, PerpsMarket memory _value)
        internal
        pure
    {
        uint256[] memory w = new uint256[](12);
        assembly ("memory-safe") {
            mcopy(add(w, 0x20), _value, 384)
        }
        _writeWords(_db, perpsMarketKey(_asset), w);
    }

    function getPerpsMarketConfig(Db memory _db, address _asset)
        internal
        pure
        returns (PerpsMarketConfig memory c_)
    {
        uint256[] memory w = _find(_db, perpsMarketConfigKey(_asset)).words;
        if (w.length != 17) revert MalformedWitnessLeaf(perpsMarketConfigKey(_asset));
        assembly ("memory-safe") {
            mcopy(c_, add(w, 0x20), 544)
        }
    }

    function getPerpsPosition(Db memory _db, address _account, address _asset)
        internal
        pure
        returns (PerpsPosition memory p_)
    {
        uint256[] memory w = _find(_db, perpsPositionKey(_account, _asset)).words;
        if (w.length != 5) revert MalformedWitnessLeaf(perpsPositionKey(_account, _asset));
        assembly ("memory-safe") {
            mcopy(p_, add(w, 0x20), 160)
        }
    }

    function setPerpsPosition(
        Db memory _db,
        address _account,
        address _asset,
        PerpsPosition memory _value
    ) internal pure {
        uint256[] memory w = new uint256[](5);
        assembly ("memory-safe") {
            mcopy(add(w, 0x20), _value, 160)
        }
        _writeWords(_db, perpsPositionKey(_account, _asset), w);
    }

    // ------------------------------------------------------------------------------------------
    // Internals

    function _checkWitnessLeaf(WitnessLeaf memory _leaf, bytes32 _preRoot) private pure {
        if (_leaf.words.length == 0) revert MalformedWitnessLeaf(_leaf.key);
        if (_leaf.present) {
            bytes32 valueHash = _hashWords(_leaf.words);
            if (!SparseMerkleProof.verifyInclusion(_preRoot, _leaf.key, valueHash, _leaf.proof)) {
                revert InvalidWitnessProof(_leaf.key);
            }
        } else {
            if (!_isZero(_leaf.words)) revert MalformedWitnessLeaf(_leaf.key);
            if (!SparseMerkleProof.verifyExclusion(_preRoot, _leaf.key, _leaf.proof)) {
                revert InvalidWitnessProof(_leaf.key);
            }
        }
    }

    /// @dev Whether a leaf's final words change the tree (rollup.state.State.apply_writes).
    function _changesTree(Leaf memory _leaf) private pure returns (bool) {
        if (_leaf.present) return _hashWords(_leaf.words) != _hashWords(_leaf.original);
        return !_isZero(_leaf.words);
    }

    function _find(Db memory _db, bytes32 _key) private pure returns (Leaf memory) {
        Leaf[] memory leaves = _db.leaves;
        for (uint256 i = 0; i < leaves.length; i++) {
            if (leaves[i].key == _key) return leaves[i];
        }
        revert MissingWitness(_key);
    }

    function _writeWords(Db memory _db, bytes32 _key, uint256[] memory _words) private pure {
        Leaf memory leaf = _find(_db, _key);
        if (_words.length != leaf.words.length) revert MalformedWitnessLeaf(_key);
        leaf.words = _words;
    }

    function _hashWords(uint256[] memory _words) private pure returns (bytes32) {
        return keccak256(abi.encodePacked(_words));
    }

    function _isZero(uint256[] memory _words) private pure returns (bool) {
        for (uint256 i = 0; i < _words.length; i++) {
            if (_words[i] != 0) return false;
        }
        return true;
    }

    function _copy(uint256[] memory _words) private pure returns (uint256[] memory copy_) {
        copy_ = new uint256[](_words.length);
        for (uint256 i = 0; i < _words.length; i++) {
            copy_[i] = _words[i];
        }
    }

    function _single(uint256 _a) private pure returns (uint256[] memory w_) {
        w_ = new uint256[](1);
        w_[0] = _a;
    }

    function _pair(uint256 _a, uint256 _b) private pure returns (uint256[] memory w_) {
        w_ = new uint256[](2);
        w_[0] = _a;
        w_[1] = _b;
    }
}
