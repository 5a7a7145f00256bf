"""Forge build artifacts: the ABI and creation bytecode of the rollup's L1 contracts.

Deployment needs the bytecode `forge build` compiled from contracts/src; the bindings in
`l1.contracts` do not (they carry the signatures fixed by docs/SETTLEMENT.md), so a node that only
reads L1 never needs the Foundry project. Artifacts are read from contracts/out of this repository
by default, or from `ROLLUP_CONTRACTS_OUT` (an installed node, a docker image).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
CONTRACTS_DIR = REPO_ROOT / "contracts"
DEFAULT_OUT_DIR = CONTRACTS_DIR / "out"
ROLLUP_CONTRACTS = ("BatchInbox", "OutputOracle", "Bridge", "TestERC20")
BUILD_TIMEOUT = 600.0
BUILD_HINT = "run `cd contracts && tools/forge build` in the repository root"


class ArtifactError(FileNotFoundError):
    """An artifact is missing or unusable; the message says how to build it."""


@dataclass(frozen=True, slots=True)
class Artifact:
    """One compiled contract."""

    name: str
    abi: tuple[dict[str, Any], ...]
    bytecode: bytes
    deployed_bytecode: bytes

    def find_abi(self, kind: str, name: str) -> dict[str, Any]:
        """The ABI entry of a function, event or error by name; KeyError if there is none."""
        for entry in self.abi:
            if entry.get("type") == kind and entry.get("name") == name:
                return entry
        raise KeyError(f"{self.name} has no {kind} {name}")


def default_out_dir() -> Path:
    return Path(os.environ.get("ROLLUP_CONTRACTS_OUT") or DEFAULT_OUT_DIR)


def artifact_path(name: str, out_dir: Path | None = None) -> Path:
    """Where forge writes contract `name` compiled from src/.../<name>.sol."""
    return (out_dir or default_out_dir()) / f"{name}.sol" / f"{name}.json"


def load_artifact(name: str, out_dir: Path | None = None) -> Artifact:
    """Load contract `name` (e.g. 'Bridge'); raises ArtifactError with the build command."""
    path = artifact_path(name, out_dir)
    try:
        modified = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise ArtifactError(f"no forge artifact for {name} at {path}: {BUILD_HINT}") from None
    return _load_artifact(path, modified)


@cache
def _load_artifact(path: Path, modified: int) -> Artifact:
    """Parse an artifact; cached per modification time, so a rebuild is picked up."""
    name = path.stem
    try:
        document = json.loads(path.read_text())
        abi = tuple(document["abi"])
        creation = document["bytecode"]["object"]
        runtime = document.get("deployedBytecode", {}).get("object", "0x")
    except (ValueError, KeyError, TypeError) as exc:
        raise ArtifactError(f"unreadable forge artifact {path} ({exc}): {BUILD_HINT}") from exc
    if "__$" in creation:
        raise ArtifactError(
            f"{name} links external libraries, which deployment does not do; make the library "
            "functions internal"
        )
    bytecode = bytes.fromhex(creation.removeprefix("0x"))
    if not bytecode:
        raise ArtifactError(f"{name} at {path} has no creation bytecode (abstract or interface?)")
    return Artifact(
        name=name,
        abi=abi,
        bytecode=bytecode,
        deployed_bytecode=bytes.fromhex(runtime.removeprefix("0x")),
    )


def find_missing_artifacts(
    names: tuple[str, ...] = ROLLUP_CONTRACTS, out_dir: Path | None = None
) -> list[str]:
    """The contracts among `names` that have no artifact yet."""
    return [name for name in names if not artifact_path(name, out_dir).is_file()]


def build_artifacts(contracts_dir: Path = CONTRACTS_DIR, timeout: float = BUILD_TIMEOUT) -> None:
    """Run `tools/forge build` in the Foundry project (offline, solcjs adapter:
    docs/ARCHITECTURE.md §7).

    tools/forge is used rather than node_modules/.bin/forge because npm's wrapper exits 0 even
    when the build fails. Raises ArtifactError with forge's output if the build fails.
    """
    forge = contracts_dir / "tools" / "forge"
    # Parallel test workers may all find artifacts missing: one build at a time per project.
    lock_name = (
        "rollup-forge-" + hashlib.sha256(str(contracts_dir.resolve()).encode()).hexdigest()[:16]
    )
    with (Path(tempfile.gettempdir()) / f"{lock_name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _run_forge_build(forge, contracts_dir, timeout)


def _run_forge_build(forge: Path, contracts_dir: Path, timeout: float) -> None:
    try:
        result = subprocess.run(
            [str(forge), "build"],
            cwd=contracts_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ArtifactError(f"cannot run {forge} build: {exc}") from exc
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise ArtifactError(f"`tools/forge build` failed ({result.returncode}): {output[-4000:]}")
