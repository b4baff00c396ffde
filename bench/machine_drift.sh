#!/bin/bash
# How this machine's speed drifts: runs one model on each cpu processor in turn (cos infer,
# REPEAT runs a sample) for MINUTES minutes and prints each sample's median latency, then
# per processor the spread of those medians. The planners' figures (predicted against
# measured throughput, two profiles agreeing) cannot be closer than this drift: a profile
# and the runs it predicts are minutes apart.
# Usage: bench/machine_drift.sh [BUILD_DIR] [MINUTES] [MODEL] [PROCESSORS] [REPEAT]
set -euo pipefail
cd "$(dirname "$0")/.."
cos=${1:-build}/cos
minutes=${2:-5}
model=${3:-squeezenet1_1}
processors=${4:-cpu:0 cpu:1}
repeat=${5:-100}
[[ -f models/$model.onnx ]] || { echo "machine_drift: models/$model.onnx missing (make models)" >&2; exit 1; }
end=$((SECONDS + 60 * minutes))
samples=$(mktemp)
trap 'rm -f "$samples"' EXIT
echo "time      $(for p in $processors; do printf '%10s' "$p"; done)   (median ms of $repeat runs of $model)"
while ((SECONDS < end)); do
  line=$(date +%H:%M:%S)
  for p in $processors; do
    ms=$($cos infer models/$model.onnx --input models/$model.input.npy --processor "$p" \
           --repeat "$repeat" --json |
         /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["median_ms"])')
    line+=$(printf '%10.3f' "$ms")
    echo "$p $ms" >> "$samples"
  done
  echo "$line"
done
/usr/bin/python3 - "$samples" <<'PY'
import collections, statistics, sys
by = collections.defaultdict(list)
for line in open(sys.argv[1]):
    p, ms = line.split()
    by[p].append(float(ms))
print(f"\n{'processor':<10} {'samples':>7} {'median ms':>9} {'min':>7} {'max':>7} {'max/min':>7}")
for p, xs in by.items():
    print(f"{p:<10} {len(xs):>7} {statistics.median(xs):>9.3f} {min(xs):>7.3f} {max(xs):>7.3f} {max(xs) / min(xs):>7.2f}")
PY
