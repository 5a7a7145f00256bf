"""The explorer every node serves at /explorer/, in a real headless browser (Debian's chromium,
driven by Selenium through chromedriver), against a sequencer and a verifier settling on anvil.

A user's DeFi session is sent with web3.py first (a swap, a supply and a borrow, a leveraged
position, LP tokens, a borrow that reverts, a perps long, a withdrawal to L1); then each page is opened as a
user would and checked against what the chain says through JSON-RPC, and a screenshot of each is
saved (EXPLORER_SCREENSHOTS, default .artifacts/explorer/).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from web3 import Web3
from web3.logs import DISCARD

from l1.contracts.batch_inbox import BATCH_APPENDED_TOPIC
from l1.contracts.output_oracle import OUTPUT_PROPOSED_TOPIC
from tests.e2e.conftest import (
    AMM,
    FAR_DEADLINE,
    LENDING,
    LEVERAGE,
    MAX_UINT,
    PERPS,
    REPO_ROOT,
    USDC,
    WETH,
    account,
    contract,
    send,
)
from tests.e2e.l1_network import Network, rpc, run_network
from tests.polling import wait_for

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
SCREENSHOTS = Path(os.environ.get("EXPLORER_SCREENSHOTS", REPO_ROOT / ".artifacts" / "explorer"))
PAGE_TIMEOUT = 30.0
PERPS_MARGIN = 1_000 * 10**6  # USDC
PERPS_SIZE = 2 * 10**18  # a 2 WETH long

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="chromium and chromium-driver are missing: run scripts/setup.sh as root",
)


@dataclass
class Session:
    """What the user did, by transaction hash."""

    user: str
    swap: str
    borrow_reverted: str
    leverage_opened: str
    perps_trade: str
    withdrawal: str
    withdrawal_amount: int


def send_user_session(w3: Web3) -> Session:
    user = account(5)
    weth = contract(w3, WETH, "IWETH")
    usdc = contract(w3, USDC, "IERC20")
    amm = contract(w3, AMM, "IAMM")
    lending = contract(w3, LENDING, "ILending")
    leverage = contract(w3, LEVERAGE, "ILeverage")
    bridge = contract(w3, "0x4200000000000000000000000000000000000016", "IL2Bridge")
    for spender in (AMM, LENDING, LEVERAGE):
        assert send(w3, user, weth.functions.approve(spender, MAX_UINT))["status"] == 1
    assert send(w3, user, usdc.functions.approve(AMM, MAX_UINT))["status"] == 1
    reverted = send(w3, user, lending.functions.borrow(USDC, 20_000 * 10**6), gas=300_000)
    assert reverted["status"] == 0
    swap = send(
        w3, user, amm.functions.swapExactIn(WETH, USDC, 10**18, 1, user.address, FAR_DEADLINE)
    )
    assert swap["status"] == 1
    added = send(
        w3,
        user,
        amm.functions.addLiquidity(
            WETH, USDC, 10**17, 300 * 10**6, 0, 0, user.address, FAR_DEADLINE
        ),
    )
    assert added["status"] == 1
    assert send(w3, user, lending.functions.supply(WETH, 2 * 10**18))["status"] == 1
    assert send(w3, user, lending.functions.borrow(USDC, 500 * 10**6))["status"] == 1
    opened = send(
        w3,
        user,
        leverage.functions.openPosition(WETH, USDC, 10**18, 2 * 10**18, MAX_UINT, FAR_DEADLINE),
    )
    assert opened["status"] == 1
    perps = contract(w3, PERPS, "IPerps")
    assert send(w3, user, usdc.functions.approve(PERPS, MAX_UINT))["status"] == 1
    assert send(w3, user, perps.functions.depositMargin(WETH, PERPS_MARGIN))["status"] == 1
    trade = send(w3, user, perps.functions.modifyPosition(WETH, PERPS_SIZE, MAX_UINT, FAR_DEADLINE))
    assert trade["status"] == 1
    amount = 10**16
    withdrawal = send(w3, user, bridge.functions.withdrawETH(user.address), value=amount)
    assert withdrawal["status"] == 1
    return Session(
        user.address,
        swap["transactionHash"].to_0x_hex(),
        reverted["transactionHash"].to_0x_hex(),
        opened["transactionHash"].to_0x_hex(),
        trade["transactionHash"].to_0x_hex(),
        withdrawal["transactionHash"].to_0x_hex(),
        amount,
    )


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    with run_network(tmp_path_factory.mktemp("explorer"), ["--batch-max-delay", "2"]) as running:
        yield running


@pytest.fixture(scope="module")
def session(network: Network) -> Session:
    return send_user_session(network.seq)


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    options.add_argument("--window-size=1400,1600")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


def open_page(browser: webdriver.Chrome, url: str, ready: str) -> None:
    """Load `url` and wait until the element `ready` (CSS) is drawn."""
    browser.get(url)
    wait_until_shown(browser, ready)


def wait_until_shown(browser: webdriver.Chrome, selector: str) -> Any:
    def shown() -> Any:
        try:
            found = browser.find_elements(By.CSS_SELECTOR, selector)
        except WebDriverException:
            return None
        return found[0] if found else None

    wait_for(shown, PAGE_TIMEOUT, f"{selector} on {browser.current_url}")
    return shown()


def text_of(browser: webdriver.Chrome, selector: str) -> str:
    """The element's rendered text (table cells joined by a space), read in one script: a live
    redraw can replace the element between a lookup and a read, but not inside one script."""
    text = browser.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.innerText : null", selector
    )
    assert text is not None, f"{selector} is not on {browser.current_url}"
    return " ".join(str(text).replace("\t", " ").split(" ")).strip()


def screenshot(browser: webdriver.Chrome, name: str) -> None:
    path = SCREENSHOTS / f"{name}.png"
    assert browser.save_screenshot(str(path))
    assert path.stat().st_size > 10_000  # a drawn page, not a blank one


def test_latest_page_lists_the_users_newest_transaction(
    network: Network, session: Session, browser: webdriver.Chrome
) -> None:
    open_page(browser, f"{network.sequencer.url}/explorer/", "#latest-transactions")
    newest = text_of(browser, "#latest-transactions tbody tr:first-child td:first-child")
    assert newest == f"{session.withdrawal[:10]}…{session.withdrawal[-6:]}"
    screenshot(browser, "latest")


def test_latest_page_follows_new_blocks_without_a_reload(
    network: Network, session: Session, browser: webdriver.Chrome
) -> None:
    open_page(browser, f"{network.sequencer.url}/explorer/", "#head-unsafe")
    wait_for(lambda: text_of(browser, "#live") == "live", PAGE_TIMEOUT, "the WebSocket")
    browser.execute_script("window.loadedOnce = true")
    first = int(text_of(browser, "#head-unsafe"))
    wait_for(
        lambda: int(text_of(browser, "#head-unsafe")) > first,
        PAGE_TIMEOUT,
        "the head shown to move",
    )
    assert browser.execute_script("return window.loadedOnce") is True  # the same page


def test_transaction_page_decodes_the_swap_call_and_its_events(
    network: Network, session: Session, browser: webdriver.Chrome
) -> None:
    open_page(browser, f"{network.sequencer.url}/explorer/tx/{session.swap}", "#call-arguments")
    assert text_of(browser, "#call-title") == "AMM.swapExactIn"
    arguments = text_of(browser, "#call-arguments")
    assert f"tokenIn address {WETH.lower()}" in arguments
    assert "amountIn uint256 1000000000000000000" in arguments
    receipt = network.seq.eth.get_transaction_receipt(session.swap)  # type: ignore[arg-type]
    swap = (
        contract(network.seq, AMM, "IAMM")
        .events.Swap()
        .process_receipt(receipt, errors=DISCARD)[0]
        .args
    )
    events = text_of(browser, "#events")
    assert "AMM.Swap" in events
    assert f"amountOut uint256 {swap.amountOut}" in events
    assert "success" in text_of(browser, "#tx-status")
    screenshot(browser, "transaction")


def test_transaction_page_decodes_a_perps_trade_and_its_event(
    network: Network, session: Session, browser: webdriver.Chrome
) -> None:
    url = f"{network.sequencer.url}/explorer/tx/{session.perps_trade}"
    open_page(browser, url, "#call-arguments")
    assert text_of(browser, "#call-title") == "Perps.modifyPosition"
    arguments = text_of(browser, "#call-arguments")
    assert f"asset address {WETH.lower()}" in arguments
    assert f"sizeDelta int256 {PERPS_SIZE}" in arguments
    receipt = network.seq.eth.get_transaction_receipt(session.perps_trade)  # type: ignore[arg-type]
    (event,) = (
        contract(network.seq, PERPS, "IPerps")
        .events.PositionModified()
        .process_receipt(receipt, errors=DISCARD)
    )
    events = text_of(browser, "#events")
    assert "Perps.PositionModified" in events
    assert f"size int256 {PERPS_SIZE}" in events
    assert f"fillPrice uint256 {event.args.fillPrice}" in events
    assert f"fee uint256 {event.args.fee}" in events
    screenshot(browser, "transaction-perps")


def test_transaction_page_shows_why_a_transaction_reverted(
    network: Network, session: Session, browser: webdriver.Chrome
) -> None:
    url = f"{network.sequencer.url}/explorer/tx/{session.borrow_reverted}"
    open_page(browser, url, "#revert-reason")
    assert text_of(browser, "#revert-reason") == "borrow exceeds borrow limit"
    assert "reverted" in text_of(browser, "#tx-status")
    assert text_of(browser, "#call-title") == "Lending.borrow"
    screenshot(browser, "transaction-reverted")


def format_units(amount: int, decimals: int) -> str:
    """What the page shows for an amount: grouped whole part, fraction without trailing zeros."""
    whole, fraction = divmod(amount, 10**decimals)
    digits = f"{fraction:0{decimals}d}".rstrip("0") if decimals else ""
    return f"{whole:,}" + (f".{digits}" if digits else "")


def format_wad(amount: int, places: int) -> str:
    """A WAD figure as the page shows it: cut (not rounded) to `places` decimals."""
    if amount < 0:
        return "-" + format_wad(-amount, places)
    whole, _, fraction = format_units(amount, 18).partition(".")
    return f"{whole}.{fraction[:places]}" if fraction else whole


def test_account_page_shows_balances_positions_and_withdrawals(
    network: Network, session: Session, browser: webdriver.Chrome
) -> None:
    w3 = network.seq
    url = f"{network.sequencer.url}/explorer/address/{session.user}"
    open_page(browser, url, "#withdrawals")
    usdc = contract(w3, USDC, "IERC20").functions.balanceOf(session.user).call()
    assert f"USDC {format_units(usdc, 6)}" in text_of(browser, "#token-balances")
    lending = contract(w3, LENDING, "ILending")
    collateral, debt, _limit, _liq, health = lending.functions.getAccountData(session.user).call()
    assert text_of(browser, "#health-factor") == format_wad(health, 3)
    leverage = collateral * 10**18 // (collateral - debt)  # collateral over equity
    assert text_of(browser, "#leverage") == format_wad(leverage, 2) + "x"
    supplied, _ = lending.functions.getPosition(session.user, WETH).call()
    assert f"WETH {format_units(supplied, 18)}" in text_of(browser, "#lending-positions")
    assert "WETH/USDC" in text_of(browser, "#lp-positions")
    assert "LeverageOpened" in text_of(browser, "#leverage-events")
    size, entry, margin, pnl, _funding, _bad_debt, liquidation, health = (
        contract(w3, PERPS, "IPerps").functions.getPosition(session.user, WETH).call()
    )
    assert size == PERPS_SIZE and 0 < liquidation < entry and health > 10**18
    perps_row = text_of(browser, "#perps-positions tbody tr:first-child")
    # Market, side, size, entry, index, margin and PnL do not move while the price does not; the
    # funding, liquidation price and health drift with time (shown, not compared exactly).
    assert perps_row.startswith(
        f"WETH-PERP long 2 {format_wad(entry, 2)} 3,000 {format_wad(margin, 2)} "
        f"{format_wad(pnl, 2)} "
    ), perps_row
    assert perps_row.endswith("x"), perps_row  # the leverage
    perps_events = text_of(browser, "#perps-events")
    assert "PositionModified" in perps_events and "MarginDeposited" in perps_events
    sent = text_of(browser, "#account-transactions").splitlines()
    assert sent[1].startswith(f"{session.withdrawal[:10]}…{session.withdrawal[-6:]}")
    assert len(sent) == 1 + 14  # the header, then the 14 transactions the session sent
    withdrawals = text_of(browser, "#withdrawals")
    assert format_units(session.withdrawal_amount, 18) in withdrawals
    assert "not proven" in withdrawals  # its L1 status, read from the Bridge on anvil
    screenshot(browser, "account")


def test_settlement_page_lists_batches_and_outputs_from_l1(
    network: Network, session: Session, browser: webdriver.Chrome
) -> None:
    wait_for(
        lambda: rpc(network.sequencer.url, "rollup_syncStatus", [])["l1"]["outputs_proposed"] >= 1,
        120,
        "an output on L1",
    )
    client = network.anvil.client
    deployment = network.deployment
    newest = client.get_logs(
        [deployment.batch_inbox], [BATCH_APPENDED_TOPIC], deployment.deploy_block_number, "latest"
    )[-1]
    batch_bytes = len(client.get_transaction_input(newest.tx_hash))
    (first_output,) = client.get_logs(
        [deployment.output_oracle],
        [OUTPUT_PROPOSED_TOPIC, None, b"\x00" * 32],  # output index 0
        deployment.deploy_block_number,
        "latest",
    )
    open_page(browser, f"{network.sequencer.url}/explorer/settlement", "#batches")
    index = int.from_bytes(newest.topics[1], "big")
    row = f"{index} {newest.block_number} 0x{newest.tx_hash.hex()} {batch_bytes}"
    assert row in text_of(browser, "#batches").splitlines()  # the page lists the newest 20
    l2_block = int.from_bytes(first_output.topics[3], "big")
    output_rows = text_of(browser, "#outputs").splitlines()
    assert any(line.startswith(f"0 {l2_block} ") for line in output_rows), output_rows
    assert text_of(browser, "#games") == "no dispute games"
    screenshot(browser, "settlement")


def test_search_by_block_number_opens_the_block(
    network: Network, session: Session, browser: webdriver.Chrome
) -> None:
    open_page(browser, f"{network.sequencer.url}/explorer/", "#search-input")
    field = browser.find_element(By.CSS_SELECTOR, "#search-input")
    field.send_keys("3", Keys.ENTER)
    wait_for(lambda: text_of(browser, "#view-title") == "Block 3", PAGE_TIMEOUT, "block 3")
    assert browser.current_url.endswith("/explorer/block/3")
    block = network.seq.eth.get_block(3)
    assert "0x" + bytes(block["hash"]).hex() in text_of(browser, "#view")
    screenshot(browser, "block")


def test_search_by_transaction_hash_opens_the_transaction(
    network: Network, session: Session, browser: webdriver.Chrome
) -> None:
    open_page(browser, f"{network.sequencer.url}/explorer/", "#search-input")
    browser.find_element(By.CSS_SELECTOR, "#search-input").send_keys(session.swap, Keys.ENTER)
    wait_for(
        lambda: text_of(browser, "#view-title") == f"Transaction {session.swap}",
        PAGE_TIMEOUT,
        "the swap's page",
    )


def test_search_for_nothing_known_says_so(
    network: Network, session: Session, browser: webdriver.Chrome
) -> None:
    open_page(browser, f"{network.sequencer.url}/explorer/", "#search-input")
    browser.find_element(By.CSS_SELECTOR, "#search-input").send_keys("0x1234", Keys.ENTER)
    wait_until_shown(browser, "#error")
    assert text_of(browser, "#error") == "'0x1234' is not a block number, a hash or an address"


def test_the_verifier_serves_the_same_transaction_page(
    network: Network, session: Session, browser: webdriver.Chrome
) -> None:
    wait_for(
        lambda: network.ver.eth.get_transaction_receipt(session.swap) is not None,  # type: ignore[arg-type]
        120,
        "the verifier to derive the swap",
    )
    open_page(browser, f"{network.verifier.url}/explorer/tx/{session.swap}", "#call-arguments")
    assert text_of(browser, "#call-title") == "AMM.swapExactIn"


def test_explorer_api_answers_404_for_an_unknown_transaction(network: Network) -> None:
    missing = "0x" + "ab" * 32
    response = httpx.get(f"{network.sequencer.url}/explorer/api/tx/{missing}")
    assert response.status_code == 404
    assert response.json() == {"error": f"transaction {missing} not found"}


def test_explorer_api_answers_404_for_a_malformed_address(network: Network) -> None:
    response = httpx.get(f"{network.sequencer.url}/explorer/api/address/0xzz")
    assert response.status_code == 404
    assert response.json() == {"error": "'0xzz' is not a 20-byte address"}


def test_explorer_loads_nothing_from_outside_the_node(
    network: Network, session: Session, browser: webdriver.Chrome
) -> None:
    open_page(browser, f"{network.sequencer.url}/explorer/", "#latest-blocks")
    sources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert sources
    assert all(url.startswith(network.sequencer.url) for url in sources), sources
