"""The docker-compose network, for real: images built from Debian's packages (docker/build-images.sh),
`docker compose -f docker-compose.yml -f docker-compose.host.yml up`, and a wallet, an L1 user and
an operator using it from the host the way the README tells them to.

One network serves the whole module (scripts/test.sh runs each module on one xdist worker, in file
order; the last test replaces the L1); it is torn down with its volumes, and the images this module built are
removed, so the machine is left as it was found.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from eth_account import Account
from web3 import Web3

from l1.deploy import Deployment
from l1.rpc import L1Client
from tests.e2e.conftest import (
    AMM,
    DEV_KEYS,
    FAR_DEADLINE,
    LENDING,
    MAX_UINT,
    USDC,
    WETH,
    account,
    contract,
    run_rollup,
    send,
)
from tests.e2e.docker_engine import Compose, built_images, docker_engine, find_compose, run
from tests.polling import wait_for

pytestmark = [pytest.mark.e2e]

PROJECT = "defi-rollup-e2e"
FILES = ["docker-compose.yml", "docker-compose.host.yml"]
PORTS = {
    "sequencer": 8545,
    "verifier": 8546,
    "anvil": 8547,
    "postgres": 5432,
    "sequencer metrics": 9545,
    "verifier metrics": 9546,
}
LONG_RUNNING = ("anvil", "postgres", "sequencer", "verifier")
L1_CHAIN_ID = 31337
FINALIZATION_PERIOD = 135  # docker-compose.yml's deployer
IMAGE_BUILD_TIMEOUT = 1_500.0
HEALTHY_TIMEOUT = 240.0


@dataclass
class ComposeNetwork:
    compose: Compose
    sequencer: Web3
    verifier: Web3
    l1: L1Client
    deployment: Deployment
    deployment_file: Path


def port_is_taken(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until_healthy(compose: Compose, services: tuple[str, ...], timeout: float) -> None:
    def healthy() -> bool:
        states = {service: compose.state(service) for service in services}
        failed = [name for name, state in states.items() if state in ("exited", "dead")]
        assert not failed, "\n".join(compose.logs(name)[-3000:] for name in failed)
        return all(state == "healthy" for state in states.values())

    wait_for(healthy, timeout, f"{', '.join(services)} to be healthy", interval=1.0)


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ComposeNetwork]:
    taken = [f"{name} {port}" for name, port in PORTS.items() if port_is_taken(port)]
    assert not taken, f"the host-network services need these 127.0.0.1 ports free: {taken}"
    with docker_engine(), built_images(IMAGE_BUILD_TIMEOUT):
        compose = Compose(find_compose(), FILES, PROJECT)
        try:
            compose("up", "-d", timeout=600)
            wait_until_healthy(compose, LONG_RUNNING, HEALTHY_TIMEOUT)
            assert compose.exit_code("deployer") == 0
            directory = tmp_path_factory.mktemp("compose")
            deployment_file = directory / "deployment.json"
            container = compose.container_id("deployer")
            run(
                ["docker", "cp", f"{container}:/data/shared/deployment.json", str(deployment_file)],
                60,
            )
            yield ComposeNetwork(
                compose,
                Web3(Web3.HTTPProvider(f"http://127.0.0.1:{PORTS['sequencer']}")),
                Web3(Web3.HTTPProvider(f"http://127.0.0.1:{PORTS['verifier']}")),
                L1Client(f"http://127.0.0.1:{PORTS['anvil']}"),
                Deployment.read(deployment_file),
                deployment_file,
            )
        finally:
            compose("down", "--volumes", "--remove-orphans", timeout=300, check=False)


def test_every_service_listens_on_localhost_only(network: ComposeNetwork) -> None:
    listening = {
        (conn.laddr.ip, conn.laddr.port)
        for conn in psutil.net_connections(kind="inet")
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port in PORTS.values()
    }
    assert listening == {("127.0.0.1", port) for port in PORTS.values()}


def test_sequencer_and_verifier_serve_the_devnet_chain(network: ComposeNetwork) -> None:
    assert network.l1.chain_id() == network.deployment.l1_chain_id == L1_CHAIN_ID
    assert network.sequencer.eth.chain_id == network.verifier.eth.chain_id == 901


def test_transfer_moves_value(network: ComposeNetwork) -> None:
    w3 = network.sequencer
    recipient = "0x000000000000000000000000000000000000c0DE"
    before = w3.eth.get_balance(recipient)
    receipt = send(w3, account(1), to=recipient, value=7 * 10**15, gas=21_000)
    assert receipt["status"] == 1
    assert w3.eth.get_balance(recipient) == before + 7 * 10**15


def test_swap_pays_the_constant_product_output(network: ComposeNetwork) -> None:
    w3 = network.sequencer
    trader = account(2)
    weth, usdc = contract(w3, WETH, "IWETH"), contract(w3, USDC, "IERC20")
    amm = contract(w3, AMM, "IAMM")
    assert send(w3, trader, weth.functions.approve(AMM, MAX_UINT))["status"] == 1
    reserve_in, reserve_out, _ = amm.functions.getReserves(WETH, USDC).call()
    expected = 10**18 * 997 * reserve_out // (reserve_in * 1000 + 10**18 * 997)
    before = usdc.functions.balanceOf(trader.address).call()
    swap = amm.functions.swapExactIn(WETH, USDC, 10**18, expected, trader.address, FAR_DEADLINE)
    assert send(w3, trader, swap)["status"] == 1
    assert usdc.functions.balanceOf(trader.address).call() == before + expected


def test_supply_then_borrow_against_it(network: ComposeNetwork) -> None:
    w3 = network.sequencer
    user = account(4)
    weth, usdc = contract(w3, WETH, "IWETH"), contract(w3, USDC, "IERC20")
    lending = contract(w3, LENDING, "ILending")
    assert send(w3, user, weth.functions.approve(LENDING, MAX_UINT))["status"] == 1
    assert send(w3, user, lending.functions.supply(WETH, 2 * 10**18))["status"] == 1
    before = usdc.functions.balanceOf(user.address).call()
    assert send(w3, user, lending.functions.borrow(USDC, 500 * 10**6))["status"] == 1
    assert usdc.functions.balanceOf(user.address).call() == before + 500 * 10**6
    assert lending.functions.getPosition(user.address, WETH).call() == [2 * 10**18, 0]
    assert lending.functions.getPosition(user.address, USDC).call()[1] >= 500 * 10**6


def test_deposit_from_l1_then_withdrawal_proven_and_finalized_on_l1(
    network: ComposeNetwork,
) -> None:
    """The README's bridge round trip with the `rollup` CLI on the host."""
    key = DEV_KEYS[8]
    user = Account.from_key(key)
    l1_url, l2_url = network.l1.url, network.sequencer.provider.endpoint_uri  # type: ignore[attr-defined]
    deployment = str(network.deployment_file)
    l2_before = network.sequencer.eth.get_balance(user.address)
    run_rollup(
        "deposit", "--l1-rpc", l1_url, "--deployment", deployment, "--private-key", key,
        "--amount", "2",
    )  # fmt: skip
    wait_for(
        lambda: network.sequencer.eth.get_balance(user.address) == l2_before + 2 * 10**18,
        60,
        "the deposit on L2",
    )
    initiated = run_rollup(
        "withdraw", "initiate", "--rpc-url", l2_url, "--private-key", key, "--amount", "1.25"
    )
    tx_hash = initiated.split("tx ")[1].split()[0]
    l1_options = ["--l1-rpc", l1_url, "--deployment", deployment, "--private-key", key]
    run_rollup("withdraw", "prove", "--rpc-url", l2_url, *l1_options, "--tx-hash", tx_hash)
    address = bytes.fromhex(user.address[2:])
    l1_before = network.l1.get_balance(address)
    target = network.l1.get_block("latest").timestamp + FINALIZATION_PERIOD + 1
    network.l1.request("evm_increaseTime", [FINALIZATION_PERIOD + 1])
    wait_for(lambda: network.l1.get_block("latest").timestamp >= target, 30, "a later L1 block")
    finalized = run_rollup(
        "withdraw", "finalize", "--rpc-url", l2_url, *l1_options, "--tx-hash", tx_hash
    )
    assert "finalized: 1250000000000000000" in finalized
    # The L1 balance grows by the withdrawal less the finalize transaction's gas.
    assert 1.24 * 10**18 < network.l1.get_balance(address) - l1_before <= 1.25 * 10**18


