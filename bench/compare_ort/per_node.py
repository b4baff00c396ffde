#!/usr/bin/env python3
"""Where a model's time goes, cos against ONNX Runtime, node by node, on the same cores.

cos's in-context step times (`cos profile` on cpu:CORES) next to ORT's own profile of the same
model on the same cores (ORT 1.30's CPU provider, a thread per core, pinned with taskset); each cos
step is matched with the ORT nodes of the same ONNX node names (ORT's fused QuickGelu counts
with the step holding its Mul). Prints the steps where cos loses most, then the sums.

    bench/compare_ort/per_node.py MODEL [--cores 1 | --cores 0-1] [--runs 50] [--top 20]
"""
import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(command):
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed: {result.stderr.strip()}")
    return result.stdout


def ort_node_ms(model, data, cores, runs, work):
    prefix = os.path.join(work, "ort")
    run(["taskset", "-c", cores, "node", os.path.join(ROOT, "bench", "compare_ort", "ort_run.mjs"),
         model, data, str(core_count(cores)), str(runs), prefix])
    samples, ops = {}, {}
    for event in json.load(open(sorted(glob.glob(prefix + "*.json"))[-1])):
        if event.get("cat") != "Node" or not event["name"].endswith("_kernel_time"):
            continue
        name = event["name"][: -len("_kernel_time")]
        samples.setdefault(name, []).append(event["dur"] / 1000)
        ops[name] = event["args"].get("op_name", "")
    return {n: statistics.median(v) for n, v in samples.items()}, ops


def core_count(cores):
    first, _, last = cores.partition("-")
    return int(last or first) - int(first) + 1


def split_for(cores):
    # One processor of a core each up to a single core; a range from core 0 is one processor.
    first, _, last = cores.partition("-")
    if not last:
        return ",".join(["1"] * (int(first) + 1))
    if first != "0":
        sys.exit(f"--cores {cores}: a range must start at core 0")
    return str(core_count(cores))


def onnx_name(ort_name):
    # ORT's NCHWc and fusion passes rename the nodes they rewrite.
    return ort_name.replace("_output_0_nchwc", "").replace("/QuickGeluFusion/", "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a model of models/ (resnet18) or an .onnx path")
    parser.add_argument("--cores", default="1", help="one core (1) or a range from 0 (0-1)")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--cos", default=os.path.join(ROOT, "build", "cos"))
    args = parser.parse_args()
    model = args.model if args.model.endswith(".onnx") else os.path.join(ROOT, "models", args.model + ".onnx")
    data = model[: -len(".onnx")] + ".input.npy"
    processor = f"cpu:{args.cores}"
    with tempfile.TemporaryDirectory() as work:
        platform, profile = os.path.join(work, "platform.json"), os.path.join(work, "profile.json")
        run([args.cos, "platform", "detect", "--split", split_for(args.cores),
             "--no-measure", "-o", platform])
        run([args.cos, "profile", "--platform", platform, model, "-o", profile, "--quiet",
             "--no-concurrency", "--runs", str(args.runs)])
        names = [n["name"] for n in json.loads(run([args.cos, "inspect", model, "--json"]))["nodes"]]
        cos_profile = json.load(open(profile))
        ort, ort_ops = ort_node_ms(model, data, args.cores, args.runs, work)
    report(cos_profile, names, ort, ort_ops, processor, args.top)


def report(profile, names, ort, ort_ops, processor, top):
    steps = profile["models"][0]["steps"][processor]
    rows, matched = [], set()
    for step in steps:
        op = profile["ops"][step["op"]]
        nodes = {names[i] for i in step["nodes"]}
        ort_nodes = [n for n in ort if onnx_name(n) in nodes]
        matched.update(ort_nodes)
        rows.append((op["costs"][processor]["median_ms"], sum(ort[n] for n in ort_nodes),
                     op["op"], op.get("shapes", ""), step["implementation"],
                     "+".join(ort_ops[n] for n in ort_nodes)))
    print(f"{'cos ms':>7} {'ORT ms':>7}  {'cos step':<18} {'shapes':<36} {'cos kernel':<34} ORT nodes")
    for cos_ms, ort_ms, op, shapes, kernel, ort_names in sorted(rows, key=lambda r: r[1] - r[0])[:top]:
        print(f"{cos_ms:7.3f} {ort_ms:7.3f}  {op:<18} {shapes[:36]:<36} {kernel[:34]:<34} {ort_names}")
    rest = [n for n in ort if n not in matched]
    print(f"\nsum of step medians on {processor}: cos {sum(r[0] for r in rows):.3f} ms, "
          f"ORT {sum(ort.values()):.3f} ms ({sum(ort[n] for n in rest):.3f} of it in {len(rest)} "
          f"nodes of its own: {', '.join(sorted({ort_ops[n] for n in rest}))})")


if __name__ == "__main__":
    main()
