#!/usr/bin/env python3
"""Turns JMH JSON output (-rf json -rff FILE) into the README's markdown table.

Columns: benchmark, parameters, time per operation with its error, and the allocation per
operation (gc.alloc.rate.norm) when the run used -prof gc. The header names the machine, the
JDK and the commit, so every figure says where it came from.
Usage: jmh_to_markdown.py results.json [more.json ...] > table.md
"""
import json
import os
import platform
import subprocess
import sys


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores"


def commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def number(value):
    """JMH writes NaN and infinities as the strings "NaN", "Infinity" in its JSON."""
    return float(value) if isinstance(value, str) else value


def fmt_time(score, error, unit):
    score, error = number(score), number(error)
    if error != error:  # NaN: a single iteration gives no error estimate
        return f"{score:.4g} {unit}"
    return f"{score:.4g} ± {error:.2g} {unit}"


def fmt_bytes(b):
    if b is None:
        return "—"
    if b < 1024:
        return f"{b:.0f} B"
    if b < 1024 ** 2:
        return f"{b / 1024:.1f} KiB"
    return f"{b / 1024 ** 2:.1f} MiB"


def main(paths):
    rows, jdk = [], None
    for path in paths:
        with open(path) as f:
            for r in json.load(f):
                jdk = jdk or f"{r.get('vmName', '')} {r.get('jdkVersion', '')}".strip()
                name = r["benchmark"].rsplit(".", 2)
                bench = ".".join(name[-2:])
                params = ", ".join(f"{k}={v}" for k, v in (r.get("params") or {}).items())
                pm = r["primaryMetric"]
                alloc = (r.get("secondaryMetrics") or {}).get("gc.alloc.rate.norm")
                rows.append((bench, params, fmt_time(pm["score"], pm["scoreError"], pm["scoreUnit"]),
                             fmt_bytes(number(alloc["score"])) if alloc else "—"))
    print(f"Measured on {machine()}, JDK {jdk}, commit {commit()}.")
    print()
    print("| benchmark | parameters | time per op | allocated per op |")
    print("|---|---|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
