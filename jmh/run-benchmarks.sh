#!/usr/bin/env bash
# Runs the JMH suite of the Stiefel toolkit and writes a markdown table of the results.
#
# Usage: jmh/run-benchmarks.sh [--profile quick|readme|full|smoke] [--set NAME]... [--gc] [--no-numpy]
#                              [--jar PATH] [-- extra JMH arguments]
#
# Profiles:
#   quick  about 5 minutes on 2 cores: -f 1 -wi 2 -i 3 -w 1s -r 1s, one paper size
#          ((d, C) = (1024, 100), UFM-10 for the training step, 64x10 for the generic dense
#          backward, 1024x10 for the paper's dense (Kronecker) backward),
#          the OpenBLAS backend only (EJML where OpenBLAS does not load).
#   full   every benchmark at every size with the warm-up and measurement of its annotations
#          (hours on a laptop; run it on a quiet machine).
#   readme the README's table: every CPU benchmark at every paper size and the tall case with
#          -f 1 -wi 1 -i 3 -w 1s -r 1s, OpenBLAS backend (the default CPU backend; the EJML
#          reference rows come from the kernels set run with -- -p backend=ejml), leaving out
#          CG's full forward solve and the paper's dense backward beyond 1024x10 (single shots
#          of minutes; see the README). About 15 minutes on 2 cores.
#   smoke  proves every benchmark runs: one 100 ms iteration, no warm-up, the smallest size.
#          The numbers mean nothing.
# Sets (repeatable; default: every set the profile covers):
#   kernels      DenseKernelsBenchmark        (polar, QR, SVD; the numpy comparison rows)
#   retractions  StiefelRetractionBenchmark   (QR, polar, Cayley, exponential, projection, transport)
#   solvers      SolverBenchmark              (one TR / CG iteration, warm-started solve)
#   etf          NearestEtfBenchmark          (forward closed form vs trust regions, backward methods)
#   training     TrainingStepBenchmark        (one step of each head at UFM-10 / UFM-100)
#   cuda         CudaBenchmark                (skips itself without a GPU)
#   memory       MemoryReport (not JMH): retained workspace, bytes per call and peak of each
#                backward method, bytes per retraction, solver allocation by iteration count
# Options:
#   --gc         add -prof gc: gc.alloc.rate.norm (bytes allocated per operation) in the table
#   --no-numpy   skip the numpy/LAPACK reference timings
#   --jar PATH   use this benchmarks.jar (default jmh/target/benchmarks.jar, built when missing)
# Writes jmh/results/<profile>[-<set>...].json (JMH), .md (table) and -numpy.json.
# Example: jmh/run-benchmarks.sh --profile quick --gc
#          jmh/run-benchmarks.sh --profile full --set kernels --set retractions --gc
set -euo pipefail

MODULE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(dirname "$MODULE_DIR")"
JAR="$MODULE_DIR/target/benchmarks.jar"
PROFILE=quick
SETS=()
GC=0
NUMPY=1
EXTRA=()

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
    case "$1" in
        --profile) PROFILE="${2:?--profile needs a value}"; shift 2 ;;
        --set) SETS+=("${2:?--set needs a value}"); shift 2 ;;
        --gc) GC=1; shift ;;
        --no-numpy) NUMPY=0; shift ;;
        --jar) JAR="${2:?--jar needs a path}"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        --) shift; EXTRA=("$@"); break ;;
        *) echo "run-benchmarks.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

class_of_set() {
    case "$1" in
        kernels) echo DenseKernelsBenchmark ;;
        retractions) echo StiefelRetractionBenchmark ;;
        solvers) echo SolverBenchmark ;;
        etf) echo NearestEtfBenchmark ;;
        training) echo TrainingStepBenchmark ;;
        cuda) echo CudaBenchmark ;;
        *) echo "run-benchmarks.sh: unknown set '$1' (kernels, retractions, solvers, etf, training, cuda, memory)" >&2
           return 2 ;;
    esac
}

case "$PROFILE" in
    quick)
        DEFAULT_SETS=(kernels retractions solvers etf training)
        PROFILE_ARGS=(-f 1 -wi 2 -i 3 -w 1s -r 1s -p size=1024x100 -p ufm=UFM_10 -p denseSize=64x10 -p kroneckerSize=1024x10)
        ;;
    full)
        DEFAULT_SETS=(kernels retractions solvers etf training cuda memory)
        PROFILE_ARGS=()
        ;;
    readme)
        DEFAULT_SETS=(kernels retractions solvers etf training)
        PROFILE_ARGS=(-f 1 -wi 1 -i 3 -w 1s -r 1s -p kroneckerSize=1024x10 -e forwardConjugateGradient)
        ;;
    smoke)
        DEFAULT_SETS=(kernels retractions solvers etf training cuda memory)
        PROFILE_ARGS=(-f 1 -wi 0 -i 1 -w 100ms -r 100ms -p size=512x10 -p ufm=UFM_10 -p denseSize=40x10 -p kroneckerSize=512x10)
        ;;
    *) echo "run-benchmarks.sh: unknown profile '$PROFILE' (quick, readme, full, smoke)" >&2; exit 2 ;;
