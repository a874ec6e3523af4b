#!/usr/bin/env bash
# One command: set up (first run only) and start FormLens on http://localhost:8501
# Local only (127.0.0.1) by default. To serve a room or a team: FORMLENS_SERVE_NETWORK=1 (or
# serve_network = true in the FORMLENS_CONFIG file) listens on every interface and makes sign-in
# required (README "Privacy and access").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
address=127.0.0.1
serve=$(.venv/bin/python -c '
import sys
from core.config import AnalysisConfig
try:
    print(int(AnalysisConfig.from_env().serve_network))
except Exception as err:  # a broken FORMLENS_CONFIG file or variable: say which, no traceback
    sys.exit(f"[FormLens] cannot read the configuration (FORMLENS_CONFIG / FORMLENS_* variables): {err}")
')
if [ "$serve" = 1 ]; then
  address=0.0.0.0
  echo "[FormLens] serving to the network (every interface): sign-in required" >&2
fi
exec .venv/bin/python -m streamlit run app.py --server.address "$address" "$@"
