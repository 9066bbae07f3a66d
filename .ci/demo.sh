#!/usr/bin/env bash
# `make demo`: the whole guide rehearsed against the lab (see .ci/demo.py for the phases).
# Expects .venv, the dependency collections and the scratch tree (make venv-main deps tree).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="${DEMO_COLLECTIONS_PATH:-$PWD/.build/collections}"
exec python .ci/demo.py
