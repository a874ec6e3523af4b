"""Every benchmark script still imports (none rots when the code it measures moves) and does its work only
when run (`python -m bench.<group>.<name>`), not when imported."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
SCRIPTS = sorted(p for p in BENCH.rglob("*.py") if p.name != "__init__.py" and "results" not in p.parts)


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(BENCH.parent).with_suffix("").parts)


def test_the_suite_is_grouped():
    groups = {p.parent.name for p in SCRIPTS if p.parent != BENCH}
    assert groups == {"speed", "accuracy", "experiments"}
    assert {p.name for p in SCRIPTS if p.parent == BENCH} == {"common.py", "traces.py"}


@pytest.mark.parametrize("path", SCRIPTS, ids=module_name)
def test_bench_script_imports_without_running(path: Path):
    importlib.import_module(module_name(path))
    if path.name != "common.py":
        assert 'if __name__ == "__main__":' in path.read_text(), f"{path.name}: guard the run with __main__"
