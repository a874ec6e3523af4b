#!/usr/bin/env bash
# Sets up everything FormLens needs on a fresh Debian machine: system packages (when run as root
# and missing), a virtual environment in .venv and the Python packages. Safe to run again.
#   bash scripts/setup.sh          # app only
#   bash scripts/setup.sh --dev    # app + test tools (browser, PostgreSQL, pytest, ...)
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=0
[ "${1:-}" = "--dev" ] && DEV=1

apt_pkgs=(ffmpeg)
[ "$DEV" = 1 ] && apt_pkgs+=(chromium chromium-driver postgresql)
missing=()
for p in "${apt_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "[setup] installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "[setup] please install: sudo apt-get install ${missing[*]}" >&2
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating .venv"
  "$PY" -m venv .venv
fi
req=requirements.txt
[ "$DEV" = 1 ] && req=requirements-dev.txt
stamp=".venv/.installed-$(cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)-$DEV"
dev_stamp="${stamp%-*}-1"  # a --dev install holds everything the app needs
if [ ! -f "$stamp" ] && [ ! -f "$dev_stamp" ]; then
  echo "[setup] installing Python packages from $req (first time: a few minutes, torch is large)"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -r "$req"
  touch "$stamp"
fi
echo "[setup] ready"
