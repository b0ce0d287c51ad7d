#!/usr/bin/env python3
"""cgdiff.py - per-function instruction cost per operation from two callgrind
runs of different operation counts: (Ir(B) - Ir(A)) / (opsB - opsA).
usage: cgdiff.py OUT_A OPS_A OUT_B OPS_B [TOP]"""
import re
import subprocess
import sys


def costs(path):
    txt = subprocess.run(["callgrind_annotate", "--auto=no", "--inclusive=no", "--threshold=100", path],
                         capture_output=True, text=True, check=True).stdout
    out = {}
    for line in txt.splitlines():
        m = re.match(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S+)", line)
        if m and "PROGRAM" not in line:
            fn = m.group(2).split(":")[-1]
            out[fn] = out.get(fn, 0) + int(m.group(1).replace(",", ""))
    return out


def total(path):
    with open(path) as f:
        for line in f:
            if line.startswith("totals:") or line.startswith("summary:"):
                return int(line.split()[1])
    raise SystemExit(f"{path}: no totals line")


a, na, b, nb = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
top = int(sys.argv[5]) if len(sys.argv) > 5 else 0
per = (total(b) - total(a)) / (nb - na)
print(f"instructions_per_op {per:.0f}")
if top:
    ca, cb = costs(a), costs(b)
    rows = sorted(((cb.get(k, 0) - ca.get(k, 0)) / (nb - na), k) for k in set(ca) | set(cb))
    for d, k in reversed(rows[-top:]):
        print(f"  {d:8.1f} {k}")
