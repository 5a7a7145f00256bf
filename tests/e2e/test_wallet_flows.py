"""A wallet user's DeFi day on the L2, through the JSON-RPC endpoint with web3.py and cast."""

from __future__ import annotations

from web3 import Web3
from web3.logs import DISCARD

from tests.e2e.conftest import (
    AMM,
    DAI,
    FAR_DEADLINE,
    FEE_VAULT,
    LENDING,
    LEVERAGE,
    MAX_UINT,
    USDC,
    WETH,
    NodeProcess,
    account,
    cast,
    contract,
    send,
)


def compute_amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    return amount_in * 997 * reserve_out // (reserve_in * 1000 + amount_in * 997)


def compute_amount_in(amount_out: int, reserve_in: int, reserve_out: int) -> int:
    return reserve_in * amount_out * 1000 // ((reserve_out - amount_out) * 997) + 1


def test_eth_transfer_moves_value_and_pays_fee_to_vault(w3: Web3) -> None:
    sender = account(1)
    recipient = "0x000000000000000000000000000000000000bEEF"
    before_sender = w3.eth.get_balance(sender.address)
    before_vault = w3.eth.get_balance(FEE_VAULT)
    receipt = send(w3, sender, to=recipient, value=12345, gas=21_000)
    assert receipt["status"] == 1
    assert receipt["gasUsed"] == 21_000
    fee = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert w3.eth.get_balance(recipient) == 12345
    assert w3.eth.get_balance(sender.address) == before_sender - 12345 - fee
    assert w3.eth.get_balance(FEE_VAULT) == before_vault + fee


def test_approve_and_swap_pays_uniswap_v2_output(w3: Web3) -> None:
    trader = account(2)
    weth = contract(w3, WETH, "IWETH")
    usdc = contract(w3, USDC, "IERC20")
    amm = contract(w3, AMM, "IAMM")
    approval = send(w3, trader, weth.functions.approve(AMM, MAX_UINT))
    assert approval["status"] == 1
    assert weth.functions.allowance(trader.address, AMM).call() == MAX_UINT
    reserve_weth, reserve_usdc, _ = amm.functions.getReserves(WETH, USDC).call()
    expected = compute_amount_out(10**18, reserve_weth, reserve_usdc)
    usdc_before = usdc.functions.balanceOf(trader.address).call()
    receipt = send(
        w3,
        trader,
        amm.functions.swapExactIn(WETH, USDC, 10**18, expected, trader.address, FAR_DEADLINE),
    )
    assert receipt["status"] == 1
    assert usdc.functions.balanceOf(trader.address).call() == usdc_before + expected
    assert amm.functions.getReserves(WETH, USDC).call()[:2] == [
        reserve_weth + 10**18,
        reserve_usdc - expected,
    ]
    swaps = amm.events.Swap().process_receipt(receipt, errors=DISCARD)
    assert [
        (e.args.tokenIn, e.args.tokenOut, e.args.amountIn, e.args.amountOut) for e in swaps
    ] == [(WETH, USDC, 10**18, expected)]


def test_swap_below_min_out_reverts_with_reason_and_keeps_balances(w3: Web3) -> None:
    trader = account(2)
    weth = contract(w3, WETH, "IWETH")
    amm = contract(w3, AMM, "IAMM")
    reserve_weth, reserve_usdc, _ = amm.functions.getReserves(WETH, USDC).call()
    too_much = compute_amount_out(10**17, reserve_weth, reserve_usdc) + 1
    balance = weth.functions.balanceOf(trader.address).call()
    call = amm.functions.swapExactIn(WETH, USDC, 10**17, too_much, trader.address, FAR_DEADLINE)
    receipt = send(w3, trader, call, gas=200_000)
    assert receipt["status"] == 0
    assert weth.functions.balanceOf(trader.address).call() == balance
    assert amm.functions.getReserves(WETH, USDC).call()[:2] == [reserve_weth, reserve_usdc]


