#!/usr/bin/env bash
# Runs the manifold-cuda tests on a machine that has an NVIDIA GPU and the CUDA libraries but
# no JDK, from one self-contained folder.
#
#   manifold-cuda/run-on-gpu.sh bundle [DIR]
#       On a build machine (Maven with the project's dependencies, the Temurin 25 JDK): builds
#       manifold-cuda and fills DIR (default manifold-cuda/target/gpu-bundle) with
#         jre.tar.gz   a runtime trimmed by jlink (java.base, java.logging, java.management,
#                      jdk.management, java.xml, jdk.unsupported, jdk.jfr, jdk.zipfs; no debug info, headers or man pages;
#                      libjvm.so stripped) - gzipped, since the folder has to travel;
#         lib/         the main and test jars, their dependencies, and the JUnit Platform
#                      Console Standalone; the JCuda natives jar keeps only the runtime and driver
#                      libraries, the OpenBLAS natives are left out (host work uses EJML);
#         run-on-gpu.sh  this script.
#       JDK (default /usr/lib/jvm/temurin-25-jdk-amd64) and MVN_OPTS (default -o) may be set.
#
#   DIR/run-on-gpu.sh run [JUnit console options...]
#       On the GPU machine: unpacks the runtime (once, under DIR or $STIEFEL_JRE_DIR), puts the
#       CUDA library folders it finds on LD_LIBRARY_PATH, prints what it found, and runs every
#       test of the manifold-cuda test jar with the JUnit console launcher. Extra arguments go
#       to the launcher (e.g. --reports-dir=/tmp/reports). JAVA_OPTS is passed to the JVM, e.g.
#       JAVA_OPTS=-Dstiefel.cuda.binding=javacpp forces one binding. With a --select... option
#       only the selected tests run.
#
#   DIR/run-on-gpu.sh timings
#       On the GPU machine: prints rough median timings (dev.stiefel.cuda.GpuTimings) of gemm,
#       QR, polar and the nearest-ETF closed form and backward at the paper's sizes, device
#       float64 / float32 against the CPU kernels that load (EJML; OpenBLAS natives are not
#       bundled). The JMH benchmarks of module jmh are the measurements of record.
#
#   DIR/run-on-gpu.sh bench [JMH options...]
#       On the GPU machine: the JMH benchmarks of module jmh (org.openjdk.jmh.Main; forks use the
#       bundled runtime), e.g. bench 'CudaBenchmark.polar$' -f 1 -wi 2 -i 3 -w 1s -r 1s -rf json
#       -rff "$OUT/gpu.json". Needs the bundle's app-lib/ and, for the OpenBLAS rows, blas-lib/.
#
#   DIR/run-on-gpu.sh train [ufm options...]
#       On the GPU machine: the trainer (dev.stiefel.cli.StiefelCli), e.g. train ufm
#       --preset ufm-100 --heads implicit --seeds 1 --iterations 200 --device cuda --no-plots.
#
#   The folders travel apart so a caller can carry only what a mode needs: lib/ (tests),
#   app-lib/ (jmh and trainer jars not in lib/), blas-lib/ (the OpenBLAS natives, without the
#   unused libjniopenblas_full.so).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
junit_version=6.1.3
modules=java.base,java.logging,java.management,jdk.management,java.xml,jdk.unsupported,jdk.jfr,jdk.zipfs

