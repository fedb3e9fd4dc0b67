#!/usr/bin/env bash
# The closed-form nearest ETF and the polar factor at (d, C) = (1024, 1000) against numpy's
# eigh-based polar factor, measured in alternating rounds of the same run on the same machine
# (the issue's target: the closed form is no slower than numpy).
#
# Usage: jmh/scripts/etf-vs-numpy.sh [--rounds N] [--size DxC] [--jar PATH] [--out FILE]
#
# Each round runs JMH (NearestEtfBenchmark.forwardClosedForm and DenseKernelsBenchmark.polar,
# -f 1 -wi 3 -i 5 -w 1s -r 1s, sample mode: the median call) on the OpenBLAS backend as shipped (orthonormality checked and
# refined) and on 'openblas-plain-polar' (OpenBlasKernels.refinePolar(false): the plain eigen
# route, the same work as numpy's), then numpy_reference.py's 'polar (eigh)' (median of at
# least 3 s of calls). Alternating the two spreads the drift of a shared machine over both. Writes a markdown table (per round and the median over rounds) to
# FILE (default jmh/results/etf-vs-numpy.md) and prints it.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODULE_DIR="$(dirname "$SCRIPT_DIR")"
JAR="$MODULE_DIR/target/benchmarks.jar"
OUT="$MODULE_DIR/results/etf-vs-numpy.md"
ROUNDS=3
SIZE=1024x1000

while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) ROUNDS="${2:?--rounds needs a value}"; shift 2 ;;
        --size) SIZE="${2:?--size needs a value}"; shift 2 ;;
        --jar) JAR="${2:?--jar needs a path}"; shift 2 ;;
        --out) OUT="${2:?--out needs a path}"; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "etf-vs-numpy.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[ -f "$JAR" ] || { echo "etf-vs-numpy.sh: $JAR missing; build it with: mvn -B -q package -DskipTests -pl jmh -am" >&2; exit 2; }
python3 -c 'import numpy' 2>/dev/null || { echo "etf-vs-numpy.sh: numpy is not installed" >&2; exit 2; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
for round in $(seq 1 "$ROUNDS"); do
    echo "round $round/$ROUNDS: JMH" >&2
    java -jar "$JAR" 'NearestEtfBenchmark.forwardClosedForm$|DenseKernelsBenchmark.polar$' \
        -p size="$SIZE" -p backend=openblas,openblas-plain-polar -f 1 -wi 3 -i 5 -w 1s -r 1s -bm sample -tu ms \
        -rf json -rff "$WORK/jmh-$round.json" > "$WORK/jmh-$round.log"
    echo "round $round/$ROUNDS: numpy" >&2
    python3 "$SCRIPT_DIR/numpy_reference.py" --size "$SIZE" --op 'polar (eigh)' --min-time 3 \
        --json "$WORK/numpy-$round.json" > "$WORK/numpy-$round.log"
done

python3 - "$WORK" "$ROUNDS" "$SIZE" "$OUT" <<'PY'
import json, os, platform, statistics, subprocess, sys
work, rounds, size, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
names = {("NearestEtfBenchmark.forwardClosedForm", "openblas"): "nearest ETF, closed form",
         ("DenseKernelsBenchmark.polar", "openblas"): "polar factor",
         ("NearestEtfBenchmark.forwardClosedForm", "openblas-plain-polar"): "nearest ETF, plain polar",
         ("DenseKernelsBenchmark.polar", "openblas-plain-polar"): "plain polar factor"}
per_round = []
for r in range(1, rounds + 1):
    row = {}
    for result in json.load(open(os.path.join(work, f"jmh-{r}.json"))):
        short = result["benchmark"].rsplit(".", 2)[-2] + "." + result["benchmark"].rsplit(".", 1)[-1]
        # median of the sampled calls, like numpy_reference.py's median (a mean would let the
        # shared machine's slow outliers count against one side only)
        row[names[(short, result["params"]["backend"])]] = result["primaryMetric"]["scorePercentiles"]["50.0"]
    numpy = json.load(open(os.path.join(work, f"numpy-{r}.json")))
    row["numpy eigh polar"] = numpy["results"][0]["median_ms"]
    per_round.append(row)
columns = list(names.values()) + ["numpy eigh polar"]
cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"],
                     capture_output=True, text=True).stdout.strip()
lines = [f"Size {size}, {rounds} alternating rounds; {cpu}, {os.cpu_count()} cores; "
         f"numpy {numpy['numpy']}; command: jmh/scripts/etf-vs-numpy.sh --rounds {rounds} --size {size}", "",
         "JVM columns: OpenBLAS backend; 'plain' = refinePolar(false), the same work as numpy's route.", "",
         "| round | " + " | ".join(f"{c} ms" for c in columns) + " | ETF / numpy | plain ETF / numpy |",
         "|---|" + "---:|" * (len(columns) + 2)]
etf, plain = "nearest ETF, closed form", "nearest ETF, plain polar"
for r, row in enumerate(per_round, 1):
    lines.append(f"| {r} | " + " | ".join(f"{row[c]:.4g}" for c in columns)
                 + f" | {row[etf] / row['numpy eigh polar']:.2f} | {row[plain] / row['numpy eigh polar']:.2f} |")
medians = {c: statistics.median(row[c] for row in per_round) for c in columns}
lines.append("| median | " + " | ".join(f"**{medians[c]:.4g}**" for c in columns)
             + f" | **{medians[etf] / medians['numpy eigh polar']:.2f}** |"
             + f" **{medians[plain] / medians['numpy eigh polar']:.2f}** |")
text = "\n".join(lines) + "\n"
os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
open(out, "w").write(text)
print(text)
PY
