#!/usr/bin/python3
"""Exports torchvision architectures with random weights to ONNX (opset 13, batch 1).

Each model NAME gets DIR/NAME.onnx, DIR/NAME.input.npy and DIR/NAME.output.npy (the
PyTorch output for that input). Random weights make activations vanish or explode
through depth, so BatchNorm running statistics are first set from a few random batches
in train mode (momentum None: a cumulative average), as a trained model would have them.
Models already in DIR are kept unless --force is given.
Usage: export_models.py [-o DIR] [--only NAME,...] [--force]
"""
import argparse
import inspect
import os
import sys
import time

import numpy as np
import torch
import torchvision.models as tvm

MODELS = {
    "resnet18": lambda: tvm.resnet18(),
    "mobilenet_v2": lambda: tvm.mobilenet_v2(),
    "squeezenet1_1": lambda: tvm.squeezenet1_1(),
    "googlenet": lambda: tvm.googlenet(aux_logits=False, init_weights=True),
    "efficientnet_b0": lambda: tvm.efficientnet_b0(),
    "shufflenet_v2_x1_0": lambda: tvm.shufflenet_v2_x1_0(),
    "vgg11": lambda: tvm.vgg11(),
    "vit_b_16": lambda: tvm.vit_b_16(),
    "convnext_tiny": lambda: tvm.convnext_tiny(),
}
INPUT_SHAPE = (1, 3, 224, 224)


def calibrate_batchnorm(model, batches=4, batch_size=8):
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None
    model.train()
    with torch.no_grad():
        for _ in range(batches):
            model(torch.randn(batch_size, *INPUT_SHAPE[1:]))


def reinit_zero_layers(model):
    """vit_b_16 zero-initialises its head, which makes every output 0: useless as a reference."""
    for module in model.modules():
        if isinstance(module, torch.nn.Linear) and not module.weight.any():
            torch.nn.init.normal_(module.weight, std=module.in_features ** -0.5)


def export(name, out_dir):
    torch.manual_seed(0)
    model = MODELS[name]()
    reinit_zero_layers(model)
    calibrate_batchnorm(model)
    model.eval()
    x = torch.randn(*INPUT_SHAPE)
    with torch.no_grad():
        y = model(x)
    path = os.path.join(out_dir, f"{name}.onnx")
    # Newer torch (2.9+) exports through dynamo by default, at opsets cos does not import yet.
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    # Opset 13 where the exporter can; newer torch writes some ops (attention) only from 14.
    for opset in (13, 14, 17):
        try:
            torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"],
                              output_names=["output"], do_constant_folding=True, **legacy)
            break
        except torch.onnx.errors.UnsupportedOperatorError:
            if opset == 17:
                raise
    np.save(os.path.join(out_dir, f"{name}.input.npy"), x.numpy())
    np.save(os.path.join(out_dir, f"{name}.output.npy"), y.numpy())
    return float(y.abs().mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", default="models", help="output folder (default: models)")
    parser.add_argument("--only", help="comma-separated model names (default: all)")
    parser.add_argument("--force", action="store_true", help="export again models already present")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        sys.exit(f"export_models: unknown model(s) {', '.join(unknown)}; known: {', '.join(MODELS)}")
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    for i, name in enumerate(names, 1):
        if not args.force and all(os.path.exists(os.path.join(args.out, f"{name}{suffix}"))
                                  for suffix in (".onnx", ".input.npy", ".output.npy")):
            print(f"[{i}/{len(names)}] {name}: present", flush=True)
            continue
        start = time.time()
        mean_abs = export(name, args.out)
        print(f"[{i}/{len(names)}] {name}: {time.time() - start:.1f} s, mean |output| {mean_abs:.3g}",
              flush=True)


if __name__ == "__main__":
    main()
