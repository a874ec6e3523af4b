"""The code's layers hold (the import-linter contract in pyproject.toml) and no modules import each other in
a cycle. Both read every import, those inside functions included: that is where the two cycles of the last
review hid (judgment.faults <-> judgment.calibration; judgment.classify -> sim -> pipeline -> judgment.judge ->
judgment.classify)."""

from __future__ import annotations

from pathlib import Path

import grimp
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "ui", "app_pages")


def test_the_layers_contract_is_kept():
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0, \
        "an import crosses the layers of pyproject.toml [tool.importlinter] (the output above names it)"


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every set of two or more modules that import one another in a ring (Tarjan's strongly connected
    components of the module import graph)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.find_modules_directly_imported_by(v)):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            ring = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                ring.append(w)
                if w == v:
                    break
            if len(ring) > 1:
                out.append(sorted(ring))

    for m in sorted(graph.modules):
        if m not in index:
            visit(m)
    return out


def test_no_import_cycles():
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)
    assert len(graph.modules) > 90  # the whole tree was read, not one package
    assert import_cycles(graph) == []


def test_the_cycle_finder_finds_a_ring():
    """The check above can fail: a two-module ring and a three-module ring are found, a chain is not."""
    graph = grimp.ImportGraph()
    for a, b in (("p.a", "p.b"), ("p.b", "p.a"), ("p.c", "p.d"), ("p.d", "p.e"), ("p.e", "p.c"), ("p.e", "p.f")):
        graph.add_import(importer=a, imported=b)
    assert sorted(import_cycles(graph)) == [["p.a", "p.b"], ["p.c", "p.d", "p.e"]]
