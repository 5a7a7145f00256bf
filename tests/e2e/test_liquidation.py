"""An oracle price drop makes a borrower liquidatable; a liquidator repays and takes the bonus."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from web3 import Web3
from web3.logs import DISCARD

from tests.e2e.conftest import (
    LENDING,
    MAX_UINT,
    ORACLE,
    USDC,
    WETH,
    NodeProcess,
    account,
    contract,
    send,
    start_node,
)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    running = start_node(tmp_path_factory.mktemp("liquidation"))
    yield running
    running.stop()


def test_price_drop_then_liquidation_seizes_collateral_with_bonus(w3: Web3) -> None:
    borrower, liquidator, oracle_key = account(5), account(6), account(9)
    weth = contract(w3, WETH, "IWETH")
    usdc = contract(w3, USDC, "IERC20")
    lending = contract(w3, LENDING, "ILending")
    oracle = contract(w3, ORACLE, "IOracle")
    assert send(w3, borrower, weth.functions.approve(LENDING, MAX_UINT))["status"] == 1
    assert send(w3, borrower, lending.functions.supply(WETH, 10 * 10**18))["status"] == 1
    # 10 WETH at $3,000 with CF 0.74 allow $22,200 of debt.
    assert send(w3, borrower, lending.functions.borrow(USDC, 22_000 * 10**6))["status"] == 1
    assert lending.functions.getAccountData(borrower.address).call()[4] > 10**18

    receipt = send(
        w3,
        liquidator,
        lending.functions.liquidate(borrower.address, USDC, WETH, 1_000 * 10**6),
        gas=400_000,
    )
    assert receipt["status"] == 0  # healthy positions cannot be liquidated

    not_oracle = send(w3, liquidator, oracle.functions.setPrice(WETH, 1, 0), gas=100_000)
    assert not_oracle["status"] == 0
    assert oracle.functions.getPrice(WETH).call()[0] == 3_000 * 10**18

    assert (
        send(w3, oracle_key, oracle.functions.setPrice(WETH, 2_500 * 10**18, 6 * 10**17))["status"]
        == 1
    )
    collateral, debt, _limit, liquidation_limit, health = lending.functions.getAccountData(
        borrower.address
    ).call()
    assert collateral == 25_000 * 10**18
    assert liquidation_limit == 25_000 * 10**18 * 79 // 100  # LT 0.85 - 0.1 * 0.6
    assert health == liquidation_limit * 10**18 // debt
    assert health < 10**18

    assert send(w3, liquidator, usdc.functions.approve(LENDING, MAX_UINT))["status"] == 1
    weth_before = weth.functions.balanceOf(liquidator.address).call()
    usdc_before = usdc.functions.balanceOf(liquidator.address).call()
    receipt = send(
        w3, liquidator, lending.functions.liquidate(borrower.address, USDC, WETH, 11_000 * 10**6)
    )
    assert receipt["status"] == 1
    event = lending.events.LiquidationCall().process_receipt(receipt, errors=DISCARD)[0].args
    # $11,000 repaid, plus the 5% WETH bonus, at $2,500: 4.62 WETH.
    assert (event.repaid, event.seized) == (11_000 * 10**6, 462 * 10**16)
    assert weth.functions.balanceOf(liquidator.address).call() == weth_before + 462 * 10**16
    assert usdc.functions.balanceOf(liquidator.address).call() == usdc_before - 11_000 * 10**6
    supplied, _ = lending.functions.getPosition(borrower.address, WETH).call()
    assert supplied == 10 * 10**18 - 462 * 10**16