def test_verifier_in_its_container_reaches_the_sequencers_safe_blocks(
    network: ComposeNetwork,
) -> None:
    status = network.sequencer.provider.make_request("rollup_syncStatus", [])["result"]  # type: ignore[arg-type]
    safe = status["safe_l2"]["number"]
    assert safe > 0
    wait_for(
        lambda: network.verifier.eth.get_block("latest")["number"] >= safe,
        120,
        f"the verifier to derive block {safe}",
    )
    for number in range(1, safe + 1):
        assert (
            network.verifier.eth.get_block(number)["hash"]
            == (network.sequencer.eth.get_block(number)["hash"])
        ), number


def test_sequencer_restarted_while_postgres_is_down_waits_then_keeps_every_block(
    network: ComposeNetwork,
) -> None:
    w3, compose = network.sequencer, network.compose
    receipt = send(w3, account(5), to="0x000000000000000000000000000000000000dEaD", value=1)
    head = w3.eth.get_block("latest")
    compose("stop", "sequencer")
    compose("stop", "postgres")
    reported = compose.logs("sequencer").count("not ready")
    compose("start", "sequencer")
    wait_for(
        lambda: compose.logs("sequencer").count("not ready") > reported,
        60,
        "the sequencer to report that PostgreSQL is not ready",
    )
    compose("start", "postgres")
    wait_until_healthy(compose, ("postgres", "sequencer"), HEALTHY_TIMEOUT)
    assert w3.eth.get_block(head["number"])["hash"] == head["hash"]
    assert (
        w3.eth.get_transaction_receipt(receipt["transactionHash"])["blockHash"]
        == (receipt["blockHash"])
    )
    wait_for(lambda: w3.eth.block_number > head["number"] + 2, 60, "new blocks after the restart")


