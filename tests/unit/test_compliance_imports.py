"""compliance/ is a clean module DAG: no import cycles (TYPE_CHECKING imports count, as they do for
import-linter), no import inside a function to hide one, and nothing above the domain imported."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import omnigen.compliance as package

ROOT = Path(package.__file__).parent
PREFIX = "omnigen.compliance"
# The compliance engine is domain code: it may use the domain models, never what sits above it.
FORBIDDEN = ("omnigen.pipeline", "omnigen.api", "omnigen.cli", "omnigen.store", "omnigen.providers", "omnigen.media")
NO_IO = ("boto3", "httpx", "requests", "subprocess", "socket")


def _modules() -> dict[str, ast.Module]:
    return {f"{PREFIX}.{p.stem}": ast.parse(p.read_text(encoding="utf-8")) for p in sorted(ROOT.glob("*.py"))}


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.module:
        if node.module == PREFIX:  # "from omnigen.compliance import rules_script as s"
            return [f"{PREFIX}.{a.name}" for a in node.names]
        return [node.module]
    return []


def test_no_import_inside_a_function() -> None:
    found = []
    for name, tree in _modules().items():
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                found += [f"{name}.{fn.name}" for n in ast.walk(fn) if isinstance(n, ast.Import | ast.ImportFrom)]
    assert not found, f"in-function imports: {found}"


def test_the_modules_form_a_dag() -> None:
    modules = _modules()
    graph = {
        name: {m for n in ast.walk(tree) for m in _imported(n) if m in modules and m != name}
        for name, tree in modules.items()
    }
    graph[f"{PREFIX}.__init__"] = set()  # the package's facade imports everything; nothing imports it
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as err:
        raise AssertionError(f"import cycle in compliance/: {err.args[1]}") from None
    assert order.index(f"{PREFIX}.tokens") < order.index(f"{PREFIX}.rules")


def test_nothing_above_the_domain_and_no_io() -> None:
    bad = [
        f"{name} imports {m}"
        for name, tree in _modules().items()
        for n in ast.walk(tree)
        for m in _imported(n)
        if m.startswith(FORBIDDEN) or m.split(".")[0] in NO_IO
    ]
    assert not bad, bad
