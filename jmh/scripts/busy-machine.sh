#!/usr/bin/env bash
# OpenBLAS's thread count on a busy machine: one UFM training step (Trainer.step, timed by
# dev.stiefel.bench.TrainingStepTiming on the OpenBLAS backend) with 1 thread, 2 threads and the
# default (no -Dstiefel.openblas.threads, no OPENBLAS_NUM_THREADS: OpenBlasRuntime's load-aware
# default), on the machine as it is ("idle") and with --busy-cores cores kept busy by busy loops
# ("busy", one `yes > /dev/null` per core). Rounds alternate the two conditions, and within a
# condition the order of the three configurations rotates from round to round; each run reports
# the median of at least --min-time seconds of steps, and the table gives the median over
# rounds, the busy / idle ratio, and the thread counts the default chose.
#
# The default judges the load from the one-minute load average and a 200 ms sample of other
# processes' CPU use when the first kernels are created; after the busy loops start or stop,
# the script waits --settle seconds (default 70) so that the load average has followed, as it
# would on a machine whose load does not change every minute.
#
# Run it on a machine with nothing else running: "idle" is the machine as it is.
#
# Usage: jmh/scripts/busy-machine.sh [--rounds N] [--preset P] [--head H] [--min-time S]
#        [--settle S] [--busy-cores K] [--jar PATH] [--out FILE]
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODULE_DIR="$(dirname "$SCRIPT_DIR")"
JAR="$MODULE_DIR/target/benchmarks.jar"
OUT="$MODULE_DIR/results/busy-machine.md"
ROUNDS=3
PRESET=ufm-1000
HEAD=implicit
MIN_TIME=5
SETTLE=70
BUSY_CORES=1

while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) ROUNDS="${2:?--rounds needs a value}"; shift 2 ;;
        --preset) PRESET="${2:?--preset needs a value}"; shift 2 ;;
        --head) HEAD="${2:?--head needs a value}"; shift 2 ;;
        --min-time) MIN_TIME="${2:?--min-time needs a value}"; shift 2 ;;
        --settle) SETTLE="${2:?--settle needs a value}"; shift 2 ;;
        --busy-cores) BUSY_CORES="${2:?--busy-cores needs a value}"; shift 2 ;;
        --jar) JAR="${2:?--jar needs a path}"; shift 2 ;;
        --out) OUT="${2:?--out needs a path}"; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "busy-machine.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[ -f "$JAR" ] || { echo "busy-machine.sh: $JAR missing; build it with: mvn -B -q package -DskipTests -pl jmh -am" >&2; exit 2; }
command -v python3 >/dev/null || { echo "busy-machine.sh: python3 is needed for the table" >&2; exit 2; }

WORK="$(mktemp -d)"
BUSY_PIDS=()
stop_busy() {
    for pid in "${BUSY_PIDS[@]+"${BUSY_PIDS[@]}"}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    BUSY_PIDS=()
}
trap 'stop_busy; rm -rf "$WORK"' EXIT

start_busy() {
    for _ in $(seq 1 "$BUSY_CORES"); do
        yes > /dev/null &
        BUSY_PIDS+=("$!")
    done
}

# run CONDITION CONFIG ROUND: one JVM, one (preset, head), JSON into $WORK
run() {
    local condition="$1" config="$2" round="$3"
    local json="$WORK/$condition-$config-$round.json"
    local args=(--preset "$PRESET" --head "$HEAD" --min-time "$MIN_TIME" --json "$json")
    echo "round $round/$ROUNDS, $condition, threads $config" >&2
    if [ "$config" = default ]; then
        env -u OPENBLAS_NUM_THREADS -u GOTO_NUM_THREADS -u OMP_NUM_THREADS \
            java -Xmx8g -cp "$JAR" dev.stiefel.bench.TrainingStepTiming "${args[@]}" >&2
    else
        env -u GOTO_NUM_THREADS -u OMP_NUM_THREADS OPENBLAS_NUM_THREADS="$config" \
            java -Xmx8g -Dstiefel.openblas.threads="$config" -cp "$JAR" dev.stiefel.bench.TrainingStepTiming \
            "${args[@]}" >&2
    fi
}

CONFIGS=(1 2 default)
for round in $(seq 1 "$ROUNDS"); do
    for condition in idle busy; do
        if [ "$condition" = busy ]; then start_busy; else stop_busy; fi
        echo "round $round/$ROUNDS, $condition: settling for $SETTLE s" >&2
        sleep "$SETTLE"
        shift_by=$(( (round - 1) % ${#CONFIGS[@]} ))
        for k in $(seq 0 $(( ${#CONFIGS[@]} - 1 ))); do
            run "$condition" "${CONFIGS[$(( (k + shift_by) % ${#CONFIGS[@]} ))]}" "$round"
        done
    done
done
stop_busy

mkdir -p "$(dirname "$OUT")"
python3 - "$WORK" "$ROUNDS" "$PRESET" "$HEAD" "$BUSY_CORES" "$MIN_TIME" "$SETTLE" "$(nproc)" > "$OUT" <<'PY'
import json, re, statistics, sys
work, rounds, preset, head, busy_cores, min_time, settle, cores = sys.argv[1:]
rounds = int(rounds)
def load(condition, config, r):
    with open(f"{work}/{condition}-{config}-{r}.json") as handle:
        data = json.load(handle)
    row = next(x for x in data["results"] if x["preset"] == preset and x["head"] == head)
    threads = re.search(r"(\d+) threads", data["kernels"])
    return row["median_ms"], threads.group(1) if threads else "?", data["kernels"]
print(f"# OpenBLAS threads on a busy machine: {preset}, {head} head\n")
print(f"{cores} cores; busy = {busy_cores} `yes > /dev/null` loop(s); {rounds} alternating rounds, "
      f"{min_time} s of steps per run, {settle} s settling after each change of condition. "
      "Milliseconds per step: median over rounds of each run's median.\n")
print("| threads | idle (ms) | busy (ms) | busy / idle | threads chosen (idle; busy) |")
print("|---|---:|---:|---:|---|")
reports = []
for config in ["1", "2", "default"]:
    cells = []
    chosen = []
    for condition in ["idle", "busy"]:
        values = [load(condition, config, r) for r in range(1, rounds + 1)]
        cells.append(statistics.median(v[0] for v in values))
        chosen.append(",".join(v[1] for v in values))
        if config == "default":
            reports += [f"{condition}, round {r}: {v[2]}" for r, v in enumerate(values, 1)]
    print(f"| {config} | {cells[0]:.1f} | {cells[1]:.1f} | {cells[1] / cells[0]:.2f} | {chosen[0]}; {chosen[1]} |")
print("\nThe default's decisions, as the kernels reported them:\n")
for line in reports:
    print(f"- {line}")
PY
cat "$OUT"