def test_supply_borrow_repay_round_trip(w3: Web3) -> None:
    user = account(3)
    weth = contract(w3, WETH, "IWETH")
    usdc = contract(w3, USDC, "IERC20")
    lending = contract(w3, LENDING, "ILending")
    assert send(w3, user, weth.functions.approve(LENDING, MAX_UINT))["status"] == 1
    assert send(w3, user, usdc.functions.approve(LENDING, MAX_UINT))["status"] == 1
    assert send(w3, user, lending.functions.supply(WETH, 5 * 10**18))["status"] == 1
    supplied, borrowed = lending.functions.getPosition(user.address, WETH).call()
    assert (supplied, borrowed) == (5 * 10**18, 0)
    usdc_before = usdc.functions.balanceOf(user.address).call()
    assert send(w3, user, lending.functions.borrow(USDC, 1_000 * 10**6))["status"] == 1
    assert usdc.functions.balanceOf(user.address).call() == usdc_before + 1_000 * 10**6
    collateral, debt, borrow_limit, _liq, health = lending.functions.getAccountData(
        user.address
    ).call()
    assert collateral == 5 * 3_000 * 10**18
    # WETH collateral factor 0.80 lowered by 0.1 * 60% volatility = 0.74
    assert borrow_limit == 15_000 * 10**18 * 74 // 100
    assert debt >= 1_000 * 10**18
    assert health > 10**18
    receipt = send(w3, user, lending.functions.repay(USDC, MAX_UINT))
    assert receipt["status"] == 1
    assert lending.functions.getPosition(user.address, USDC).call() == [0, 0]
    repaid = lending.events.Repay().process_receipt(receipt, errors=DISCARD)[0].args.amount
    assert repaid >= 1_000 * 10**6
    assert usdc.functions.balanceOf(user.address).call() == usdc_before + 1_000 * 10**6 - repaid


def test_borrow_past_the_limit_reverts(w3: Web3) -> None:
    user = account(3)
    lending = contract(w3, LENDING, "ILending")
    usdc = contract(w3, USDC, "IERC20")
    balance = usdc.functions.balanceOf(user.address).call()
    receipt = send(w3, user, lending.functions.borrow(USDC, 20_000 * 10**6), gas=300_000)
    assert receipt["status"] == 0
    assert usdc.functions.balanceOf(user.address).call() == balance
    assert lending.functions.getPosition(user.address, USDC).call() == [0, 0]


def test_open_and_close_leveraged_position(w3: Web3) -> None:
    user = account(4)
    weth = contract(w3, WETH, "IWETH")
    lending = contract(w3, LENDING, "ILending")
    leverage = contract(w3, LEVERAGE, "ILeverage")
    amm = contract(w3, AMM, "IAMM")
    assert leverage.functions.maxLeverage(WETH).call() == 10**36 // (10**18 - 74 * 10**16)
    assert send(w3, user, weth.functions.approve(LEVERAGE, MAX_UINT))["status"] == 1
    reserve_usdc, reserve_weth, _ = amm.functions.getReserves(USDC, WETH).call()
    expected_debt = compute_amount_in(2 * 10**18, reserve_usdc, reserve_weth)
    bought = compute_amount_out(expected_debt, reserve_usdc, reserve_weth)
    weth_before = weth.functions.balanceOf(user.address).call()
    receipt = send(
        w3,
        user,
        leverage.functions.openPosition(
            WETH, USDC, 10**18, 3 * 10**18, expected_debt, FAR_DEADLINE
        ),
    )
    assert receipt["status"] == 1
    opened = leverage.events.LeverageOpened().process_receipt(receipt, errors=DISCARD)[0].args
    assert (opened.principal, opened.collateral, opened.debt) == (
        10**18,
        10**18 + bought,
        expected_debt,
    )
    assert bought >= 2 * 10**18
    assert weth.functions.balanceOf(user.address).call() == weth_before - 10**18
    supplied, borrowed = (
        lending.functions.getPosition(user.address, WETH).call()[0],
        lending.functions.getPosition(user.address, USDC).call()[1],
    )
    assert supplied == 10**18 + bought
    assert expected_debt <= borrowed <= expected_debt + expected_debt // 10**6

    receipt = send(w3, user, leverage.functions.closePosition(WETH, USDC, 0, FAR_DEADLINE))
    assert receipt["status"] == 1
    closed = leverage.events.LeverageClosed().process_receipt(receipt, errors=DISCARD)[0].args
    assert lending.functions.getPosition(user.address, WETH).call() == [0, 0]
    assert lending.functions.getPosition(user.address, USDC).call() == [0, 0]
    assert weth.functions.balanceOf(user.address).call() == weth_before - 10**18 + closed.returned
    # Two swaps' fees and price impact cost a little of the principal, never more than 2%.
    assert 98 * 10**16 <= closed.returned < 10**18


