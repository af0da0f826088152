#!/usr/bin/env bash
# The sweep benchmark: 1,000 points × 4 modes of a 1,000-node / 20,000-pod packing scenario,
# on 1 and then 2 threads. Usage: bash cli/benches/sweep/run.sh [path/to/meshsim]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:-$here/../../../target/release/meshsim}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
t() { local s=$(date +%s.%N); "$@" >/dev/null; echo "$(date +%s.%N) - $s" | bc; }
t1=$(t "$bin" sweep "$here/sweep.toml" --threads 1 --out "$out/t1" --quiet)
t2=$(t "$bin" sweep "$here/sweep.toml" --threads 2 --out "$out/t2" --quiet)
cmp "$out/t1/sweep.csv" "$out/t2/sweep.csv" && echo "sweep.csv identical on 1 and 2 threads"
python3 - "$t1" "$t2" <<'PY'
import sys
t1, t2 = map(float, sys.argv[1:])
points, modes, pods = 1000, 4, 20000 + 1000
print(f"1 thread : {t1:6.1f} s  {points/t1:6.1f} points/s  {points*modes*pods/t1/1e6:5.2f} M pod placements/s")
print(f"2 threads: {t2:6.1f} s  {points/t2:6.1f} points/s  {points*modes*pods/t2/1e6:5.2f} M pod placements/s")
print(f"parallel efficiency on 2 threads: {100*t1/t2/2:.0f} %")
PY
s=$(date +%s.%N)
"$bin" sweep "$here/latency-sweep.toml" --threads 2 --out "$out/lat" --quiet
e=$(echo "$(date +%s.%N) - $s" | bc)
python3 -c "import sys; t=float(sys.argv[1]); print(f'latency sweep (12 points, request simulation): {t:.1f} s on 2 threads, {12/t:.2f} points/s')" "$e"
