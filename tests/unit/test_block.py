"""Blocks: the EIP-1559 base fee, header fields and hash, ordered roots, determinism."""

from __future__ import annotations

from dataclasses import replace

import pytest
from eth_abi.abi import encode as abi_encode

from rollup.abi import encode_call
from rollup.block import (
    ZERO_HASH,
    Header,
    SignedTransaction,
    compute_ordered_root,
    compute_receipts_root,
    decode_header,
    execute_block,
)
from rollup.crypto import keccak256
from rollup.state import State
from tests.unit.helpers import ADDRESSES, ANVIL_KEYS, USDC, Chain, base_document

ALICE_KEY, BOB_KEY = ANVIL_KEYS[0], ANVIL_KEYS[1]
ALICE, BOB = ADDRESSES[0], ADDRESSES[1]
GWEI = 10**9


def small_block_chain() -> Chain:
    """Block gas limit 200,000 (target 100,000), base fee 1 gwei, floor 0.001 gwei."""
    return Chain(base_document(gasLimit=200_000, baseFee=GWEI, minBaseFee=10**6))


def transfers(
    chain: Chain, count: int, *, data_sizes: tuple[int, ...] = ()
) -> list[SignedTransaction]:
    signed = []
    for index in range(count):
        data = b"\x01" * (data_sizes[index] if index < len(data_sizes) else 0)
        signed.append(chain.sign(ALICE_KEY, BOB, data, 1, gas_limit=21_000 + 16 * len(data)))
    return signed


# ---------------------------------------------------------------------------------------------
# EIP-1559


def test_base_fee_rises_by_the_excess_over_the_target_divided_by_8() -> None:
    chain = small_block_chain()
    block = chain.execute(transfers(chain, 5))  # 105,000 gas, 5,000 over the 100,000 target
    assert block.header.gas_used == 105_000
    assert block.header.base_fee == 875_000_000  # genesis used no gas: 1 gwei - 1/8
    next_block = chain.execute([])
    assert next_block.header.base_fee == 875_000_000 + 875_000_000 * 5_000 // 100_000 // 8
    assert next_block.header.base_fee == 880_468_750


def test_base_fee_after_an_empty_block_falls_by_one_eighth() -> None:
    chain = small_block_chain()
    first = chain.execute([])
    assert first.header.base_fee == GWEI - GWEI * 100_000 // 100_000 // 8
    assert first.header.base_fee == 875_000_000
    second = chain.execute([])
    assert second.header.base_fee == 875_000_000 - 875_000_000 // 8


def test_base_fee_stays_when_the_parent_used_exactly_the_target() -> None:
    chain = small_block_chain()
    # 3 plain transfers (63,000) and one with 1,000 non-zero data bytes (37,000) = 100,000
    block = chain.execute(transfers(chain, 4, data_sizes=(0, 0, 0, 1_000)))
    assert block.header.gas_used == 100_000
    assert chain.execute([]).header.base_fee == block.header.base_fee


def test_base_fee_rises_by_at_least_one_wei_over_the_target() -> None:
    chain = Chain(base_document(gasLimit=200_000, baseFee=100, minBaseFee=1))
    block = chain.execute(transfers(chain, 5))  # 105,000 gas
    assert block.header.base_fee == 100 - 100 // 8 == 88
    # 88 * 5,000 // 100,000 // 8 = 0, so the increase is the 1 wei minimum
    assert chain.execute([]).header.base_fee == 88 + 1


def test_base_fee_never_falls_below_the_floor() -> None:
    chain = Chain(base_document(baseFee=10**6, minBaseFee=10**6))
    for _ in range(3):
        assert chain.execute([]).header.base_fee == 10**6


def test_a_transaction_pays_the_base_fee_of_its_block() -> None:
    chain = small_block_chain()
    chain.execute(transfers(chain, 5))
    sent = chain.send(ALICE_KEY, BOB, b"", 1, gas_limit=21_000)
    assert sent.receipt.effective_gas_price == sent.block.header.base_fee


# ---------------------------------------------------------------------------------------------
# Headers and roots


def test_the_genesis_header_is_block_zero_with_the_genesis_state_root() -> None:
    chain = Chain()
    header = chain.genesis_header
    assert (header.number, header.parent_hash, header.timestamp, header.gas_used) == (
        0,
        ZERO_HASH,
        0,
        0,
    )
    assert header.state_root == chain.state.root
    assert header.transactions_root == header.receipts_root == ZERO_HASH


