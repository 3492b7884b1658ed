#!/usr/bin/env python3
"""Prints the figures of benches/benches/group.rs as Markdown tables, from criterion's
estimates (CARGO_TARGET_DIR/criterion): each scenario beside its floor and the ratio.

    python3 benches/report.py [CRITERION_DIR]
"""
import json
import os
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.environ.get("CARGO_TARGET_DIR", "target"), "criterion")


def estimate(group, name, param=None):
    path = os.path.join(root, group, name, *( [str(param)] if param is not None else []),
                        "new", "estimates.json")
    try:
        with open(path) as f:
            d = json.load(f)
    except FileNotFoundError:
        return None
    e = d.get("slope") or d["mean"]
    return e["point_estimate"]


def fmt(ns):
    if ns is None:
        return "-"
    if ns < 1e3:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.1f} µs"
    if ns < 1e9:
        return f"{ns / 1e6:.2f} ms"
    return f"{ns / 1e9:.2f} s"


SIZES = [2, 16, 128, 1024, 8192, 32768]
SCENARIOS = ["commit_create", "commit_process", "add_1", "add_100", "add_1000", "join",
             "group_info", "external_join", "external_process", "app_protect",
             "app_unprotect", "save", "load"]

for suite in ["s1", "s2"]:
    print(f"\n### Suite {suite[1]}: scenario / floor (ratio)\n")
    print("| scenario | " + " | ".join(str(n) for n in SIZES) + " | largest / 16 |")
    print("|---|" + "---|" * (len(SIZES) + 1))
    for s in SCENARIOS:
        cells = []
        values = {}
        for n in SIZES:
            v = estimate(f"group_{suite}", s, n)
            floor_name = s if not s.startswith("add_") else None
            fl = (estimate(f"floor_{suite}", s, n) if floor_name
                  else estimate(f"floor_{suite}", s))
            if v is None:
                cells.append("")
                continue
            values[n] = v
            cell = fmt(v)
            if fl:
                cell += f" / {fmt(fl)} ({v / fl:.2f})"
            cells.append(cell)
        growth = "-"
        if 16 in values and len(values) > 1:
            largest = max(values)
            growth = f"{values[largest] / values[16]:.1f} (at {largest})"
        print(f"| `{s}` | " + " | ".join(cells) + f" | {growth} |")
    kp = estimate(f"group_{suite}", "key_package")
    kpf = estimate(f"floor_{suite}", "key_package")
    if kp:
        print(f"\n`key_package`: {fmt(kp)}, floor {fmt(kpf)}"
              + (f" ({kp / kpf:.2f})" if kpf else ""))
    prims = ["sign", "verify", "hpke_seal", "hpke_open", "derive_key_pair",
             "generate_key_pair", "hpke_export_sender", "hpke_export_receiver",
             "aead_seal_1k", "aead_open_1k", "hash_1k"]
    line = ", ".join(f"{p} {fmt(estimate(f'primitive_{suite}', p))}" for p in prims)
    print(f"\nPrimitives: {line}.")
