#!/usr/bin/env bash
# One command: set up (first run only) and start FormLens on http://localhost:8501
# Local only (127.0.0.1) by default. To serve a room or a team: FORMLENS_SERVE_NETWORK=1 (or
# serve_network = true in the FORMLENS_CONFIG file) listens on every interface and makes sign-in
# required (README "Privacy and access").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
address=127.0.0.1
if [ "$(.venv/bin/python -c 'from core.config import AnalysisConfig as C; print(int(C.from_env().serve_network))')" = 1 ]
then
  address=0.0.0.0
  echo "[FormLens] serving to the network (every interface): sign-in required" >&2
fi
exec .venv/bin/python -m streamlit run app.py --server.address "$address" "$@"
