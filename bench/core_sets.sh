#!/usr/bin/env bash
# Do two cpu processors on disjoint cores keep their speed when they run at once?
# Runs MODEL alone on cpu:0, alone on cpu:1, then on both at the same time, and prints each
# processor's throughput side by side as a fraction of its throughput alone (target >= 0.85).
#   bench/core_sets.sh [COS_BINARY] [MODEL] [REPEAT]
set -euo pipefail
cos=${1:-build/cos}
model=${2:-models/resnet18}
repeat=${3:-50}
median() { "$cos" infer "$model.onnx" --input "$model.input.npy" --processor "$1" \
  --repeat "$repeat" --json | sed -n 's/.*"median_ms": \([0-9.e-]*\).*/\1/p'; }
alone0=$(median cpu:0)
alone1=$(median cpu:1)
tmp=$(mktemp -d)
median cpu:0 >"$tmp/0" &
pid=$!
median cpu:1 >"$tmp/1"
wait "$pid"
together0=$(cat "$tmp/0")
together1=$(cat "$tmp/1")
rm -rf "$tmp"
awk -v a0="$alone0" -v a1="$alone1" -v t0="$together0" -v t1="$together1" 'BEGIN {
  printf "cpu:0 alone %.2f ms, side by side %.2f ms: %.0f%% of its throughput\n", a0, t0, 100 * a0 / t0
  printf "cpu:1 alone %.2f ms, side by side %.2f ms: %.0f%% of its throughput\n", a1, t1, 100 * a1 / t1
}'
