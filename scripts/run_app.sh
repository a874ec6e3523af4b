#!/usr/bin/env bash
# One command: set up (first run only) and start FormLens on http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m streamlit run app.py "$@"
