#!/bin/bash
# The GPU checks, in one run on a machine with an NVIDIA GPU (the `device` tool, from the
# repository root, with .gpu/ carried after tools/gpu-bundle.sh): the GPU tests (the
# equivalence suite, the built-in models, ONNX node tests, the zoo against PyTorch), the
# copy bandwidth, batch-1 latency of cos against PyTorch eager on the same GPU, three tenant
# mixes run for real on cpu + cuda:0 (bench/runtime_mixes.sh), and a measured profile.
# Everything lands under $OUT (default ./gpu-out).
# Usage: tools/gpu-check.sh [--quick | --mixes | --runtime | --profile]
#   --quick: the GPU tests only; --mixes: the GPU tests, then the tenant mixes only;
#   --runtime: the GPU tests, then mix 1 once and resnet18 alone on cuda:0 through the runtime
#   (against cos infer); --profile: the GPU tests, then the measured profile only.
# Through the device tool (at most 8 files come back): run with carry [".gpu"],
#   export REAL=$OUT OUT=/tmp/o; timeout 575 tools/gpu-check.sh --mixes; cp /tmp/o/* $REAL/
# The mixes take MIX_SECONDS (2) a run, MIX_REPS (2) repetitions, MIX_TUNE (4) seconds of
# `cos plan --tune`, and stop after MIX_TIMEOUT (470) seconds; three mixes took 345 s on an H200.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"
log="$OUT/gpu-check.log"
exec > >(tee -a "$log") 2>&1
step() { echo; echo "=== $(date +%T) $*"; }

step "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version())' || true

step "unpack the bundle"
root=/tmp/cos-gpu
rm -rf "$root" && mkdir -p "$root" && tar -C "$root" -xJf .gpu/bundle.tar.xz || exit 1
# cuDNN and cuBLAS of this machine: the toolkit's, or the ones PyTorch's wheels bring.
libdirs=$(python3 - <<'PY'
import glob, os, site
dirs = set()
for base in site.getsitepackages() + ["/usr/local/cuda/lib64", "/usr/local/cuda/lib", "/usr/lib/x86_64-linux-gnu"]:
    for pattern in ("libcudnn.so.9", "libcublas.so.13", "libcublasLt.so.13"):
        for hit in glob.glob(os.path.join(base, "**", pattern), recursive=True):
            dirs.add(os.path.dirname(hit))
print(":".join(sorted(dirs)))
PY
)
driver=$(dirname "$(ldconfig -p | awk '/libcuda.so.1 /{print $NF; exit}')" 2>/dev/null || true)
libpath="$root/lib:$libdirs:${driver:-/usr/lib/x86_64-linux-gnu}:/usr/local/nvidia/lib64"
echo "library path: $libpath"
run() { "$root/lib/ld-linux-x86-64.so.2" --library-path "$libpath" "$@"; }
# A `cos` that scripts can call by path (bench/runtime_mixes.sh takes the folder).
mkdir -p "$root/wrap"
printf '#!/bin/bash\nexec %q --library-path %q %q "$@"\n' "$root/lib/ld-linux-x86-64.so.2" \
  "$libpath" "$root/bin/cos" > "$root/wrap/cos" && chmod +x "$root/wrap/cos"
export COS_SOURCE_DIR=$PWD  # where the tests find models/ and .cache/
[[ -e .cache/onnx-node ]] || { mkdir -p .cache && ln -s "$root/onnx-node" .cache/onnx-node; }
run "$root/bin/cos" --version 2>/dev/null || run "$root/bin/cos" --help | head -3

step "GPU tests (equivalence, built-in models, copies, ONNX node tests)"
timeout 240 "$root/lib/ld-linux-x86-64.so.2" --library-path "$libpath" "$root/bin/cos_tests" --gtest_filter='Cuda*:*OnCuda*:CpuBackend.OwnWinograd*' 2>&1 | tee "$OUT/tests.log" | grep -v -E '^\[ +(RUN|OK) ' 

mode=${1:-}
if [[ $mode == --quick ]]; then exit 0; fi

# Our Winograd kernels were timed only on AVX2 (16-channel blocks untimed): this CPU's figures.
step "every conv kernel on resnet18's shapes, one thread and half the cores"
grep -o -m1 -E 'avx512[a-z_]*' /proc/cpuinfo | head -1
for threads in 1 $(( $(nproc) / 2 )); do timeout 60 "$root/lib/ld-linux-x86-64.so.2" --library-path "$libpath" "$root/bin/bench_conv_variants" "$threads" 3 16; done

