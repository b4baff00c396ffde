#!/bin/bash
# Packs what tools/gpu-check.sh needs on a GPU machine that has no Debian packages of ours:
# the built binaries, the shared libraries they load (Debian's glibc and loader included,
# so they run whatever the machine's own glibc is; cuDNN, cuBLAS and the driver come from
# that machine), and the ONNX node tests. Writes .gpu/bundle.tar.xz (git ignores .gpu/).
# Usage: tools/gpu-bundle.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
binaries=("$build/cos" "$build/tests/cos_tests" "$build/bench/bench_cuda_copy"
  "$build/bench/bench_conv_variants")
for b in "${binaries[@]}"; do
  [[ -x $b ]] || { echo "gpu-bundle: $b is missing; build with the CUDA toolkit first" >&2; exit 1; }
done
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib" .gpu
cp "${binaries[@]}" "$stage/bin/"
# Every library they load, except those of the GPU machine (driver, cuDNN, cuBLAS, CUDA).
ldd "${binaries[@]}" | awk '/=> \//{print $3}' | sort -u |
  grep -v -E '/lib(cuda|cudnn|cublas|nvidia)' | while read -r lib; do cp -L "$lib" "$stage/lib/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$stage/lib/"
if [[ -d .cache/onnx-node ]]; then cp -r .cache/onnx-node "$stage/onnx-node"; fi
tar -C "$stage" -cJf .gpu/bundle.tar.xz .
ls -la .gpu/bundle.tar.xz
