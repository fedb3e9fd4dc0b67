#!/usr/bin/env python3
"""Recovers JMH's JSON records from its human-readable log.

JMH writes -rf json only when the whole run ends; a run cut short (a device machine's time
limit) leaves the log with every finished parameter set. This reads the '# Benchmark:',
'# Parameters:', 'Iteration N:' and 'Result' blocks and writes the same record shape as JMH's
JSON (benchmark, mode, params, primaryMetric score / scoreError / scoreUnit / rawData, vmName,
jdkVersion), plus "source": "log" so the record says where it came from. Parameter sets whose
Result line is missing (cut mid-measurement) are left out.
Usage: jmh_log_to_json.py run.log [more.log ...] > results.json
"""
import json
import re
import sys

RESULT = re.compile(r"^\s+([0-9.eE+-]+|NaN) ±\(99\.9%\) ([0-9.eE+-]+|NaN) (\S+) \[Average\]")
ITERATION = re.compile(r"^Iteration\s+\d+: ([0-9.eE+-]+) (\S+)")


def records(path):
    vm_name, jdk = "", ""
    benchmark, params, raw, pending = None, {}, [], False
    out = []
    with open(path) as f:
        for line in f:
            if line.startswith("# VM version: JDK "):
                parts = line[len("# VM version: JDK "):].split(", ")
                jdk, vm_name = parts[0], parts[1] if len(parts) > 1 else ""
            elif line.startswith("# Benchmark: "):
                benchmark, params, raw = line.split(": ", 1)[1].strip(), {}, []
            elif line.startswith("# Parameters: ("):
                body = line.strip()[len("# Parameters: ("):-1]
                params = dict(item.split(" = ", 1) for item in body.split(", "))
            elif ITERATION.match(line):
                raw.append(float(ITERATION.match(line).group(1)))
            elif line.startswith("Result \""):
                pending = True
            elif pending and RESULT.match(line):
                score, error, unit = RESULT.match(line).groups()
                out.append({"benchmark": benchmark, "mode": "avgt", "params": params, "vmName": vm_name,
                            "jdkVersion": jdk, "source": "log",
                            "primaryMetric": {"score": float(score), "scoreError": float(error),
                                              "scoreUnit": unit, "rawData": [raw]}})
                pending = False
    return out


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    json.dump([r for path in sys.argv[1:] for r in records(path)], sys.stdout, indent=2)
    print()
