#!/usr/bin/env bash
# One UFM training step per head, Java (Trainer.step on the OpenBLAS backend, timed by
# dev.stiefel.bench.TrainingStepTiming) against numpy (ufm_step_numpy.py, the same step written
# with numpy), in alternating rounds of the same run on the same machine: each round times every
# (preset, head) on both sides, medians of at least --min-time seconds of steps, and the table
# reports the median over rounds and the ratio Java / numpy. Both sides get the same number of
# BLAS threads (--threads, default 2); OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for numpy
# only, and the kernel numpy then runs is reported (threadpoolctl).
#
# The lower bound column: the step's dense products in flops (fixed 4BdC: Z = Hc W and
# dL/dHc = dL/dZ W^T; standard 6BdC; implicit forward-only 4BdC + 3dC^2 + C^3 for G^T G, the
# inverse square root and G times it; implicit 6BdC + 13dC^2 + C^3 with the backward's five
# d x C x C products), divided by the dgemm rate measured in the same run (numpy, 2000^3, same
# threads). It leaves out the eigendecomposition and every O(Bd) pass, so it is a floor, not
# a target. With --evaluations K the Java side also times K full-data evaluations
# (NeuralCollapseMetrics through Trainer.evaluate); their bound counts 4NdC (logits and
# nearest-mean scores) + NC^2 (the residuals' Gram matrix) + 4dC^2 (Hbar^T Hbar, Hbar^T W,
# W^T W) + 3C^3 (NC1's Cholesky inverse and one C x C product); where NC1 falls back to an
# eigendecomposition (rank-deficient class means) that is not counted.
#
# Usage: jmh/scripts/ufm-step-vs-numpy.sh [--rounds N] [--preset P]... [--head H]...
#        [--min-time S] [--threads T] [--evaluations K] [--jar PATH] [--out FILE]
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODULE_DIR="$(dirname "$SCRIPT_DIR")"
JAR="$MODULE_DIR/target/benchmarks.jar"
OUT="$MODULE_DIR/results/ufm-step-vs-numpy.md"
ROUNDS=3
MIN_TIME=3
THREADS=2
EVALUATIONS=0
PRESETS=()
HEADS=()

while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) ROUNDS="${2:?--rounds needs a value}"; shift 2 ;;
        --preset) PRESETS+=("${2:?--preset needs a value}"); shift 2 ;;
        --head) HEADS+=("${2:?--head needs a value}"); shift 2 ;;
        --min-time) MIN_TIME="${2:?--min-time needs a value}"; shift 2 ;;
        --threads) THREADS="${2:?--threads needs a value}"; shift 2 ;;
        --evaluations) EVALUATIONS="${2:?--evaluations needs a value}"; shift 2 ;;
        --jar) JAR="${2:?--jar needs a path}"; shift 2 ;;
        --out) OUT="${2:?--out needs a path}"; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "ufm-step-vs-numpy.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[ ${#PRESETS[@]} -gt 0 ] || PRESETS=(ufm-10 ufm-100 ufm-200 ufm-1000)