bundle() {
    local repo dir jdk m2 classpath
    repo="$(cd "$here/.." && pwd)"
    dir="${1:-$repo/manifold-cuda/target/gpu-bundle}"
    jdk="${JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}"
    m2="${M2_REPO:-$HOME/.m2/repository}"
    [[ -x "$jdk/bin/jlink" ]] || { echo "no jlink under $jdk (set JDK)" >&2; exit 1; }

    (cd "$repo" && mvn -B -q ${MVN_OPTS--o} package dependency:build-classpath -DskipTests \
        -pl manifold-cuda -am -Dmdep.includeScope=test -Dmdep.outputFile="$repo/manifold-cuda/target/test-classpath.txt")
    local console="$m2/org/junit/platform/junit-platform-console-standalone/$junit_version/junit-platform-console-standalone-$junit_version.jar"
    if [[ ! -f "$console" ]]; then
        (cd "$repo" && mvn -B -q ${MVN_OPTS--o} dependency:get \
            -Dartifact=org.junit.platform:junit-platform-console-standalone:$junit_version)
    fi

    rm -rf "$dir"
    mkdir -p "$dir/lib"
    classpath="$(cat "$repo/manifold-cuda/target/test-classpath.txt")"
    local jar name
    IFS=':' read -r -a jars <<< "$classpath"
    for jar in "${jars[@]}"; do
        name="$(basename "$jar")"
        case "$name" in
            openblas-*-linux-x86_64.jar) ;;                 # host work uses EJML: 19 MB saved
            junit-*|opentest4j-*|apiguardian-*|jspecify-*) ;; # inside the console standalone
            jcuda-natives-*)
                # Only the runtime and driver bindings; the PTX compiler alone is 24 MB.
                local tmp; tmp="$(mktemp -d)"
                (cd "$tmp" && "$jdk/bin/jar" xf "$jar" && rm -f lib/libJNvPTXCompiler* lib/libJNvrtc* \
                    && "$jdk/bin/jar" cf "$dir/lib/$name" .)
                rm -rf "$tmp" ;;
            *) cp "$jar" "$dir/lib/" ;;
        esac
    done
    cp "$repo"/manifold-cuda/target/manifold-cuda-*.jar "$dir/lib/"
    "$jdk/bin/jar" cf "$dir/lib/manifold-cuda-tests.jar" -C "$repo/manifold-cuda/target/test-classes" .
    cp "$console" "$dir/lib/"

    # The benchmarks and the command line: the runtime class paths of jmh and stiefel-cli, less
    # what lib/ already has.
    (cd "$repo" && mvn -B -q ${MVN_OPTS--o} package dependency:build-classpath -DskipTests \
        -pl jmh,stiefel-cli -am -Dmdep.includeScope=runtime -Dmdep.outputFile=target/runtime-classpath.txt)
    mkdir -p "$dir/app-lib" "$dir/blas-lib"
    IFS=':' read -r -a jars <<< "$(cat "$repo/jmh/target/runtime-classpath.txt"):$(cat "$repo/stiefel-cli/target/runtime-classpath.txt")"
    for jar in "${jars[@]}"; do
        name="$(basename "$jar")"
        [[ -e "$dir/lib/$name" ]] && continue
        case "$name" in
            junit-*|opentest4j-*|apiguardian-*|jspecify-*) ;; # inside the console standalone
            openblas-*-linux-x86_64.jar)
                local tmp; tmp="$(mktemp -d)"
                (cd "$tmp" && "$jdk/bin/jar" xf "$jar" && rm -f org/bytedeco/openblas/linux-x86_64/libjniopenblas_full.so \
                    && "$jdk/bin/jar" cf "$dir/blas-lib/$name" .)
                rm -rf "$tmp" ;;
            *) cp "$jar" "$dir/app-lib/" ;;
        esac
    done
    cp "$repo"/jmh/target/jmh-*.jar "$repo"/stiefel-cli/target/stiefel-cli.jar "$dir/app-lib/"

    local runtime; runtime="$(mktemp -d)"
    "$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
        --compress=zip-9 --output "$runtime/jre"
    strip --strip-unneeded "$runtime/jre/lib/server/libjvm.so" 2>/dev/null || true
    tar -czf "$dir/jre.tar.gz" -C "$runtime" jre
    rm -rf "$runtime"
    cp "$here/run-on-gpu.sh" "$dir/run-on-gpu.sh"
    chmod +x "$dir/run-on-gpu.sh"
    du -sh "$dir"
}

