#!/bin/bash
# The GPU checks, in one run on a machine with an NVIDIA GPU (the `device` tool, from the
# repository root, with .gpu/ carried after tools/gpu-bundle.sh): the GPU tests (the
# equivalence suite, the built-in models, ONNX node tests, the zoo against PyTorch), the
# copy bandwidth, and batch-1 latency of cos against PyTorch eager on the same GPU.
# Everything lands under $OUT (default ./gpu-out).
# Usage: tools/gpu-check.sh [--quick]   (--quick: tests only, no zoo, no benchmarks)
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
export COS_SOURCE_DIR=$PWD  # where the tests find models/ and .cache/
[[ -e .cache/onnx-node ]] || { mkdir -p .cache && ln -s "$root/onnx-node" .cache/onnx-node; }
run "$root/bin/cos" --version 2>/dev/null || run "$root/bin/cos" --help | head -3

step "GPU tests (equivalence, built-in models, copies, ONNX node tests)"
timeout 240 "$root/lib/ld-linux-x86-64.so.2" --library-path "$libpath" "$root/bin/cos_tests" --gtest_filter='Cuda*:*OnCuda*' 2>&1 | tee "$OUT/tests.log" | grep -v -E '^\[ +(RUN|OK) ' 

if [[ ${1:-} == --quick ]]; then exit 0; fi

step "export the zoo with this machine's PyTorch"
PYTHONUNBUFFERED=1 timeout 240 python3 tools/export_models.py -o models

step "zoo on cuda:0 against PyTorch references"
timeout 200 "$root/lib/ld-linux-x86-64.so.2" --library-path "$libpath" "$root/bin/cos_tests" --gtest_filter='ZooExec.Cuda*' 2>&1 | tee -a "$OUT/tests.log"

step "copy bandwidth"
run "$root/bin/bench_cuda_copy" | tee "$OUT/copy.txt"

step "batch-1 latency: cos (cuda:0) and PyTorch eager, fp32, same GPU"
models="resnet18 mobilenet_v2 squeezenet1_1 googlenet efficientnet_b0 shufflenet_v2_x1_0 vit_b_16 convnext_tiny vgg11"
PYTHONUNBUFFERED=1 python3 tools/bench_torch_gpu.py --repeat 50 --json "$OUT/torch.json"
echo "{" > "$OUT/cos.json"
first=1
for m in $models; do
  line=$(run "$root/bin/cos" infer "models/$m.onnx" --input "models/$m.input.npy" --processor cuda:0 --repeat 50 --warmup 10 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["median_ms"])')
  echo "cos $m: median $line ms"
  [[ $first == 1 ]] || echo "," >> "$OUT/cos.json"
  first=0
  echo "\"$m\": $line" >> "$OUT/cos.json"
done
echo "}" >> "$OUT/cos.json"
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
cos, torch = json.load(open(f"{out}/cos.json")), json.load(open(f"{out}/torch.json"))
print(f"{'model':<20} {'cos ms':>8} {'torch ms':>9} {'cos/torch':>9}")
for m in cos:
    print(f"{m:<20} {cos[m]:>8.3f} {torch[m]:>9.3f} {cos[m] / torch[m]:>9.3f}")
PY
run "$root/bin/cos" infer models/resnet18.onnx --input models/resnet18.input.npy --processor cuda:0 --repeat 20 --stats | tee "$OUT/resnet18-stats.txt"
step "a measured profile of this platform (cpu halves + cuda:0) for the planner"
models7="resnet18 mobilenet_v2 squeezenet1_1 googlenet efficientnet_b0 shufflenet_v2_x1_0 vit_b_16"
half=$(( $(nproc) / 2 ))
run "$root/bin/cos" platform detect --split "$half,$half" -o "$OUT/platform-gpu.json" && cat "$OUT/platform-gpu.json"
timeout 150 "$root/lib/ld-linux-x86-64.so.2" --library-path "$libpath" "$root/bin/cos" profile \
  --platform "$OUT/platform-gpu.json" $(for m in $models7; do echo "models/$m.onnx"; done) \
  -o "$OUT/profile-gpu.json" --quiet
step "done"
