#!/usr/bin/env bash
# One command: set up (first run only, with the test tools) and run the whole test suite.
# Real clips are read from ../shared (override with FORMLENS_SHARED); the default pose weights ship in models/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
# Lint first (seconds): a style or import error fails before the long run. The import layers are checked by
# tests/unit/test_layers.py inside the run. Without ../shared: `scripts/run_tests.sh -m "not needs_data"`.
.venv/bin/ruff check .
# Three workers on two cores, one test file each at a time (a file's tests share its session fixtures and run in
# order): the browser tests wait on a real-time camera and on page renders while the others compute, so a third
# worker fills the cores two left idle. Files go out in
# collection order, the longest first (tests/conftest.py SLOW_FILES_FIRST), not xdist's default order by
# number of tests, which left the one-test browser walkthrough running alone at the end.
exec .venv/bin/python -m pytest -n 3 --dist loadfile --no-loadscope-reorder "$@"
