#!/usr/bin/env python3
"""cos vs ONNX Runtime (CPU provider, npm onnxruntime-node@1.30.0) on the exported zoo:
same models, same inputs, same thread count on the same cores (ORT is pinned with taskset to
the cores cos's processor uses), interleaved rounds in one run. Prints median latency (the
median of the rounds' medians), the ratio cos/ORT as the median of the rounds' ratios (each
round runs the two back to back, so the machine's drift between rounds cancels), and peak RSS.

    npm install --ignore-scripts onnxruntime-node@1.30.0   # once, at the repo root
    bench/compare_ort/compare.py [--cos build/cos] [--rounds 3] [--repeat 20] [MODEL...]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = ["resnet18", "mobilenet_v2", "squeezenet1_1", "googlenet", "efficientnet_b0",
          "shufflenet_v2_x1_0", "vit_b_16"]


def run_json(command):
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed: {result.stderr.strip()}")
    return json.loads(result.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cos", default=os.path.join(ROOT, "build", "cos"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("models", nargs="*", default=MODELS)
    args = parser.parse_args()
    ort_run = os.path.join(ROOT, "bench", "compare_ort", "ort_run.mjs")
    print(f"{'model':<20} {'thr':>3} {'cos ms':>8} {'ORT ms':>8} {'cos/ORT':>7} "
          f"{'cos RSS':>8} {'ORT RSS':>8}")
    for model in args.models:
        onnx = os.path.join(ROOT, "models", model + ".onnx")
        data = os.path.join(ROOT, "models", model + ".input.npy")
        for threads in (int(t) for t in args.threads.split(",")):
            cores = "0" if threads == 1 else f"0-{threads - 1}"
            processor = f"cpu:{cores}"
            cos, ort = [], []
            for _ in range(args.rounds):
                ort.append(run_json(["taskset", "-c", cores, "node", ort_run, onnx, data,
                                     str(threads), str(args.repeat)]))
                cos.append(run_json([args.cos, "infer", onnx, "--input", data, "--processor",
                                     processor, "--repeat", str(args.repeat), "--json"]))
            cos_ms = statistics.median(r["median_ms"] for r in cos)
            ort_ms = statistics.median(r["median_ms"] for r in ort)
            ratio = statistics.median(c["median_ms"] / o["median_ms"] for c, o in zip(cos, ort))
            print(f"{model:<20} {threads:>3} {cos_ms:8.2f} {ort_ms:8.2f} {ratio:7.2f} "
                  f"{max(r['peak_rss_mb'] for r in cos):7.0f}M {max(r['peak_rss_mb'] for r in ort):7.0f}M",
                  flush=True)


if __name__ == "__main__":
    main()