def test_a_block_header_links_to_its_parent_and_sums_its_gas() -> None:
    chain = Chain()
    block = chain.execute(
        [
            chain.sign(ALICE_KEY, BOB, b"", 1),
            chain.sign(BOB_KEY, USDC, encode_call("transfer(address,uint256)", ALICE, 1)),
        ],
        dt=2,
    )
    header = block.header
    assert header.number == 1
    assert header.parent_hash == chain.genesis_header.hash
    assert header.timestamp == 2
    assert header.gas_used == sum(receipt.gas_used for receipt in block.receipts)
    assert [receipt.cumulative_gas_used for receipt in block.receipts] == [
        block.receipts[0].gas_used,
        header.gas_used,
    ]
    assert header.gas_limit == chain.config.block_gas_limit
    assert header.state_root == chain.state.root


def test_the_block_hash_is_keccak_of_the_abi_encoded_committed_fields() -> None:
    chain = Chain()
    header = chain.execute([chain.sign(ALICE_KEY, BOB, b"", 1)]).header
    expected = keccak256(
        abi_encode(
            [*("bytes32", "uint256", "uint256", "uint256", "bytes32", "bytes32"), *["uint256"] * 3],
            [
                header.parent_hash,
                header.number,
                header.timestamp,
                header.l1_origin_number,
                header.state_root,
                header.transactions_root,
                header.gas_limit,
                header.gas_used,
                header.base_fee,
            ],
        )
    )
    assert header.hash == expected


def test_the_derived_header_fields_are_not_part_of_the_block_hash() -> None:
    chain = Chain()
    header = chain.execute([chain.sign(ALICE_KEY, BOB, b"", 1)]).header
    other = replace(header, receipts_root=b"\x01" * 32, withdrawal_root=b"\x02" * 32)
    assert other.hash == header.hash


def test_a_header_decodes_back_to_itself() -> None:
    chain = Chain()
    header = chain.execute([chain.sign(ALICE_KEY, BOB, b"", 1)]).header
    header = replace(header, l1_origin_number=77, withdrawal_root=b"\x05" * 32)
    assert decode_header(header.encode()) == header


def test_the_l1_origin_is_recorded_in_the_header() -> None:
    chain = Chain()
    block = execute_block(chain.state, chain.config, chain.head, [], 1, 42)
    assert block.header.l1_origin_number == 42


def test_the_ordered_root_pairs_hashes_and_carries_an_odd_one_up() -> None:
    a, b, c = b"\xaa" * 32, b"\xbb" * 32, b"\xcc" * 32
    assert compute_ordered_root([]) == ZERO_HASH
    assert compute_ordered_root([a]) == a
    assert compute_ordered_root([a, b]) == keccak256(a + b)
    assert compute_ordered_root([a, b, c]) == keccak256(keccak256(a + b) + c)


def test_the_transactions_root_chains_hash_status_and_gas_of_each_transaction() -> None:
    chain = Chain()
    signed = [
        chain.sign(ALICE_KEY, BOB, b"", 1),
        chain.sign(ALICE_KEY, USDC, encode_call("transfer(address,uint256)", BOB, 10**30)),
    ]
    block = chain.execute(signed)
    assert [receipt.status for receipt in block.receipts] == [1, 0]
    root = ZERO_HASH
    for item, receipt in zip(signed, block.receipts, strict=True):
        assert item.hash == keccak256(item.raw)
        root = keccak256(
            abi_encode(
                ["bytes32", "bytes32", "uint256", "uint256"],
                [root, item.hash, receipt.status, receipt.gas_used],
            )
        )
    assert block.header.transactions_root == root


def test_a_block_without_transactions_has_a_zero_transactions_root() -> None:
    chain = Chain()
    assert chain.execute([]).header.transactions_root == ZERO_HASH


def test_the_receipts_root_commits_to_status_cumulative_gas_and_logs() -> None:
    chain = Chain()
    block = chain.execute(
        [
            chain.sign(ALICE_KEY, USDC, encode_call("transfer(address,uint256)", BOB, 1)),
            chain.sign(ALICE_KEY, USDC, encode_call("transfer(address,uint256)", BOB, 10**30)),
        ]
    )
    first, second = block.receipts
    assert (first.status, second.status) == (1, 0)
    # abi.encodePacked(txHash, uint8 status, uint64 cumulativeGas, uint32 logCount,
    #                  (address, uint8 topicCount, topics..., uint32 dataLength, data)...)
    encoded = [
        receipt.transaction_hash
        + receipt.status.to_bytes(1, "big")
        + receipt.cumulative_gas_used.to_bytes(8, "big")
        + len(receipt.logs).to_bytes(4, "big")
        + b"".join(
            log.address
            + len(log.topics).to_bytes(1, "big")
            + b"".join(log.topics)
            + len(log.data).to_bytes(4, "big")
            + log.data
            for log in receipt.logs
        )
        for receipt in block.receipts
    ]
    assert [receipt.encode() for receipt in block.receipts] == encoded
    assert len(encoded[1]) == 32 + 1 + 8 + 4  # the reverted transfer has no logs
    assert block.header.receipts_root == keccak256(keccak256(encoded[0]) + keccak256(encoded[1]))
    assert block.header.receipts_root == compute_receipts_root(block.receipts)