[ ${#HEADS[@]} -gt 0 ] || HEADS=(fixed implicit-forward-only implicit standard)
[ -f "$JAR" ] || { echo "ufm-step-vs-numpy.sh: $JAR missing; build it with: mvn -B -q package -DskipTests -pl jmh -am" >&2; exit 2; }
python3 -c 'import numpy' 2>/dev/null || { echo "ufm-step-vs-numpy.sh: numpy is not installed" >&2; exit 2; }

JAVA_ARGS=(--min-time "$MIN_TIME" --evaluations "$EVALUATIONS")
PY_ARGS=(--min-time "$MIN_TIME")
for p in "${PRESETS[@]}"; do JAVA_ARGS+=(--preset "$p"); PY_ARGS+=(--preset "$p"); done
for h in "${HEADS[@]}"; do JAVA_ARGS+=(--head "$h"); PY_ARGS+=(--head "$h"); done

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
for round in $(seq 1 "$ROUNDS"); do
    echo "round $round/$ROUNDS: java" >&2
    OPENBLAS_NUM_THREADS="$THREADS" java -Xmx8g -D"stiefel.openblas.threads=$THREADS" \
        -cp "$JAR" dev.stiefel.bench.TrainingStepTiming "${JAVA_ARGS[@]}" --json "$WORK/java-$round.json" >&2
    echo "round $round/$ROUNDS: numpy" >&2
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$THREADS" \
        python3 "$SCRIPT_DIR/ufm_step_numpy.py" "${PY_ARGS[@]}" --json "$WORK/numpy-$round.json" >&2
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$THREADS" python3 - "$WORK/dgemm-$round.json" <<'PY'
import json, sys, time
import numpy as np
n = 2000
a, b = np.random.default_rng(0).standard_normal((2, n, n))
a @ b
times = []
for _ in range(7):
    t0 = time.perf_counter(); a @ b; times.append(time.perf_counter() - t0)
times.sort()
json.dump({"gflops": 2 * n ** 3 / times[len(times) // 2] / 1e9}, open(sys.argv[1], "w"))
PY
done

python3 - "$WORK" "$ROUNDS" "$OUT" "$THREADS" "$MIN_TIME" "${PRESETS[*]}" "${HEADS[*]}" "$EVALUATIONS" <<'PY'
import json, os, statistics, subprocess, sys
work, rounds, out, threads, min_time, presets, heads = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7]
evaluations = int(sys.argv[8])
shapes = {"ufm-10": (10, 1000, 512), "ufm-100": (100, 5000, 1024), "ufm-200": (200, 5000, 1024),
          "ufm-1000": (1000, 10000, 1024)}

def flops(preset, head):
    c, n, d = shapes[preset]
    b = max(256, c)
    product = 2 * b * d * c
    if head == "fixed":
        return 2 * product
    if head == "standard":
        return 3 * product
    forward = 2 * product + 3 * d * c * c + c ** 3
    return forward if head == "implicit-forward-only" else forward + product + 10 * d * c * c

def evaluation_flops(preset):
    c, n, d = shapes[preset]
    return 4 * n * d * c + n * c * c + 4 * d * c * c + 3 * c ** 3

java, numpy, evaluation, gemm = {}, {}, {}, []
for r in range(1, rounds + 1):
    for row in json.load(open(os.path.join(work, f"java-{r}.json")))["results"]:
        java.setdefault((row["preset"], row["head"]), []).append(row["median_ms"])
        if "evaluation_ms" in row:
            evaluation.setdefault((row["preset"], row["head"]), []).append(row["evaluation_ms"])
    info = json.load(open(os.path.join(work, f"numpy-{r}.json")))
    for row in info["results"]:
        numpy.setdefault((row["preset"], row["head"]), []).append(row["median_ms"])
    gemm.append(json.load(open(os.path.join(work, f"dgemm-{r}.json")))["gflops"])
rate = statistics.median(gemm)
cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"],
                     capture_output=True, text=True).stdout.strip()
blas = ", ".join(f"{b.get('internal_api')} {b.get('version')} {b.get('architecture')} x{b.get('num_threads')}"
                 for b in info.get("blas", []))
lines = [f"{rounds} alternating rounds, {min_time} s of steps per cell and side; {cpu}, {os.cpu_count()} cores; "
         f"{threads} BLAS threads on both sides; numpy {info['numpy']} ({blas}); dgemm {rate:.1f} GFLOP/s "
         f"(numpy 2000^3, median over rounds).",
         f"Command: jmh/scripts/ufm-step-vs-numpy.sh --rounds {rounds} --min-time {min_time} --threads {threads}"
         + "".join(f" --preset {p}" for p in presets.split()) + "".join(f" --head {h}" for h in heads.split())
         + (f" --evaluations {evaluations}" if evaluations else ""), "",
         "| preset | head | Java ms/step | numpy ms/step | Java / numpy | product flops | flop bound ms | Java / bound |"
         + (" evaluation ms | evaluation bound ms | evaluation / bound |" if evaluation else ""),
         "|---|---|---:|---:|---:|---:|---:|---:|" + ("---:|---:|---:|" if evaluation else "")]
for preset in presets.split():
    for head in heads.split():
        key = (preset, head)
        if key not in java or key not in numpy:
            continue
        j, p = statistics.median(java[key]), statistics.median(numpy[key])
        f = flops(preset, head)
        bound = f / (rate * 1e9) * 1e3
        line = (f"| {preset} | {head} | {j:.2f} | {p:.2f} | **{j / p:.2f}** | {f / 1e9:.3f} G | {bound:.2f} | "
                f"{j / bound:.1f} |")
        if evaluation:
            if key in evaluation:
                measured = statistics.median(evaluation[key])
                floor = evaluation_flops(preset) / (rate * 1e9) * 1e3
                line += f" {measured:.0f} | {floor:.0f} | {measured / floor:.2f} |" if floor >= 10 else \
                    f" {measured:.1f} | {floor:.2f} | {measured / floor:.1f} |"
            else:
                line += " | | |"
        lines.append(line)
lines += ["", "Per round (Java / numpy ms): " + "; ".join(
    f"{p} {h}: " + ", ".join(f"{a:.1f}/{b:.1f}" for a, b in zip(java[(p, h)], numpy[(p, h)]))
    for p in presets.split() for h in heads.split() if (p, h) in java and (p, h) in numpy)]
text = "\n".join(lines) + "\n"
os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
open(out, "w").write(text)
print(text)
PY
