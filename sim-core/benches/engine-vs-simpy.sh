#!/usr/bin/env bash
# meshsim's engine benchmark in one run: meshsim M/M/16 vs a bare BinaryHeap loop vs SimPy,
# then peak RSS at 10^6 and 10^8 events. Usage: bash sim-core/benches/engine-vs-simpy.sh [EVENTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
events="${1:-10000000}"
venv="${MESHSIM_BENCH_VENV:-target/bench-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "simpy==4.1.2"
fi
cargo bench -p meshsim-core --bench engine --no-run --locked 2>/dev/null
out=$(cargo bench -p meshsim-core --bench engine --locked -- --events "$events" 2>/dev/null)
echo "$out"
py=$("$venv/bin/python" sim-core/benches/simpy_mm16.py --events "$events")
echo "$py"
ms=$(echo "$out" | awk '/^meshsim M\/M\/16/ {print $4}')
sp=$(echo "$py" | awk '{for (i=1;i<=NF;i++) if ($i=="M") print $(i-1)}' | tail -1)
python3 -c "print(f'meshsim / SimPy: {float($ms)/float($sp):.0f}x')"
echo "-- peak RSS"
cargo bench -p meshsim-core --bench engine --locked -- --events 1000000 --only meshsim 2>/dev/null | tail -1
cargo bench -p meshsim-core --bench engine --locked -- --events 100000000 --only meshsim 2>/dev/null | tail -1
