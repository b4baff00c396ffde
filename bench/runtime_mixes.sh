#!/bin/bash
# Runs the plans of every strategy for real (`cos run`) on three zoo tenant mixes on this
# machine's cores as cpu:0 + cpu:1 (single: one cpu:0-1 processor with two threads), each
# after the other in one run, and prints measured against predicted throughput and p99.
# The workload is `cos run`'s default, weighted rounds that keep every processor busy (the
# period the plans are searched for); CLIENTS runs a closed loop instead.
# Usage: bench/runtime_mixes.sh [BUILD_DIR] [SECONDS_PER_RUN] [CLIENTS]   (results in .cache/runtime-mixes)
set -euo pipefail
cd "$(dirname "$0")/.."
cos=${1:-build}/cos
seconds=${2:-5}
clients=${3:-}
workload=${clients:+--clients $clients}
out=.cache/runtime-mixes
mkdir -p "$out"
mixes=("resnet18 mobilenet_v2 squeezenet1_1"
       "googlenet efficientnet_b0 shufflenet_v2_x1_0"
       "mobilenet_v2 squeezenet1_1 shufflenet_v2_x1_0 efficientnet_b0")
models=$(for mix in "${mixes[@]}"; do echo $mix; done | tr ' ' '\n' | sort -u | sed 's|^|models/|; s|$|.onnx|')
$cos platform detect --split 1,1 -o $out/cpu2.json >/dev/null
$cos platform detect -o $out/cpu01.json >/dev/null
[[ -f $out/profile2.json ]] || $cos profile --platform $out/cpu2.json $models -o $out/profile2.json --quiet
[[ -f $out/profile01.json ]] || $cos profile --platform $out/cpu01.json $models -o $out/profile01.json --quiet --no-concurrency
for i in "${!mixes[@]}"; do
  args=$(for m in ${mixes[$i]}; do echo "--model models/$m.onnx"; done)
  for s in model layer heft cos; do
    $cos plan --platform $out/cpu2.json --profile $out/profile2.json $args --strategy $s -o $out/mix$i-$s.json >/dev/null
    $cos run $out/mix$i-$s.json --duration ${seconds}s $workload --json > $out/mix$i-$s.run.json 2>/dev/null
  done
  $cos plan --platform $out/cpu01.json --profile $out/profile01.json $args --strategy single -o $out/mix$i-single.json >/dev/null
  $cos run $out/mix$i-single.json --duration ${seconds}s $workload --json > $out/mix$i-single.run.json 2>/dev/null
done
/usr/bin/python3 - "$out" "${#mixes[@]}" "$clients" <<'PY'
import json, sys
out, n, clients = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for i in range(n):
    runs = {s: json.load(open(f"{out}/mix{i}-{s}.run.json")) for s in ("single", "model", "layer", "heft", "cos")}
    names = [t["name"] for t in runs["cos"]["tenants"]]
    print(f"\nmix {i + 1}: {', '.join(names)} ({f'closed loop, {clients} clients per tenant' if clients else 'saturate'})")
    print(f"{'strategy':<8} {'req/s':>8} {'predicted':>9} {'vs best baseline':>16} {'worst thr diff':>14} {'worst p99 diff':>14}")
    best = max(runs[s]["weighted_throughput"] for s in ("single", "model", "layer", "heft"))
    for s, r in runs.items():
        thr = [t["throughput"] / t["predicted_throughput"] - 1 for t in r["tenants"] if t["predicted_throughput"] > 0]
        p99 = [t["p99_ms"] / t["predicted_p99_ms"] - 1 for t in r["tenants"] if t["predicted_p99_ms"] > 0]
        worst = lambda xs: max(xs, key=abs) if xs else float("nan")
        print(f"{s:<8} {r['weighted_throughput']:>8.1f} {r['predicted_weighted_throughput']:>9.1f} "
              f"{r['weighted_throughput'] / best:>16.3f} {100 * worst(thr):>13.1f}% {100 * worst(p99):>13.1f}%")
PY
