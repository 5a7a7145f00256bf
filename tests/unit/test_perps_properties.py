"""Perps properties over random histories of trades, deposits, withdrawals, closes, price moves,
time and liquidations (docs/PERPETUALS.md §1, §5):

- USDC is conserved: balanceOf(USDC, PERPS) * scale == Σ margins + insurance fund + cash after
  every transaction, and the token's total supply never changes;
- no position below maintenance margin + keeper reward survives a liquidation call, unless the
  call was refused for the block's liquidation capacity.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rollup.addresses import PERPS, WETH
from rollup.fixedpoint import from_word
from rollup.state import PerpsMarket, PerpsPosition, perps_market_key, perps_position_key, token_key
from tests.unit.helpers import ADDRESSES, ANVIL_KEYS, FAR_DEADLINE, UINT256_MAX, Chain
from tests.unit.perps_spec import SCALE, USDC6, WAD, perps_document

TRADERS = (0, 1, 2, 3)

deltas = st.builds(
    lambda tenths, sign, wei: sign * (tenths * WAD // 10 + wei),
    st.integers(1, 400),
    st.sampled_from((1, -1)),
    st.integers(0, 10**6),
)

actions = st.one_of(
    st.tuples(st.just("deposit"), st.sampled_from(TRADERS), st.integers(1, 50_000 * 10**6)),
    st.tuples(st.just("withdraw"), st.sampled_from(TRADERS), st.integers(1, 50_000 * 10**6)),
    st.tuples(st.just("trade"), st.sampled_from(TRADERS), deltas),
    st.tuples(st.just("close"), st.sampled_from(TRADERS), st.just(0)),
    st.tuples(st.just("price"), st.just(0), st.integers(1_000 * WAD, 3_000 * WAD)),
    st.tuples(st.just("time"), st.just(0), st.integers(1, 3 * 86_400)),
    st.tuples(st.just("liquidate"), st.sampled_from(TRADERS), st.sampled_from(TRADERS)),
    st.tuples(st.just("liquidate"), st.sampled_from(TRADERS), st.sampled_from(TRADERS)),
)


def ledger(chain: Chain) -> int:
    market: PerpsMarket = chain.leaf(perps_market_key(WETH))
    margins = sum(chain.leaf(perps_position_key(ADDRESSES[i], WETH)).margin for i in TRADERS)
    return int(margins + market.insurance_fund + from_word(market.cash))


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    openings=st.lists(deltas, min_size=4, max_size=4),
    history=st.lists(actions, min_size=10, max_size=40),
)
def test_usdc_is_conserved_and_no_liquidatable_position_survives_a_liquidation_call(
    openings: list[int], history: list[tuple[str, int, int]]
) -> None:
    chain = Chain(perps_document())
    for key in ANVIL_KEYS[:4]:
        chain.approve(key, USDC6, PERPS)
        chain.ok(key, PERPS, "depositMargin(address,uint256)", WETH, 20_000 * 10**6, dt=0)
    supply = chain.leaf(token_key(USDC6)).total_supply
    price = 2_000 * WAD
    opening_trades = [("trade", who, delta) for who, delta in enumerate(openings)]
    for action, who, value in opening_trades + history:
        key = ANVIL_KEYS[who]
        if action == "deposit":
            chain.transact(key, PERPS, "depositMargin(address,uint256)", WETH, value, dt=0)
        elif action == "withdraw":
            chain.transact(key, PERPS, "withdrawMargin(address,uint256)", WETH, value, dt=0)
        elif action == "trade":
            acceptable = UINT256_MAX if value > 0 else 0
            chain.transact(
                key,
                PERPS,
                "modifyPosition(address,int256,uint256,uint256)",
                WETH,
                value,
                acceptable,
                FAR_DEADLINE,
                dt=0,
            )
        elif action == "close":
            chain.transact(
                key, PERPS, "closePosition(address,uint256,uint256)", WETH, 0, FAR_DEADLINE, dt=0
            )
            acceptable_short = chain.leaf(perps_position_key(ADDRESSES[who], WETH))
            if from_word(acceptable_short.size) < 0:  # a short closes by buying
                chain.transact(
                    key,
                    PERPS,
                    "closePosition(address,uint256,uint256)",
                    WETH,
                    UINT256_MAX,
                    FAR_DEADLINE,
                    dt=0,
                )
        elif action == "price":
            price = value
            chain.set_price(WETH, price, WAD // 2, dt=0)
        elif action == "time":
            chain.set_price(WETH, price, WAD // 2, dt=value)  # time passes, the price stays fresh
        else:
            account = ADDRESSES[value]
            sent = chain.transact(key, PERPS, "liquidate(address,address)", account, WETH, dt=0)
            leaf: PerpsPosition = chain.leaf(perps_position_key(account, WETH))
            if leaf.size != 0 and key != ANVIL_KEYS[value]:
                health = chain.call(PERPS, "getPosition(address,address)", account, WETH)[7]
                assert health >= WAD or sent.revert_reason == "liquidation capacity exceeded"
        assert chain.balance(USDC6, PERPS) * SCALE == ledger(chain)
        assert chain.leaf(token_key(USDC6)).total_supply == supply