def test_an_empty_block_keeps_the_state_root_and_has_zero_roots() -> None:
    chain = Chain()
    block = chain.execute([])
    assert block.header.state_root == chain.genesis_header.state_root
    assert block.header.transactions_root == block.header.receipts_root == ZERO_HASH
    assert block.header.gas_used == 0


def test_a_block_may_share_its_parents_timestamp() -> None:
    chain = Chain()
    chain.execute([], dt=5)
    assert chain.execute([], dt=0).header.timestamp == 5


def test_a_block_before_its_parents_timestamp_is_refused() -> None:
    chain = Chain()
    chain.execute([], dt=5)
    with pytest.raises(ValueError, match="block timestamp before its parent's"):
        execute_block(chain.state, chain.config, chain.head, [], 4)


def test_transactions_past_the_block_transaction_limit_are_skipped() -> None:
    chain = Chain()
    config = replace(chain.config, max_transactions_per_block=2)
    signed = [chain.sign(ALICE_KEY, BOB, b"", value) for value in (1, 2, 3)]
    block = execute_block(chain.state, config, chain.head, signed, 1)
    assert block.transactions == signed[:2]
    assert block.skipped == [(signed[2], "block transaction limit reached")]


def test_a_transaction_beyond_the_gas_left_in_the_block_is_skipped() -> None:
    chain = small_block_chain()
    first = chain.sign(ALICE_KEY, BOB, b"", 1, gas_limit=21_000)
    too_big = chain.sign(BOB_KEY, ALICE, b"", 1, gas_limit=200_000 - 21_000 + 1)
    block = chain.execute([first, too_big])
    assert block.transactions == [first]
    assert block.skipped == [(too_big, "gas limit reached")]


# ---------------------------------------------------------------------------------------------
# Determinism


def test_the_same_blocks_from_the_same_genesis_give_the_same_hashes_and_roots() -> None:
    chain = Chain()
    chain.execute([chain.sign(ALICE_KEY, BOB, b"", 1), chain.sign(BOB_KEY, ALICE, b"", 2)])
    chain.execute([chain.sign(ALICE_KEY, USDC, encode_call("transfer(address,uint256)", BOB, 3))])
    replayed = chain.replay()
    assert [block.header for block in replayed.blocks] == [block.header for block in chain.blocks]
    assert replayed.state.root == chain.state.root


def test_a_different_timestamp_gives_a_different_block_hash() -> None:
    one, two = Chain(), Chain()
    assert one.execute([], dt=1).header.hash != two.execute([], dt=2).header.hash


def test_reloading_the_leaves_rebuilds_the_same_state_root() -> None:
    chain = Chain()
    chain.execute([chain.sign(ALICE_KEY, BOB, b"", 1)])
    reloaded = State()
    assert reloaded.load_leaves(chain.state.items()) == chain.state.root


def test_applying_each_blocks_writes_to_its_parent_state_gives_its_state_root() -> None:
    chain = Chain(base_document())
    weth = bytes.fromhex("4200000000000000000000000000000000000006")
    chain.execute(
        [
            chain.sign(ALICE_KEY, BOB, b"", 1),
            # approve(0) of a fresh allowance writes an empty leaf, which the state does not keep
            chain.sign(ALICE_KEY, weth, encode_call("approve(address,uint256)", BOB, 0)),
        ]
    )
    chain.execute([chain.sign(BOB_KEY, ALICE, b"", 1)])
    replica = State()
    replica.load_leaves(Chain(base_document()).state.items())
    for block in chain.blocks:
        assert replica.apply_writes(block.writes) == block.header.state_root
    assert dict(replica.items()) == dict(chain.state.items())


def test_header_is_a_frozen_value() -> None:
    header = Chain().genesis_header
    assert isinstance(header, Header)
    with pytest.raises(AttributeError):
        header.number = 5  # type: ignore[misc]
