"""End-to-end fixtures: a real node process (the `rollup` CLI) on 127.0.0.1, real wallet libraries.

Nothing of our own is mocked: each test module starts `rollup sequencer` as a subprocess with a
fresh data directory and a genesis made from the devnet document, and talks to it over HTTP.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.types import TxReceipt

from l1.processes import find_free_port
from rollup.genesis import load_default_genesis_document

REPO_ROOT = Path(__file__).resolve().parents[2]
ABI_DIR = REPO_ROOT / "rollup" / "abi"
CAST = REPO_ROOT / "node_modules" / ".bin" / "cast"

DEV_KEYS = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
]
ORACLE_KEY = DEV_KEYS[9]

WETH = Web3.to_checksum_address("0x4200000000000000000000000000000000000006")
USDC = Web3.to_checksum_address("0x4200000000000000000000000000000000001001")
WBTC = Web3.to_checksum_address("0x4200000000000000000000000000000000001002")
DAI = Web3.to_checksum_address("0x4200000000000000000000000000000000001003")
AMM = Web3.to_checksum_address("0x4200000000000000000000000000000000000100")
LENDING = Web3.to_checksum_address("0x4200000000000000000000000000000000000200")
LEVERAGE = Web3.to_checksum_address("0x4200000000000000000000000000000000000300")
ORACLE = Web3.to_checksum_address("0x4200000000000000000000000000000000000400")
PERPS = Web3.to_checksum_address("0x4200000000000000000000000000000000000500")
L2_BRIDGE = Web3.to_checksum_address("0x4200000000000000000000000000000000000016")
FEE_VAULT = Web3.to_checksum_address("0x4200000000000000000000000000000000000011")
FAR_DEADLINE = 2**40
MAX_UINT = 2**256 - 1
BLOCK_TIME = 0.2


def load_abi(name: str) -> list[dict[str, Any]]:
    abi: list[dict[str, Any]] = json.loads((ABI_DIR / f"{name}.json").read_text())
    return abi


@dataclass
class NodeProcess:
    """A `rollup sequencer` subprocess and how to reach it."""

    url: str
    port: int
    data_dir: Path
    genesis_path: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    extra_args: tuple[str, ...] = ()

    def rpc(self, method: str, params: list[Any]) -> Any:
        return httpx.post(
            self.url,
            json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
            timeout=30,
        ).json()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rollup_cli.main",
                "sequencer",
                "--data-dir",
                str(self.data_dir),
                "--genesis",
                str(self.genesis_path),
                "--port",
                str(self.port),
                "--block-time",
                str(BLOCK_TIME),
                *self.extra_args,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"node exited: {self.log_path.read_text()[-3000:]}")
            try:
                if "result" in self.rpc("eth_chainId", []):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("node did not start within 60 s")


def write_genesis(directory: Path, **overrides: Any) -> Path:
    document = load_default_genesis_document()
    document["timestamp"] = int(time.time())
    document.update(overrides)
    path = directory / "genesis.json"
    path.write_text(json.dumps(document))
    return path


def start_node(
    directory: Path, extra_args: tuple[str, ...] = (), **genesis_overrides: Any
) -> NodeProcess:
    """A `rollup sequencer` with `extra_args` (flags) on a genesis with `genesis_overrides`."""
    port = find_free_port()
    node = NodeProcess(
        url=f"http://127.0.0.1:{port}",
        port=port,
        data_dir=directory / "data",
        genesis_path=write_genesis(directory, **genesis_overrides),
        process=None,  # type: ignore[arg-type]
        log_path=directory / "node.log",
        extra_args=extra_args,
    )
    node.start()
    return node


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    running = start_node(tmp_path_factory.mktemp("node"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def w3(node: NodeProcess) -> Web3:
    return Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 30}))


def account(index: int) -> LocalAccount:
    return Account.from_key(DEV_KEYS[index])


def contract(w3: Web3, address: str, abi_name: str) -> Any:
    return w3.eth.contract(address=address, abi=load_abi(abi_name))


def send(w3: Web3, sender: LocalAccount, call: Any = None, **fields: Any) -> TxReceipt:
    """Sign with eth-account and send through eth_sendRawTransaction; wait for the receipt."""
    tx: dict[str, Any] = {
        "from": sender.address,
        "nonce": w3.eth.get_transaction_count(sender.address, "pending"),
        "chainId": w3.eth.chain_id,
        "maxFeePerGas": 10**10,
        "maxPriorityFeePerGas": 10**6,
    }
    tx.update(fields)
    if call is not None:
        tx = call.build_transaction(tx)
    elif "gas" not in tx:
        tx["gas"] = w3.eth.estimate_gas(tx)
    signed = sender.sign_transaction(tx)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    return w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.05)


def cast(*args: str) -> str:
    """Run Foundry's cast (from npm) and return its stdout."""
    if not CAST.exists():
        pytest.fail("cast is missing: run `npm ci` (the README's setup does)")
    completed = subprocess.run(
        [str(CAST), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )
    if completed.returncode != 0:
        raise AssertionError(f"cast {' '.join(args)} failed: {completed.stderr}")
    return completed.stdout.strip()


def run_rollup(*args: str) -> str:
    """Run the `rollup` CLI as a user does; its stdout (the test fails if it exits non-zero)."""
    result = subprocess.run(
        [sys.executable, "-m", "rollup_cli.main", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO_ROOT,
        env={**os.environ, "COLUMNS": "250", "NO_COLOR": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def have_cast() -> bool:
    return CAST.exists() and shutil.which(str(CAST)) is not None
