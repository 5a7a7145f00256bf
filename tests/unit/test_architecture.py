"""The layers of docs/ARCHITECTURE.md §2: every import of our packages points down, the two roles
never import each other, the protocol does no I/O, and no source file cites a document outside
the repository."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

ALLOWED: dict[str, set[str]] = {
    "rollup": set(),
    "l1": {"rollup"},
    "node": {"rollup", "l1"},
    "sequencer": {"rollup", "l1", "node"},
    "prover": {"rollup", "l1", "node"},
    "faults": {"rollup", "l1", "node", "sequencer", "prover"},
    "rollup_cli": {"rollup", "l1", "node", "sequencer", "prover", "faults"},
}
"""Our packages each package may import, besides itself (docs/ARCHITECTURE.md §2)."""

OURS = set(ALLOWED)

IMPURE_MODULES = {
    "asyncio",
    "concurrent",
    "fastapi",
    "httpx",
    "multiprocessing",
    "psutil",
    "socket",
    "sqlalchemy",
    "starlette",
    "subprocess",
    "threading",
    "uvicorn",
}
"""What the pure protocol (rollup/) must not import: I/O, pools, threads, servers, SQL."""


def list_sources(package: str) -> list[Path]:
    return sorted((REPO_ROOT / package).rglob("*.py"))


def read_imports(path: Path) -> list[tuple[int, str]]:
    """(line, top-level module) of every import in a source file."""
    imports: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            imports += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imports.append((node.lineno, node.module.split(".")[0]))
    return imports


def find_violations(package: str) -> list[str]:
    allowed = ALLOWED[package] | {package}
    violations = []
    for path in list_sources(package):
        for line, module in read_imports(path):
            if module in OURS and module not in allowed:
                violations.append(f"{path.relative_to(REPO_ROOT)}:{line} imports {module}")
            if package == "rollup" and module in IMPURE_MODULES:
                violations.append(f"{path.relative_to(REPO_ROOT)}:{line} imports {module}")
    return violations


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_down_the_layers(package: str) -> None:
    assert list_sources(package), f"{package}/ holds no source"
    assert find_violations(package) == []


def test_a_role_importing_the_other_role_is_a_violation(tmp_path: Path) -> None:
    source = tmp_path / "module.py"
    source.write_text("from prover.dispute import DisputePlayer\nimport sequencer.role\n")
    assert read_imports(source) == [(1, "prover"), (2, "sequencer")]
    assert "prover" not in ALLOWED["sequencer"] and "sequencer" not in ALLOWED["prover"]


def test_relative_imports_stay_inside_the_package(tmp_path: Path) -> None:
    source = tmp_path / "module.py"
    source.write_text("from . import sibling\nfrom .sibling import name\n")
    assert read_imports(source) == []


OUTSIDE_DOCUMENT = "DESIGN" + ".md"
"""The brief the project started from, beside the repository; its rules live in docs/ now."""


def test_no_source_file_cites_a_document_outside_the_repository() -> None:
    citing = [
        str(path.relative_to(REPO_ROOT))
        for package in [*ALLOWED, "scripts", "tests", "contracts/src", "contracts/test", "docker"]
        for path in sorted((REPO_ROOT / package).rglob("*"))
        if path.is_file()
        and path.suffix in (".py", ".sol", ".sh", ".toml", ".yml", "")
        and OUTSIDE_DOCUMENT in path.read_text(errors="replace")
    ]
    citing += [
        name
        for name in ("Dockerfile", "docker-compose.yml", "pyproject.toml", "contracts/foundry.toml")
        if OUTSIDE_DOCUMENT in (REPO_ROOT / name).read_text()
    ]
    assert citing == []
