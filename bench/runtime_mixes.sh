#!/bin/bash
# Runs the plans of every strategy for real (`cos run`) on three zoo tenant mixes on this
# machine's cores as cpu:0 + cpu:1 (single: one cpu:0-1 processor with two threads), side by
# side in one run, and prints measured against predicted throughput, p50 and p99, and how long
# each processor's work took against its profile (work_vs_profiled). This machine's speed
# drifts over minutes, so each mix is profiled right before its runs, and the runs of
# the five plans alternate over REPS repetitions, each starting one plan later (medians
# reported). Whole-model runs after each mix's runs, against the profile's own, show how far
# the machine's speed moved meanwhile.
# The workload is `cos run`'s default, weighted rounds that keep every processor busy (the
# period the plans are searched for); CLIENTS plans for and runs a closed loop instead.
# The cos plan is picked by running its best simulated plans for TUNE seconds (`cos plan
# --tune`; 0: picked by the simulator alone); on cpu:0 + cpu:1 its contenders include those
# for the one two-core processor (`--also-platform`: cos chooses the split of the cores too).
# MIX_PLATFORM=gpu: every strategy on one platform of all cores but one as one cpu processor
# plus cuda:0, whose worker runs on the core left (`cos platform detect`), profiled once for
# the three mixes and not checked after each (the device tool's time is short; a GPU
# machine's speed holds); `single` then means the one fastest of those processors.
# Usage: [MIX_ONLY=K | MIX_MODELS="a b c"] bench/runtime_mixes.sh [BUILD_DIR] [SECONDS_PER_RUN]
#        [REPS] [CLIENTS] [TUNE]
# (results in .cache/runtime-mixes, or $MIX_OUT)
set -euo pipefail
cd "$(dirname "$0")/.."
cos=${1:-build}/cos
seconds=${2:-5}
reps=${3:-2}
clients=${4:-}
tune=${5:-12}
workload=${clients:+--clients $clients}
out=${MIX_OUT:-.cache/runtime-mixes}
mkdir -p "$out"
mixes=("resnet18 mobilenet_v2 squeezenet1_1"
       "googlenet efficientnet_b0 shufflenet_v2_x1_0"
       "mobilenet_v2 squeezenet1_1 shufflenet_v2_x1_0 efficientnet_b0")
# MIX_ONLY=K: the K-th mix alone (from 0); MIX_MODELS: one mix of these zoo models instead.
if [[ -n ${MIX_ONLY:-} ]]; then mixes=("${mixes[$MIX_ONLY]}"); fi
if [[ -n ${MIX_MODELS:-} ]]; then mixes=("$MIX_MODELS"); fi
strategies=(single model layer heft cos)
if [[ ${MIX_PLATFORM:-split} == gpu ]]; then
  split=gpu whole=gpu profile_args="--runs 8"
  $cos platform detect -o $out/gpu.json >/dev/null
  # A GPU machine's speed holds: every mix's models profiled once, shared by the mixes.
  $cos profile --platform $out/gpu.json $(for m in $(printf '%s\n' ${mixes[@]} | sort -u); do
    echo "models/$m.onnx"; done) -o $out/all-profile-gpu.json --quiet $profile_args
else
  split=cpu2 whole=cpu01 profile_args=""
  $cos platform detect --split 1,1 -o $out/cpu2.json >/dev/null
  $cos platform detect -o $out/cpu01.json >/dev/null
fi
# Prints mix $1's table, right after its runs (a run cut short still shows the mixes done).
summarize() {
  ${PYTHON:-/usr/bin/python3} - "$out" "$1" "$reps" "$clients" "$split" "${strategies[@]}" <<'PY'
import json, os, statistics, sys
out, mix, reps, clients, split, strategies = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6:]
median = statistics.median
i = mix
runs = {s: [json.load(open(f"{out}/mix{i}-{s}.run{r}.json")) for r in range(1, reps + 1)] for s in strategies}
names = [t["name"] for t in runs["cos"][0]["tenants"]]
workload = f"closed loop, {clients} clients per tenant" if clients else "saturate"
print(f"\nmix {i + 1}: {', '.join(names)} ({workload}; medians of {reps} runs)")
print(f"{'strategy':<8} {'req/s':>8} {'predicted':>9} {'vs best baseline':>16} {'worst thr diff':>14} {'worst p50 diff':>14} {'worst p99 diff':>14} {'mix req/s':>9} {'mix vs best':>11}  work vs profiled")
thr = {s: median(r["weighted_throughput"] for r in runs[s]) for s in strategies}
best = max(thr[s] for s in strategies if s != "cos")
# The weighted mix a plan sustains: every tenant at its weight, as fast as the slowest
# allows (the planners' objective; the sum above in saturate, less under a closed loop).
weights = [t["weight"] for t in json.load(open(f"{out}/mix{i}-cos.json"))["problem"]["tenants"]]
mix = {s: median(sum(weights) * min(t["throughput"] / w for t, w in zip(r["tenants"], weights))
                 for r in runs[s]) for s in strategies}
best_mix = max(mix[s] for s in strategies if s != "cos")
profiled = {m["name"]: m["whole_ms"] for m in json.load(open(f"{out}/mix{i}-profile-{split}.json"))["models"]}
drift = {}
check = f"{out}/mix{i}-check.json"
for row in json.load(open(check))["check"] if os.path.exists(check) else []:
    before = profiled[row["model"]][row["processor"]]
    drift.setdefault(row["processor"], []).append(before / row["measured_ms"] - 1)
if drift:
    print("machine speed after the runs against when profiled (median over the mix's models): " +
          ", ".join(f"{p} {100 * median(d):+.1f}%" for p, d in drift.items()))
