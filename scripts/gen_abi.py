#!/usr/bin/env python3
"""Generate the system contracts' ABI JSON from their Solidity interfaces.

The published ABI of the L2's system contracts is the set of Solidity interfaces in
contracts/src/interfaces/. This script compiles them with solcjs (npm `solc`, through the same
adapter forge uses, contracts/tools/solc, in standard-JSON mode) and writes one file per interface,
rollup/abi/<Name>.json: the interface's ABI array, keys sorted, indent 2, trailing newline, so the
output depends only on the sources and the compiler version.

It also refuses interfaces whose natspec is incomplete: every function and event needs a @notice,
every parameter a @param and every return value a @return.

Usage (from the repository root, with the venv active):
    python scripts/gen_abi.py            # write rollup/abi/*.json
    python scripts/gen_abi.py --check    # exit 1 if the committed files differ from a fresh build
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
CONTRACTS_DIR = REPO_ROOT / "contracts"
INTERFACES_DIR = CONTRACTS_DIR / "src" / "interfaces"
SOLC_ADAPTER = CONTRACTS_DIR / "tools" / "solc"
SOLCJS = REPO_ROOT / "node_modules" / ".bin" / "solcjs"
ABI_DIR = REPO_ROOT / "rollup" / "abi"


class GenerationError(Exception):
    """The interfaces did not compile, or their natspec is incomplete."""


@dataclass(frozen=True)
class CompiledInterface:
    """One Solidity interface as the compiler sees it."""

    name: str
    source: str  # source unit name, e.g. "src/interfaces/IERC20.sol"
    abi: list[dict[str, Any]]
    userdoc: dict[str, Any]
    devdoc: dict[str, Any]


def build_standard_json_input(interfaces_dir: Path = INTERFACES_DIR) -> dict[str, Any]:
    """The compiler input: every .sol file of the interfaces directory, named as forge names it
    (relative to contracts/; files elsewhere by their file name)."""
    sources = {
        _source_unit_name(path): {"content": path.read_text(encoding="utf-8")}
        for path in sorted(interfaces_dir.glob("*.sol"))
    }
    if not sources:
        raise GenerationError(f"no .sol files in {interfaces_dir}")
    return {
        "language": "Solidity",
        "sources": sources,
        "settings": {
            "outputSelection": {
                "*": {"": ["ast"], "*": ["abi", "devdoc", "userdoc"]},
            },
        },
    }


def _source_unit_name(path: Path) -> str:
    resolved = path.resolve()
    if resolved.is_relative_to(CONTRACTS_DIR):
        return resolved.relative_to(CONTRACTS_DIR).as_posix()
    return path.name


def run_solc(standard_json_input: dict[str, Any]) -> dict[str, Any]:
    """Compile with solcjs through contracts/tools/solc; GenerationError on compiler errors."""
    if not SOLCJS.exists():
        raise GenerationError(f"{SOLCJS} is missing: run `npm ci` in {REPO_ROOT}")
    completed = subprocess.run(
        [str(SOLC_ADAPTER), "--standard-json"],
        input=json.dumps(standard_json_input).encode(),
        capture_output=True,
        cwd=CONTRACTS_DIR,
        check=False,
    )
    if completed.returncode != 0:
        raise GenerationError(
            f"solc exited with {completed.returncode}: {completed.stderr.decode(errors='replace')}"
        )
    try:
        output: dict[str, Any] = json.loads(completed.stdout)
    except json.JSONDecodeError as error:
        raise GenerationError(
            f"solc printed no valid JSON ({error}): {completed.stdout[:500]!r}"
        ) from error
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise GenerationError("\n".join(e.get("formattedMessage", e["message"]) for e in errors))
    return output


def find_interfaces(output: dict[str, Any]) -> list[tuple[str, str]]:
    """(source unit, name) of every `interface` defined in the compiled sources, sorted by name."""
    found = []
    for source_name, source in output["sources"].items():
        for node in source["ast"]["nodes"]:
            if node.get("nodeType") == "ContractDefinition" and node["contractKind"] == "interface":
                found.append((source_name, node["name"]))
    return sorted(found, key=lambda item: item[1])


def compile_interfaces(interfaces_dir: Path = INTERFACES_DIR) -> list[CompiledInterface]:
    """Compile the interfaces directory and return its interfaces, sorted by name."""
    output = run_solc(build_standard_json_input(interfaces_dir))
    compiled = []
    names: set[str] = set()
    for source_name, name in find_interfaces(output):
        if name in names:
            raise GenerationError(f"two interfaces are named {name}")
        names.add(name)
        contract = output["contracts"][source_name][name]
        compiled.append(
            CompiledInterface(
                name=name,
                source=source_name,
                abi=contract["abi"],
                userdoc=contract["userdoc"],
                devdoc=contract["devdoc"],
            )
        )
    return compiled


def canonical_signature(entry: dict[str, Any]) -> str:
    """`name(type1,type2)`, the form natspec output and selectors are keyed by."""
    return f"{entry['name']}({','.join(_canonical_type(i) for i in entry['inputs'])})"


def _canonical_type(parameter: dict[str, Any]) -> str:
    abi_type: str = parameter["type"]
    if abi_type.startswith("tuple"):
        inner = ",".join(_canonical_type(c) for c in parameter["components"])
        return f"({inner}){abi_type[len('tuple') :]}"
    return abi_type


def find_natspec_gaps(interface: CompiledInterface) -> list[str]:
    """Every function and event lacking a @notice, a @param or a @return, as readable lines."""
    gaps = []
    for entry in interface.abi:
        kind = entry["type"]
        if kind not in ("function", "event"):
            continue
        section = "methods" if kind == "function" else "events"
        signature = canonical_signature(entry)
        where = f"{interface.name}.{signature}"
        notice = interface.userdoc.get(section, {}).get(signature, {}).get("notice", "")
        if not notice.strip():
            gaps.append(f"{where}: no @notice")
        dev = interface.devdoc.get(section, {}).get(signature, {})
        params = dev.get("params", {})
        for position, parameter in enumerate(entry["inputs"]):
            if not parameter["name"]:
                gaps.append(f"{where}: parameter {position} has no name")
            elif not params.get(parameter["name"], "").strip():
                gaps.append(f"{where}: no @param {parameter['name']}")
        if kind == "function":
            returns = dev.get("returns", {})
            for position, output in enumerate(entry["outputs"]):
                key = output["name"] or f"_{position}"
                if not returns.get(key, "").strip():
                    gaps.append(f"{where}: no @return for output {position} ({key})")
    return gaps


def render_abi(abi: list[dict[str, Any]]) -> str:
    """The file text of an ABI: sorted keys, indent 2, trailing newline."""
    return json.dumps(abi, sort_keys=True, indent=2, ensure_ascii=True) + "\n"


def generate(interfaces_dir: Path = INTERFACES_DIR) -> dict[str, str]:
    """File name -> file text of every ABI file; raises GenerationError on natspec gaps."""
    interfaces = compile_interfaces(interfaces_dir)
    gaps = [gap for interface in interfaces for gap in find_natspec_gaps(interface)]
    if gaps:
        raise GenerationError("incomplete natspec:\n  " + "\n  ".join(gaps))
    return {f"{interface.name}.json": render_abi(interface.abi) for interface in interfaces}


def write(files: dict[str, str], abi_dir: Path = ABI_DIR) -> list[Path]:
    """Write the files into abi_dir (created if needed); returns the paths whose content changed."""
    abi_dir.mkdir(parents=True, exist_ok=True)
    changed = []
    for file_name, text in sorted(files.items()):
        path = abi_dir / file_name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="\n")
            changed.append(path)
    return changed


def find_stale(files: dict[str, str], abi_dir: Path = ABI_DIR) -> list[str]:
    """Names of generated files that are missing from abi_dir or differ from a fresh generation."""
    return [
        file_name
        for file_name, text in sorted(files.items())
        if not (abi_dir / file_name).exists()
        or (abi_dir / file_name).read_text(encoding="utf-8") != text
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if rollup/abi/ differs from a fresh generation",
    )
    arguments = parser.parse_args(argv)
    try:
        files = generate()
    except GenerationError as error:
        print(f"gen_abi: {error}", file=sys.stderr)
        return 2
    if arguments.check:
        stale = find_stale(files)
        for file_name in stale:
            print(f"gen_abi: rollup/abi/{file_name} is out of date", file=sys.stderr)
        if stale:
            print("gen_abi: run `python scripts/gen_abi.py`", file=sys.stderr)
            return 1
        print(f"gen_abi: {len(files)} ABI files up to date")
        return 0
    changed = write(files)
    for path in changed:
        print(f"wrote {path.relative_to(REPO_ROOT)}")
    print(f"gen_abi: {len(files)} ABI files, {len(changed)} changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