esac
if [ ${#SETS[@]} -eq 0 ]; then
    SETS=("${DEFAULT_SETS[@]}")
    NAME="$PROFILE"
else
    NAME="$PROFILE-$(IFS=-; echo "${SETS[*]}")"
fi

if [ ! -f "$JAR" ]; then
    echo "building $JAR"
    (cd "$ROOT_DIR" && mvn -B -q package -pl jmh -am -DskipTests)
fi

INCLUDES=()
MEMORY=0
for set in "${SETS[@]}"; do
    if [ "$set" = memory ]; then
        MEMORY=1
        continue
    fi
    if [ "$set" = cuda ] && ! java -cp "$JAR" dev.stiefel.bench.BackendProbe cuda; then
        echo "no CUDA device or binding: leaving the cuda set out"
        continue
    fi
    INCLUDES+=("dev\\.stiefel\\.bench\\.$(class_of_set "$set")\\.")
done
PATTERN="$(IFS='|'; echo "${INCLUDES[*]}")"

BACKEND_ARGS=()
if ! java -cp "$JAR" dev.stiefel.bench.BackendProbe; then
    echo "OpenBLAS natives unavailable: measuring the ejml backend only"
    BACKEND_ARGS=(-p backend=ejml)
elif [ "$PROFILE" = quick ] || [ "$PROFILE" = readme ]; then
    BACKEND_ARGS=(-p backend=openblas)
fi

case " ${EXTRA[*]} " in
    *" backend="*) BACKEND_ARGS=() ;;  # an explicit -p backend=... after -- wins
esac

PROFILER_ARGS=()
if [ "$GC" -eq 1 ]; then
    PROFILER_ARGS=(-prof gc)
fi

RESULTS="$MODULE_DIR/results"
mkdir -p "$RESULTS"
JSON="$RESULTS/$NAME.json"
MARKDOWN="$RESULTS/$NAME.md"
NUMPY_JSON="$RESULTS/$NAME-numpy.json"

if [ ${#INCLUDES[@]} -gt 0 ]; then
    echo "running: java -jar $JAR '$PATTERN' ${PROFILE_ARGS[*]} ${BACKEND_ARGS[*]} ${PROFILER_ARGS[*]} ${EXTRA[*]}"
    java -jar "$JAR" "$PATTERN" "${PROFILE_ARGS[@]}" "${BACKEND_ARGS[@]}" "${PROFILER_ARGS[@]}" \
        -rf json -rff "$JSON" "${EXTRA[@]}"
fi
MEMORY_REPORT="$RESULTS/$NAME-memory.md"
if [ "$MEMORY" -eq 1 ]; then
    MEMORY_SIZES=(40x10 128x10 512x10 1024x100 1024x200)
    [ "$PROFILE" = full ] && MEMORY_SIZES+=(1024x1000)
    [ "$PROFILE" = smoke ] && MEMORY_SIZES=(40x10)
    echo "running: java -Xmx3g -cp $JAR dev.stiefel.bench.MemoryReport ${MEMORY_SIZES[*]}"
    if [ ${#BACKEND_ARGS[@]} -gt 0 ]; then
        java -Xmx3g -cp "$JAR" dev.stiefel.bench.MemoryReport ejml "${MEMORY_SIZES[@]}" > "$MEMORY_REPORT"
    else
        java -Xmx3g -cp "$JAR" dev.stiefel.bench.MemoryReport openblas "${MEMORY_SIZES[@]}" > "$MEMORY_REPORT"
    fi
fi

if ! command -v python3 >/dev/null 2>&1; then
    echo "python3 not found: JMH results are in $JSON, no markdown table written"
    exit 0
fi

{
    echo "# JMH results: profile $NAME"
    echo
    echo "Command: \`jmh/run-benchmarks.sh --profile $PROFILE$(for s in "${SETS[@]}"; do printf ' --set %s' "$s"; done)$([ "$GC" -eq 1 ] && echo ' --gc')\`"
    echo
    if [ ${#INCLUDES[@]} -gt 0 ]; then
        python3 "$MODULE_DIR/scripts/jmh_to_markdown.py" "$JSON"
    fi
    if [ "$MEMORY" -eq 1 ]; then
        echo
        cat "$MEMORY_REPORT"
    fi
} > "$MARKDOWN"

NEEDS_NUMPY=0
for set in "${SETS[@]}"; do
    case "$set" in kernels|retractions|etf) NEEDS_NUMPY=1 ;; esac
done
if [ "$NUMPY" -eq 1 ] && [ "$NEEDS_NUMPY" -eq 1 ]; then
    MIN_TIME=1.0
    [ "$PROFILE" = full ] || MIN_TIME=0.2
    {
        echo
        echo "## numpy/LAPACK reference (same machine, same sizes)"
        echo
        python3 "$MODULE_DIR/scripts/numpy_reference.py" --min-time "$MIN_TIME" --json "$NUMPY_JSON"
    } >> "$MARKDOWN"
fi
echo "wrote $MARKDOWN"