def test_missing_deployment_file_is_named_in_the_logs_until_it_is_back(
    network: ComposeNetwork,
) -> None:
    compose = network.compose
    message = "error: deployment file /data/shared/deployment.json does not exist"
    reported = count_in_logs(compose, "verifier", message)
    move_in_shared_volume("deployment.json", "deployment.json.away")
    try:
        compose("restart", "verifier")
        wait_for(
            lambda: count_in_logs(compose, "verifier", message) > reported,
            60,
            "the verifier to name the missing deployment file",
        )
    finally:
        move_in_shared_volume("deployment.json.away", "deployment.json")
    wait_until_healthy(compose, ("verifier",), HEALTHY_TIMEOUT)


def test_l1_with_another_chain_id_is_refused_by_name(network: ComposeNetwork) -> None:
    """Last: it replaces the L1. anvil recreated with another L1_CHAIN_ID is a new chain, not the
    one the deployment in the volume was made on: the deployer and the sequencer say so."""
    compose = network.compose
    wrong = {"L1_CHAIN_ID": "1"}
    message = (
        "error: the L1 at http://anvil:8547 is chain 1, but the deployment "
        f"/data/shared/deployment.json was made on chain {L1_CHAIN_ID}"
    )
    compose("stop", "sequencer", "verifier")
    reported = {name: count_in_logs(compose, name, message) for name in ("deployer", "sequencer")}
    compose("up", "-d", "--no-deps", "anvil", env=wrong)
    wait_until_healthy(compose, ("anvil",), HEALTHY_TIMEOUT)
    assert network.l1.chain_id() == 1
    compose("up", "-d", "--no-deps", "deployer", env=wrong)
    compose("start", "sequencer")  # `up` would not: the deployer it depends on failed
    for name in ("deployer", "sequencer"):
        wait_for(
            lambda name=name: count_in_logs(compose, name, message) > reported[name],
            60,
            f"the {name} to refuse the L1",
        )
    wait_for(lambda: compose.state("deployer") == "exited", 60, "the deployer to exit")
    assert compose.exit_code("deployer") == 2


def count_in_logs(compose: Compose, service: str, text: str) -> int:
    """How often `text` is in the service's logs, its lines joined (rich wraps long ones)."""
    return " ".join(compose.logs(service).split()).count(text)


def move_in_shared_volume(source: str, target: str) -> None:
    """Rename a file in the network's shared volume (mounted read-only by the nodes)."""
    run(
        [
            "docker", "run", "--rm", "--network", "host", "--entrypoint", "mv",
            "--volume", f"{PROJECT}_shared:/data/shared", "defi-rollup:dev",
            f"/data/shared/{source}", f"/data/shared/{target}",
        ],
        60,
    )  # fmt: skip
