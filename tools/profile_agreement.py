#!/usr/bin/env python3
"""Compares the op medians of two profiles (cos profile -o A.json, then B.json).

For every op signature and processor measured in both, with a median over --min-ms in
either, prints the share within --tolerance and the worst differences.

    tools/profile_agreement.py A.json B.json [--min-ms 0.05] [--tolerance 0.10] [--json]
"""
import argparse
import json
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--min-ms", type=float, default=0.05)
    parser.add_argument("--tolerance", type=float, default=0.10)
    parser.add_argument("--worst", type=int, default=10, help="rows of the worst ops to print")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    profiles = []
    for path in (args.a, args.b):
        with open(path) as f:
            profiles.append(json.load(f))
    a_ops, b_ops = profiles[0]["ops"], profiles[1]["ops"]
    rows = []
    for key, entry in a_ops.items():
        if key not in b_ops:
            continue
        for processor, cost in entry["costs"].items():
            other = b_ops[key]["costs"].get(processor)
            if not other or cost.get("estimated") or "median_ms" not in cost:
                continue
            if "median_ms" not in other:
                continue
            ma, mb = cost["median_ms"], other["median_ms"]
            if max(ma, mb) < args.min_ms:
                continue
            diff = abs(ma - mb) / max(min(ma, mb), 1e-12)
            rows.append((diff, processor, entry["op"], entry.get("shapes", ""), ma, mb))
    by_processor = {}
    for diff, processor, *_ in rows:
        total, within = by_processor.get(processor, (0, 0))
        by_processor[processor] = (total + 1, within + (diff <= args.tolerance))
    summary = {
        p: {"ops": t, "within": w, "within_pct": 100.0 * w / t} for p, (t, w) in by_processor.items()
    }
    rows.sort(reverse=True)
    if args.json:
        json.dump({"processors": summary, "worst": [
            {"processor": p, "op": op, "shapes": s, "a_ms": a, "b_ms": b, "diff_pct": 100 * d}
            for d, p, op, s, a, b in rows[: args.worst]]}, sys.stdout, indent=2)
        print()
        return
    for p, s in sorted(summary.items()):
        print(f"{p:10} {s['within']}/{s['ops']} ops over {args.min_ms} ms within "
              f"{100 * args.tolerance:.0f}% ({s['within_pct']:.1f}%)")
    print("\nworst:")
    for d, p, op, s, a, b in rows[: args.worst]:
        print(f"  {p:8} {op:28} {s:32} {a:9.3f} {b:9.3f} ms  {100 * d:6.1f}%")


if __name__ == "__main__":
    main()
