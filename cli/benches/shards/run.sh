#!/usr/bin/env bash
# The shard benchmark: (1) 2,400 points on 1 thread, 2 threads, 2 shard processes and 8 shard
# processes (two at a time, through cli/local-job.sh, merge included), with the parallel
# efficiency t₁ / (2 · t); (2) a 10^6-point sweep unsharded on 2 threads, then as 4 shards (two
# processes at a time) and their merge, timed apart, with the merged tables compared byte for
# byte. Usage: bash cli/benches/shards/run.sh [path/to/meshsim] [--no-1e6]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$(realpath "${1:-$here/../../../target/release/meshsim}")"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
t() { local s=$(date +%s.%N); "$@" >/dev/null; echo "$(date +%s.%N) - $s" | bc; }
s="$here/sweep-shards.toml"
t1=$(t "$bin" sweep "$s" --threads 1 --out "$out/t1" --quiet)
t2=$(t "$bin" sweep "$s" --threads 2 --out "$out/t2" --quiet)
s2=$(t env MESHSIM="$bin" bash "$here/../../local-job.sh" "$s" 2 "$out/s2" 2)
s8=$(t env MESHSIM="$bin" bash "$here/../../local-job.sh" "$s" 8 "$out/s8" 2)
cmp "$out/t1/sweep.parquet" "$out/s8/merged/sweep.parquet" && echo "2,400 points: merged shards identical to the unsharded run"
python3 - "$t1" "$t2" "$s2" "$s8" <<'PY'
import sys
t1, t2, s2, s8 = map(float, sys.argv[1:])
for name, t in [("2 threads", t2), ("2 shard processes", s2), ("8 shard processes, 2 at a time", s8)]:
    print(f"{name:32s}: {t:6.2f} s  efficiency {100*t1/t/2:5.1f} %   (1 thread: {t1:.2f} s)")
PY
[ "${2:-}" = "--no-1e6" ] && exit 0
m="$here/sweep-1e6.toml"
u=$(t "$bin" sweep "$m" --threads 2 --out "$out/u" --quiet)
a=$(t bash -c "'$bin' sweep '$m' --shard 0/4 --out '$out/sh' -q --threads 1 & '$bin' sweep '$m' --shard 1/4 --out '$out/sh' -q --threads 1 & wait")
b=$(t bash -c "'$bin' sweep '$m' --shard 2/4 --out '$out/sh' -q --threads 1 & '$bin' sweep '$m' --shard 3/4 --out '$out/sh' -q --threads 1 & wait")
g=$(t "$bin" sweep merge "$out/sh" --out "$out/g" --quiet)
cmp "$out/u/sweep.parquet" "$out/g/sweep.parquet" && cmp "$out/u/sweep.csv" "$out/g/sweep.csv" && echo "10^6 points: merged shards identical to the unsharded run"
python3 - "$u" "$a" "$b" "$g" <<'PY'
import sys
u, a, b, g = map(float, sys.argv[1:])
print(f"10^6 points unsharded, 2 threads: {u:.1f} s; 4 shards, 2 at a time: {a+b:.1f} s; merge: {g:.1f} s ({100*g/(a+b+g):.0f} % of the sharded sweep)")
PY