def test_leverage_above_maximum_reverts(w3: Web3) -> None:
    user = account(4)
    leverage = contract(w3, LEVERAGE, "ILeverage")
    maximum = leverage.functions.maxLeverage(WETH).call()
    receipt = send(
        w3,
        user,
        leverage.functions.openPosition(WETH, USDC, 10**18, maximum + 1, MAX_UINT, FAR_DEADLINE),
        gas=600_000,
    )
    assert receipt["status"] == 0


def test_eth_call_reads_token_metadata(w3: Web3) -> None:
    usdc = contract(w3, USDC, "IERC20")
    assert usdc.functions.symbol().call() == "USDC"
    assert usdc.functions.name().call() == "USD Coin"
    assert usdc.functions.decimals().call() == 6


def test_get_logs_finds_transfer_events_by_topic(w3: Web3) -> None:
    sender = account(5)
    dai = contract(w3, DAI, "IERC20")
    recipient = "0x000000000000000000000000000000000000dEaD"
    receipt = send(w3, sender, dai.functions.transfer(recipient, 777))
    topic = Web3.keccak(text="Transfer(address,address,uint256)")
    logs = w3.eth.get_logs(
        {
            "fromBlock": receipt["blockNumber"],
            "toBlock": receipt["blockNumber"],
            "address": DAI,
            "topics": [topic, None, "0x" + "00" * 12 + recipient[2:].lower()],
        }
    )
    assert len(logs) == 1
    assert logs[0]["transactionHash"] == receipt["transactionHash"]
    assert int.from_bytes(logs[0]["data"], "big") == 777
    assert dai.functions.balanceOf(recipient).call() == 777


def test_system_contracts_report_code_and_accounts_do_not(w3: Web3) -> None:
    assert w3.eth.get_code(LENDING) == b"\xfe"
    assert w3.eth.get_code(USDC) == b"\xfe"
    assert w3.eth.get_code(account(1).address) == b""


def test_cast_sends_eth_and_reads_balance(node: NodeProcess) -> None:
    sender = account(7)
    recipient = "0x00000000000000000000000000000000000ca570"
    output = cast(
        "send",
        "--rpc-url",
        node.url,
        "--private-key",
        sender.key.hex(),
        recipient,
        "--value",
        "1000",
        "--json",
    )
    assert '"status":"0x1"' in output.replace(" ", "")
    assert cast("balance", "--rpc-url", node.url, recipient) == "1000"


def test_cast_calls_a_token_and_sends_an_erc20_transfer(node: NodeProcess) -> None:
    sender = account(7)
    recipient = "0x00000000000000000000000000000000000ca571"
    assert cast("call", "--rpc-url", node.url, USDC, "symbol()(string)") == '"USDC"'
    cast(
        "send",
        "--rpc-url",
        node.url,
        "--private-key",
        sender.key.hex(),
        USDC,
        "transfer(address,uint256)",
        recipient,
        "2500000",
    )
    assert (
        cast("call", "--rpc-url", node.url, USDC, "balanceOf(address)(uint256)", recipient)
        == "2500000 [2.5e6]"
    )