cuda_library_dirs() {
    local candidates=(/usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/cuda-*/lib64
        /usr/local/cuda-*/targets/x86_64-linux/lib /usr/local/nvidia/lib64 /usr/lib/x86_64-linux-gnu)
    local site
    for site in /usr/local/lib/python3*/dist-packages /usr/lib/python3*/dist-packages /opt/*/.venv/lib/python3*/site-packages \
        /usr/local/lib/python3*/site-packages; do
        candidates+=("$site"/nvidia/*/lib "$site"/nvidia/cu*/lib)
    done
    local dir
    for dir in "${candidates[@]}"; do
        if [[ -d "$dir" ]] && compgen -G "$dir/libcu*.so*" > /dev/null; then
            echo "$dir"
        fi
    done | awk '!seen[$0]++'
}

prepare() {
    jre_root="${STIEFEL_JRE_DIR:-$here}"
    if [[ ! -x "$jre_root/jre/bin/java" ]]; then
        mkdir -p "$jre_root"
        tar -xzf "$here/jre.tar.gz" -C "$jre_root"
    fi
    local dirs dir path=""
    dirs="$(cuda_library_dirs)"
    while IFS= read -r dir; do
        [[ -n "$dir" ]] && path="${path:+$path:}$dir"
    done <<< "$dirs"
    export LD_LIBRARY_PATH="${path}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

    echo "== GPU"
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || true
    echo "== CUDA library folders put on LD_LIBRARY_PATH"
    echo "$path" | tr ':' '\n'
    local lib
    for lib in libcudart.so libcublas.so libcusolver.so; do
        echo "$lib: $(for d in $dirs; do ls "$d"/$lib.* 2>/dev/null; done | xargs -n1 basename 2>/dev/null | sort -u | tr '\n' ' ')"
    done
    echo "== runtime: $("$jre_root/jre/bin/java" -version 2>&1 | head -1)"

    classpath=""
    local jar
    for jar in "$here"/lib/*.jar "$here"/app-lib/*.jar "$here"/blas-lib/*.jar; do
        [[ -e "$jar" ]] || continue
        case "$(basename "$jar")" in junit-platform-console-standalone-*) continue ;; esac
        classpath="${classpath:+$classpath:}$jar"
    done
}

run() {
    prepare
    # The launcher refuses a class-path scan together with explicit selectors (--select-class=...).
    local scan=(--scan-class-path "$here/lib/manifold-cuda-tests.jar") argument
    for argument in "$@"; do
        [[ "$argument" == --select* ]] && scan=()
    done
    # shellcheck disable=SC2086
    "$jre_root/jre/bin/java" --enable-native-access=ALL-UNNAMED -Xmx8g ${JAVA_OPTS:-} \
        -jar "$here"/lib/junit-platform-console-standalone-*.jar execute \
        --disable-banner --disable-ansi-colors --details=tree --details-theme=ascii \
        --class-path "$classpath" "${scan[@]}" "$@"
}

timings() {
    prepare
    # shellcheck disable=SC2086
    "$jre_root/jre/bin/java" --enable-native-access=ALL-UNNAMED -Xmx8g ${JAVA_OPTS:-} \
        -cp "$classpath" dev.stiefel.cuda.GpuTimings "$@"
}

bench() {
    prepare
    # shellcheck disable=SC2086
    "$jre_root/jre/bin/java" --enable-native-access=ALL-UNNAMED ${JAVA_OPTS:-} \
        -cp "$classpath" org.openjdk.jmh.Main "$@"
}

train() {
    prepare
    # shellcheck disable=SC2086
    "$jre_root/jre/bin/java" --enable-native-access=ALL-UNNAMED -Xmx8g ${JAVA_OPTS:-} \
        -cp "$classpath" dev.stiefel.cli.StiefelCli "$@"
}

case "${1:-}" in
    bundle) shift; bundle "$@" ;;
    run) shift; run "$@" ;;
    timings) shift; timings "$@" ;;
    bench) shift; bench "$@" ;;
    train) shift; train "$@" ;;
    *) sed -n '2,41p' "${BASH_SOURCE[0]}"; exit 2 ;;
esac