mixes() {
  step "tenant mixes on cpu + cuda:0: every strategy's plan run for real, measured against predicted"
  MIX_PLATFORM=gpu MIX_OUT=/tmp/mixes PYTHON=python3 timeout "${MIX_TIMEOUT:-470}" \
    bench/runtime_mixes.sh "$root/wrap" "${MIX_SECONDS:-2}" "${MIX_REPS:-2}" "" "${MIX_TUNE:-4}" \
    | tee "$OUT/mixes.txt"
  tar -C /tmp -czf "$OUT/mixes.tgz" mixes 2>/dev/null || true
  step "traces of mix 1's single and cos plans (2 s each)"
  for s in single cos; do
    [[ -f /tmp/mixes/mix0-$s.json ]] || continue
    "$root/wrap/cos" run /tmp/mixes/mix0-$s.json --duration 2s --trace "$OUT/trace-$s.json" \
      --json > "$OUT/trace-$s.run.json" 2>/dev/null && gzip -f "$OUT/trace-$s.json"
  done
}
models7="resnet18 mobilenet_v2 squeezenet1_1 googlenet efficientnet_b0 shufflenet_v2_x1_0 vit_b_16"
profile() {
  step "a measured profile of this platform (cpu halves + cuda:0) for the planner"
  half=$(( $(nproc) / 2 ))
  run "$root/bin/cos" platform detect --split "$half,$half" -o "$OUT/platform-gpu.json" && cat "$OUT/platform-gpu.json"
  timeout 150 "$root/lib/ld-linux-x86-64.so.2" --library-path "$libpath" "$root/bin/cos" profile \
  --platform "$OUT/platform-gpu.json" $(for m in $models7; do [[ -f models/$m.onnx ]] && echo "models/$m.onnx"; done) \
  -o "$OUT/profile-gpu.json" --quiet --no-concurrency --runs 8
}
if [[ $mode == --profile ]]; then
  step "export the profile's models with this machine's PyTorch"
  PYTHONUNBUFFERED=1 timeout 120 python3 tools/export_models.py -o models --only ${models7// /,}
  profile
  exit 0
fi
if [[ $mode == --runtime ]]; then
  step "export mix 1's models with this machine's PyTorch"
  PYTHONUNBUFFERED=1 timeout 120 python3 tools/export_models.py -o models \
    --only resnet18,mobilenet_v2,squeezenet1_1
  step "resnet18 whole on cuda:0 through cos infer (the replayed graph the profile measures)"
  run "$root/bin/cos" infer models/resnet18.onnx --input models/resnet18.input.npy \
    --processor cuda:0 --repeat 100 --warmup 10 --json
  MIX_ONLY=0 MIX_SECONDS=${MIX_SECONDS:-2} MIX_REPS=${MIX_REPS:-1} MIX_TUNE=${MIX_TUNE:-2} mixes
  step "resnet18 alone, wholly on cuda:0, through the runtime"
  "$root/wrap/cos" plan --platform /tmp/mixes/gpu.json --profile /tmp/mixes/all-profile-gpu.json \
    --model models/resnet18.onnx --strategy single -o /tmp/r18.json >/dev/null &&
    "$root/wrap/cos" run /tmp/r18.json --duration 2s --json --trace "$OUT/trace-r18.json" \
      > "$OUT/r18.run.json" && gzip -f "$OUT/trace-r18.json"
  grep -h "could not be recorded" /tmp/mixes/*.log | sort | uniq -c
  exit 0
fi
if [[ $mode == --mixes ]]; then
  step "export the mixes' models with this machine's PyTorch"
  PYTHONUNBUFFERED=1 timeout 120 python3 tools/export_models.py -o models \
    --only resnet18,mobilenet_v2,squeezenet1_1,googlenet,efficientnet_b0,shufflenet_v2_x1_0
  mixes
  exit 0
fi

step "export the zoo with this machine's PyTorch"
PYTHONUNBUFFERED=1 timeout 240 python3 tools/export_models.py -o models

step "zoo on cuda:0 against PyTorch references"
timeout 200 "$root/lib/ld-linux-x86-64.so.2" --library-path "$libpath" "$root/bin/cos_tests" --gtest_filter='ZooExec.Cuda*' 2>&1 | tee -a "$OUT/tests.log"

step "copy bandwidth"
run "$root/bin/bench_cuda_copy"

step "batch-1 latency: cos (cuda:0) and PyTorch eager, fp32, same GPU, two interleaved rounds"
models="resnet18 mobilenet_v2 squeezenet1_1 googlenet efficientnet_b0 shufflenet_v2_x1_0 vit_b_16 convnext_tiny vgg11"
for round in 1 2; do
  PYTHONUNBUFFERED=1 python3 tools/bench_torch_gpu.py --repeat 50 --json "$OUT/torch$round.json"
  for m in $models; do
    [[ -f models/$m.onnx ]] || { echo "cos $m: not exported"; continue; }
    run "$root/bin/cos" infer "models/$m.onnx" --input "models/$m.input.npy" --processor cuda:0 \
      --repeat 50 --warmup 10 --json > "/tmp/cos-$m.json" &&
      python3 -c "import json,sys; print(json.dumps({'$m': json.load(open('/tmp/cos-$m.json'))['median_ms']}))"
  done | tee "/tmp/cos$round.lines"
  python3 -c "import json,sys; d={}; [d.update(json.loads(l)) for l in open('/tmp/cos$round.lines') if l.startswith('{')]; json.dump(d, open('$OUT/cos$round.json','w'))"
done
python3 - "$OUT" <<'PY'
import json, statistics, sys
out = sys.argv[1]
rounds = [(json.load(open(f"{out}/cos{r}.json")), json.load(open(f"{out}/torch{r}.json"))) for r in (1, 2)]
print(f"{'model':<20} {'cos ms':>8} {'torch ms':>9} {'cos/torch per round':>22} {'median':>7}")
for m in rounds[0][1]:
    if not all(m in c for c, _ in rounds):
        print(f"{m:<20} (cos did not run it)")
        continue
    ratios = [c[m] / t[m] for c, t in rounds]
    print(f"{m:<20} {statistics.median(c[m] for c, _ in rounds):>8.3f} "
          f"{statistics.median(t[m] for _, t in rounds):>9.3f} "
          f"{'  '.join(f'{r:.3f}' for r in ratios):>22} {statistics.median(ratios):>7.3f}")
PY
for m in vgg11 vit_b_16; do
  run "$root/bin/cos" infer "models/$m.onnx" --input "models/$m.input.npy" --processor cuda:0 --repeat 10 --stats | tail -14
done
mixes
profile
step "done"
