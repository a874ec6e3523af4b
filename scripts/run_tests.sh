#!/usr/bin/env bash
# One command: set up (first run only, with the test tools) and run the whole test suite.
# Real clips and weights are read from ../shared (override with FORMLENS_SHARED).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
exec .venv/bin/python -m pytest "$@"
