"""A local anvil devnet L1, started and stopped by pid.

The devnet, the e2e tests and the benchmark all need a throwaway L1. anvil comes from npm
(`node_modules/.bin/anvil`, docs/ARCHITECTURE.md), which is a Node wrapper that spawns the native binary:
the wrapper forwards SIGTERM/SIGINT to the binary but cannot forward SIGKILL, so stopping only the
wrapper's pid could leave the real anvil running. `Anvil.stop` therefore records the wrapper's
children while they run and, after SIGTERM and a grace period, kills whichever survived.

Interval mining (`block_time`) or `no_mining` is the default for load: automine with thousands of
pending transactions can eat tens of GB.

Devnet accounts are the well-known anvil keys of the "test test ... junk" mnemonic; they are
public, so the devnet is never more than a devnet.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from l1.processes import find_descendants, find_free_port, is_process_alive, read_start_time
from l1.rpc import L1Client, L1ConnectionError, L1RpcError, encode_hex, encode_quantity

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ANVIL = REPO_ROOT / "node_modules" / ".bin" / "anvil"
DEFAULT_CHAIN_ID = 31337
DEFAULT_BALANCE_ETH = 10_000

DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_KEYS = tuple(
    bytes.fromhex(key)
    for key in (
        "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
        "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
        "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
        "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
        "47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
        "8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
        "92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
        "4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
        "dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
        "2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
    )
)
"""Private keys of anvil's ten default accounts (index 0 deploys, sequences and proposes)."""

STARTUP_TIMEOUT = 30.0
STARTUP_ATTEMPTS = 3
STOP_GRACE = 5.0


class AnvilError(RuntimeError):
    """anvil did not start, or a devnet-only method failed."""


class _ExitedDuringStartup(Exception):
    """anvil exited before answering (e.g. its port was taken meanwhile)."""


