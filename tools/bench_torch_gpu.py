#!/usr/bin/python3
"""Batch-1 latency of the zoo in PyTorch eager on one GPU (fp32, cuDNN), the peer of
`cos infer --processor cuda:0`: the same architectures, input copied from host memory
and output copied back in every timed run, median of N runs after warm-up.
Usage: bench_torch_gpu.py [--only NAME,...] [--repeat N] [--tf32] [--json FILE]
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_models import MODELS, INPUT_SHAPE  # noqa: E402


def time_model(name, repeat, device):
    torch.manual_seed(0)
    model = MODELS[name]().eval().to(device)
    x = torch.randn(*INPUT_SHAPE)
    samples = []
    with torch.no_grad():
        for i in range(10 + repeat):
            torch.cuda.synchronize()
            start = time.perf_counter()
            y = model(x.to(device)).cpu()
            samples.append((time.perf_counter() - start) * 1e3)
    del model, y
    torch.cuda.empty_cache()
    return statistics.median(samples[10:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated model names (default: all)")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--tf32", action="store_true", help="allow TF32 (PyTorch's cuDNN default)")
    parser.add_argument("--json", help="write {name: median_ms} here")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        sys.exit("bench_torch_gpu: no GPU visible to torch")
    torch.backends.cudnn.benchmark = True  # cuDNN picks its fastest algorithms, as cos does
    torch.backends.cudnn.allow_tf32 = args.tf32
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    names = args.only.split(",") if args.only else list(MODELS)
    results = {}
    for name in names:
        results[name] = time_model(name, args.repeat, torch.device("cuda:0"))
        print(f"torch {torch.__version__} {name}: median {results[name]:.3f} ms", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
