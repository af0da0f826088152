#!/usr/bin/env bash
# Runs notebooks/explore-results.ipynb headless against fresh meshsim outputs.
#   bash notebooks/run.sh [meshsim command]   (default: cargo run -q --locked -p meshsim --)
# Creates a virtualenv with notebooks/requirements.txt in $MESHSIM_NB_VENV (default
# target/notebook-venv) the first time.
set -euo pipefail
cd "$(dirname "$0")/.."
meshsim="${1:-cargo run -q --locked -p meshsim --}"
venv="${MESHSIM_NB_VENV:-target/notebook-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --retries 5 -r notebooks/requirements.txt
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
$meshsim run scenarios/gpu-inference-memory-bound.toml --out "$out/gpu-inference-memory-bound" --quiet --no-plots
$meshsim run scenarios/agent-chain-20-calls.toml --out "$out/agent-chain-20-calls" --quiet --no-plots
MESHSIM_OUT="$out" "$venv/bin/python" - <<'PY'
import nbformat
from nbclient import NotebookClient
nb = nbformat.read("notebooks/explore-results.ipynb", as_version=4)
NotebookClient(nb, timeout=300, kernel_name="python3").execute()
print("notebooks/explore-results.ipynb: every cell ran")
PY
