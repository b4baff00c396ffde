#!/usr/bin/env python3
"""Compares the op medians of two profiles (cos profile -o A.json, then B.json).

For every op signature and processor measured in both, with a median over --min-ms in
either, prints the share within --tolerance and the worst differences. It also prints each
processor's shift (the median of B's op medians over A's): a change of the whole machine's
speed between the two runs, which moves every op alike, and the share within --tolerance once
B is divided by it, which is what is left to the ops themselves.

    tools/profile_agreement.py A.json B.json [--min-ms 0.05] [--tolerance 0.10] [--json]
"""
import argparse
import json
import statistics
import sys


def relative_difference(a, b):
    return abs(a - b) / max(min(a, b), 1e-12)


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
            if max(ma, mb) < args.min_ms or min(ma, mb) <= 0:
                continue
            diff = relative_difference(ma, mb)
            rows.append((diff, processor, entry["op"], entry.get("shapes", ""), ma, mb))
    ratios = {}
    for _, processor, _, _, ma, mb in rows:
        ratios.setdefault(processor, []).append(mb / ma)
    summary = {}
    for p, rs in ratios.items():
        shift = statistics.median(rs)
        within = sum(relative_difference(r, 1) <= args.tolerance for r in rs)
        shifted = sum(relative_difference(r / shift, 1) <= args.tolerance for r in rs)
        summary[p] = {"ops": len(rs), "within": within, "within_pct": 100.0 * within / len(rs),
                      "shift": shift, "within_after_shift_pct": 100.0 * shifted / len(rs)}
    rows.sort(reverse=True)
    if args.json:
        json.dump({"processors": summary, "worst": [
            {"processor": p, "op": op, "shapes": s, "a_ms": a, "b_ms": b, "diff_pct": 100 * d}
            for d, p, op, s, a, b in rows[: args.worst]]}, sys.stdout, indent=2)
        print()
        return
    for p, s in sorted(summary.items()):
        print(f"{p:10} {s['within']}/{s['ops']} ops over {args.min_ms} ms within "
              f"{100 * args.tolerance:.0f}% ({s['within_pct']:.1f}%); shift {s['shift']:.3f}, "
              f"{s['within_after_shift_pct']:.1f}% within after it")
    print("\nworst:")
    for d, p, op, s, a, b in rows[: args.worst]:
        print(f"  {p:8} {op:28} {s:32} {a:9.3f} {b:9.3f} ms  {100 * d:6.1f}%")


if __name__ == "__main__":
    main()