class Anvil:
    """One anvil process on 127.0.0.1; use as a context manager or call start()/stop()."""

    def __init__(
        self,
        *,
        block_time: float | None = None,
        no_mining: bool = False,
        chain_id: int = DEFAULT_CHAIN_ID,
        port: int | None = None,
        executable: Path | str | None = None,
        extra_args: Sequence[str] = (),
        balance_eth: int = DEFAULT_BALANCE_ETH,
    ) -> None:
        """`block_time` (seconds) mines at an interval; `no_mining` mines only on request;
        neither means automine (one block per transaction)."""
        if block_time is not None and no_mining:
            raise ValueError("block_time and no_mining exclude each other")
        self.block_time = block_time
        self.no_mining = no_mining
        self.chain_id = chain_id
        self._port_given = port is not None
        self.port = port or find_free_port()
        self.executable = Path(executable or os.environ.get("ROLLUP_ANVIL") or DEFAULT_ANVIL)
        self.extra_args = tuple(extra_args)
        self.balance_eth = balance_eth
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: Any = None
        self._descendants: dict[int, float] = {}
        """pid -> start time of every descendant seen running."""
        self._client: L1Client | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        if self._process is None:
            raise AnvilError("anvil is not running")
        return self._process.pid

    @property
    def client(self) -> L1Client:
        """A client for this anvil, made on first use and closed by stop()."""
        if self._client is None:
            self._client = L1Client(self.url)
        return self._client

    def command(self) -> list[str]:
        args = [
            str(self.executable),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--chain-id",
            str(self.chain_id),
            "--balance",
            str(self.balance_eth),
            "--silent",
        ]
        if self.block_time is not None:
            args += ["--block-time", _format_seconds(self.block_time)]
        elif self.no_mining:
            args.append("--no-mining")
        return args + list(self.extra_args)

    def start(self, timeout: float = STARTUP_TIMEOUT) -> Anvil:
        """Start anvil and return once it answers eth_chainId; raises AnvilError otherwise.

        A port picked here can be taken by another process before anvil binds it; then anvil
        exits at once and is started again on a fresh port (up to STARTUP_ATTEMPTS times).
        """
        if not self.executable.exists():
            raise AnvilError(f"{self.executable} not found (run `npm ci` in the repository root)")
        for attempt in range(1, STARTUP_ATTEMPTS + 1):
            try:
                return self._start_once(timeout)
            except _ExitedDuringStartup as exc:
                if self._port_given or attempt == STARTUP_ATTEMPTS or "in use" not in str(exc):
                    raise AnvilError(str(exc)) from None
                self.port = find_free_port()
        raise AssertionError("unreachable")

    def _start_once(self, timeout: float) -> Anvil:
        # stderr goes to a file, not a pipe: nobody reads a pipe while anvil runs, and a full
        # pipe would block it. The file is read only to explain a failed start.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as anvil)
        self._process = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )
        deadline = time.monotonic() + timeout
        probe = L1Client(self.url, timeout=1.0)
        try:
            while True:
                self._remember_descendants()
                if self._process.poll() is not None:
                    self._stderr.seek(0)
                    stderr = self._stderr.read().decode(errors="replace")
                    self._stderr.close()
                    self._process = None
                    raise _ExitedDuringStartup(
                        f"anvil exited during startup: {stderr.strip()[:2000]}"
                    )
                try:
                    if probe.chain_id() == self.chain_id:
                        break
                except L1ConnectionError:
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise AnvilError(f"anvil did not answer on {self.url} within {timeout} s")
                time.sleep(0.05)
        finally:
            probe.close()
        self._remember_descendants()
        return self

    def stop(self, grace: float = STOP_GRACE) -> None:
        """Stop anvil by pid: SIGTERM the wrapper, wait, then SIGKILL any survivor, wrapper's
        children included (SIGKILL is not forwarded by the npm wrapper)."""
        if self._client is not None:
            self._client.close()
            self._client = None
        process = self._process
        if process is None:
            return
        self._remember_descendants()
        descendants = dict(self._descendants)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        deadline = time.monotonic() + grace

        def survivors() -> list[int]:
            return [
                pid
                for pid, started in descendants.items()
                if is_process_alive(pid) and read_start_time(pid) == started
            ]

        while survivors() and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid in survivors():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + grace
        while survivors() and time.monotonic() < deadline:  # SIGKILL is delivered asynchronously
            time.sleep(0.01)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        self._process = None
        self._descendants = {}

    def __enter__(self) -> Anvil:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _remember_descendants(self) -> None:
        """Record the wrapper's descendants while they run, to kill them if they outlive it.

        Only pids seen as descendants of our own process are ever signalled, and only while the
        process under that pid has the start time recorded (so a reused pid is never hit).
        """
        if self._process is not None:
            for pid in find_descendants(self._process.pid):
                started = read_start_time(pid)
                if started is not None:
                    self._descendants.setdefault(pid, started)

    # -- devnet helpers -----------------------------------------------------------------------

    def rpc(self, method: str, params: Sequence[Any] = ()) -> Any:
        return self.client.request(method, params)

    def mine(self, blocks: int = 1) -> None:
        """Mine `blocks` blocks now (also in interval and no-mining modes)."""
        self.rpc("anvil_mine", [encode_quantity(blocks)])

    def snapshot(self) -> int:
        """Snapshot the chain; revert(id) returns to it."""
        return int(self.rpc("evm_snapshot"), 16)

    def revert(self, snapshot_id: int) -> None:
        """Return to a snapshot (which is consumed); raises AnvilError if it is unknown."""
        if not self.rpc("evm_revert", [encode_quantity(snapshot_id)]):
            raise AnvilError(f"unknown snapshot {snapshot_id}")

    def set_next_block_timestamp(self, timestamp: int) -> None:
        self.rpc("evm_setNextBlockTimestamp", [encode_quantity(timestamp)])

    def increase_time(self, seconds: int) -> None:
        self.rpc("evm_increaseTime", [encode_quantity(seconds)])

    def reorg(
        self, depth: int, transactions: Sequence[tuple[bytes | dict[str, Any], int]] = ()
    ) -> None:
        """Replace the last `depth` blocks with as many new ones (anvil 1.7.1 `anvil_reorg`).

        The head keeps its number but every replaced block gets a new hash; transactions of the
        replaced blocks are dropped (not returned to the pool). `transactions` are put into the
        new blocks: (raw signed bytes or an eth_sendTransaction-style request, offset of the new
        block counting from the first replaced one).
        """
        pairs = [
            [encode_hex(tx) if isinstance(tx, bytes) else tx, offset] for tx, offset in transactions
        ]
        try:
            self.rpc("anvil_reorg", [depth, pairs])
        except L1RpcError as exc:
            raise AnvilError(f"anvil_reorg({depth}) failed: {exc}") from exc

    def rollback(self, depth: int) -> None:
        """Remove the last `depth` blocks (anvil_rollback): the head number goes back by depth."""
        self.rpc("anvil_rollback", [depth])

    def set_balance(self, address: bytes, wei: int) -> None:
        self.rpc("anvil_setBalance", [encode_hex(address), encode_quantity(wei)])


def _format_seconds(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else str(seconds)
