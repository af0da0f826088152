#!/usr/bin/env bash
# Runs a sweep's shards as local processes under the contract a Kubernetes Indexed Job gives its
# pods — shard K runs `meshsim sweep SWEEP --shards N` with JOB_COMPLETION_INDEX=K set — then
# merges them into the tables an unsharded run writes.
#
#   cli/local-job.sh SWEEP N OUT [PARALLEL]
#
# SWEEP: the sweep file; N: shards; OUT: shard results go in OUT/shards/, the merged tables in
# OUT/merged/; PARALLEL: processes at once (default: the number of cores). MESHSIM names the
# binary (default: meshsim on PATH).
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 SWEEP N OUT [PARALLEL]" >&2
  exit 2
fi
sweep=$1
n=$2
out=$3
parallel=${4:-$(nproc)}
meshsim=${MESHSIM:-meshsim}
export sweep n out meshsim
seq 0 $((n - 1)) | xargs -P "$parallel" -I{} sh -c \
  'JOB_COMPLETION_INDEX={} exec "$meshsim" sweep "$sweep" --shards "$n" --out "$out/shards" --threads 1 --quiet'
"$meshsim" sweep merge "$out/shards" --out "$out/merged" --quiet
echo "merged $n shard(s) of $sweep into $out/merged/"