worst = lambda xs: max(xs, key=abs) if xs else float("nan")
# Plans placing every unit alike are one plan measured twice: their difference is noise.
def plan(s):
    p = json.load(open(f"{out}/mix{i}-{s}.json"))
    return [[(u["processor"], u["rank"]) for u in t["units"]] for t in p["tenants"]], p.get("order")
placement = lambda s: [[u for u, _ in t] for t in plan(s)[0]]
same = [s for s in strategies if s != "cos" and placement(s) == placement("cos")]
identical = [s for s in same if plan(s) == plan("cos")]
if identical:
    print(f"the cos plan is {', '.join(identical)}'s (every unit's processor and rank, and the order)")
elif same:
    print(f"the cos plan places every unit as {', '.join(same)} does (ranks or order differ)")
bound = json.load(open(f"{out}/mix{i}-bound.json"))
layer = bound["strategies"][0]["period_ms"] / bound["lp_bound_period_ms"]
print(f"LP bound on the period on {split}: {bound['lp_bound_period_ms']:.2f} ms; the layer plan's "
      f"simulated period is {layer:.3f}x it (no plan can run more than that much faster)")
# Paired: each repetition runs the five plans back to back, so its ratio sees one stretch
# of the machine's speed. Against the baseline with the best median (the best of four
# noisy figures in each repetition would be the luckiest one, not the best plan).
top = max((s for s in strategies if s != "cos"), key=lambda s: thr[s])
paired = [runs["cos"][r]["weighted_throughput"] / runs[top][r]["weighted_throughput"] for r in range(reps)]
print(f"cos over {top} (the best baseline), per repetition: " + " ".join(f"{x:.3f}" for x in paired) +
      f"; median {median(paired):.3f}")
for s in strategies:
    tenants = range(len(names))
    def diffs(key):  # per tenant: median measured over predicted, minus 1
        return [median(r["tenants"][t][key] for r in runs[s]) / runs[s][0]["tenants"][t]["predicted_" + key] - 1
                for t in tenants if runs[s][0]["tenants"][t]["predicted_" + key] > 0]
    t_thr, t_p50, t_p99 = diffs("throughput"), diffs("p50_ms"), diffs("p99_ms")
    print(f"{s:<8} {thr[s]:>8.1f} {runs[s][0]['predicted_weighted_throughput']:>9.1f} "
          f"{thr[s] / best:>16.3f} {100 * worst(t_thr):>13.1f}% {100 * worst(t_p50):>13.1f}% {100 * worst(t_p99):>13.1f}% "
          f"{mix[s]:>9.1f} {mix[s] / best_mix:>11.3f}  " +
          ", ".join(f"{p} {median(r['work_vs_profiled'][p] for r in runs[s]):.2f}x" +
                    (f" ({100 * median(r['replayed'][p] for r in runs[s]):.0f}% replayed)"
                     if p in runs[s][0].get("replayed", {}) else "")
                    for p in runs[s][0]["work_vs_profiled"] if runs[s][0]["work_vs_profiled"][p] > 0))
PY
}
for i in "${!mixes[@]}"; do
  echo "mix $((i + 1)): profiled and planned from $(date +%T)"
  models=$(for m in ${mixes[$i]}; do echo "models/$m.onnx"; done)
  args=$(for m in $models; do echo "--model $m"; done)
  if [[ -f $out/all-profile-$split.json ]]; then
    cp $out/all-profile-$split.json $out/mix$i-profile-$split.json
  else
    $cos profile --platform $out/$split.json $models -o $out/mix$i-profile-$split.json --quiet $profile_args
  fi
  if [[ $whole != "$split" ]]; then
    $cos profile --platform $out/$whole.json $models -o $out/mix$i-profile-$whole.json --quiet --no-concurrency
  fi
  for s in "${strategies[@]}"; do
    if [[ $s == single ]]; then platform=$whole; else platform=$split; fi
    pick=""
    if [[ $s == cos && $tune != 0 ]]; then pick="--tune $tune"; fi
    if [[ $s == cos && $whole != "$split" ]]; then
      pick="$pick --also-platform $out/$whole.json --also-profile $out/mix$i-profile-$whole.json"
    fi
    $cos plan --platform $out/$platform.json --profile $out/mix$i-profile-$platform.json $args --strategy $s \
      $workload $pick -o $out/mix$i-$s.json >/dev/null 2>$out/mix$i-$s.plan.log
  done
  # The LP bound on the period: how much any plan could gain over the best baseline.
  $cos compare --platform $out/$split.json --profile $out/mix$i-profile-$split.json $args \
    --strategies layer --json > $out/mix$i-bound.json
  echo "mix $((i + 1)): runs from $(date +%T)"
  for r in $(seq 1 "$reps"); do
    # Each repetition starts one strategy later, so that a slowdown of the machine that sets
    # in mid-repetition does not always fall on the same strategies.
    n=${#strategies[@]}
    for k in $(seq 0 $((n - 1))); do
      s=${strategies[$(((k + r - 1) % n))]}
      $cos run $out/mix$i-$s.json --duration ${seconds}s $workload --json > $out/mix$i-$s.run$r.json 2>$out/mix$i-$s.run$r.log
    done
  done
  # Whole-model runs on cpu:0 and cpu:1 after the mix's runs, to set against the profile's
  # (the predictions hold for the speed the machine was profiled at).
  if [[ $split != gpu ]]; then
    $cos profile --check $out/mix$i-profile-$split.json $models --json --quiet > $out/mix$i-check.json
  fi
  summarize $i
done
