package dev.stiefel.bench;

import dev.stiefel.ddn.BackwardMethod;
import dev.stiefel.ddn.DeclarativeBackward;
import dev.stiefel.ddn.KroneckerKktBackward;
import dev.stiefel.etf.EtfSolveResult;
import dev.stiefel.etf.EtfSolverMethod;
import dev.stiefel.etf.NearestEtf;
import java.util.concurrent.TimeUnit;
import org.ejml.data.DMatrixRMaj;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The nearest simplex ETF ({@code NearestEtf}, {@code docs/mathematics.md} sections 2 and 5) on
 * the problem (7) of {@link EtfInstance}:
 * <ul>
 *   <li>forward: the closed form {@code polar(G)} against {@code NearestEtf}'s Riemannian trust
 *       regions (the paper's solver) and conjugate gradients, warm-started at {@code Uprox} and
 *       stopped by {@code EtfOptions.solverStopping()} (gradient norm {@code 1e-12});</li>
 *   <li>backward ({@code dL/dHt} from {@code dL/dU*}): closed form (polar derivative) against
 *       matrix-free (CG on the Riemannian Hessian) at the paper's sizes, and against the generic
 *       dense KKT reference (Gould et al., Prop. 4.5) at the small sizes where it fits
 *       ({@link DenseBackwardBudget}; its memory grows as {@code (dC)^2});</li>
 *   <li>the paper's own dense method ({@link KroneckerKktBackward}, docs/mathematics.md section 5a: {@code H = I_d (x) K},
 *       explicit {@code m x dC} constraint Jacobian, {@code m = C(C+1)/2}), single shots, skipped
 *       with the bytes it needs above 60% of the heap (4.3 GB at C = 100, 33 GB at C = 200).</li>
 * </ul>
 * {@code -prof gc} gives the allocation per operation; {@link MemoryReport} gives the retained
 * workspace (peak memory) of each backward method.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx8g")
public class NearestEtfBenchmark {

    /** Problem (7) at the paper's sizes, with {@code NearestEtf} instances for each forward method. */
    @State(Scope.Thread)
    public static class Paper {

        @Param({Size.PAPER_512_10, "1024x10", Size.PAPER_1024_100, Size.PAPER_1024_200, Size.PAPER_1024_1000})
        public String size;

        @Param({CpuBackends.EJML, CpuBackends.OPENBLAS})
        public String backend;

        EtfInstance<DMatrixRMaj> etf;
        NearestEtf<DMatrixRMaj> trustRegions;
        NearestEtf<DMatrixRMaj> conjugateGradient;
        DeclarativeBackward<DMatrixRMaj> closedForm;
        DeclarativeBackward<DMatrixRMaj> matrixFree;
        DMatrixRMaj out;

        @Setup
        public void setup() {
            etf = new EtfInstance<>(CpuBackends.create(backend), Size.parse(size));
            trustRegions = etf.nearestEtf(EtfSolverMethod.TRUST_REGIONS);
            conjugateGradient = etf.nearestEtf(EtfSolverMethod.CONJUGATE_GRADIENT);
            closedForm = BackwardMethod.CLOSED_FORM.create(etf.kernels);
            matrixFree = BackwardMethod.MATRIX_FREE.create(etf.kernels);
            out = etf.create();
        }
    }

    /** Problem (7) at sizes small enough for the dense backward. */
    @State(Scope.Thread)
    public static class Small {

        @Param({"40x10", "64x10", "128x10"})
        public String denseSize;

        @Param({CpuBackends.EJML, CpuBackends.OPENBLAS})
        public String backend;

        EtfInstance<DMatrixRMaj> etf;
        DeclarativeBackward<DMatrixRMaj> closedForm;
        DeclarativeBackward<DMatrixRMaj> matrixFree;
        DeclarativeBackward<DMatrixRMaj> dense;
        DMatrixRMaj out;

        @Setup
        public void setup() {
            Size shape = Size.parse(denseSize);
            DenseBackwardBudget.requireFits(shape);
            etf = new EtfInstance<>(CpuBackends.create(backend), shape);
            closedForm = BackwardMethod.CLOSED_FORM.create(etf.kernels);
            matrixFree = BackwardMethod.MATRIX_FREE.create(etf.kernels);
            dense = BackwardMethod.DENSE.create(etf.kernels);
            out = etf.create();
        }
    }

    /**
     * Problem (7) where the paper's dense method fits: at (1024, 100) it needs
     * {@link KroneckerKktBackward#requiredBytes} = 4.3 GB (the benchmark's fork gets
     * {@code -Xmx16g}); at (1024, 200) 33 GB, which {@code @Setup} refuses with that figure, and
     * JMH goes on (the row is kept to show the refusal). Its Schur product is one large gemm on
     * the host kernels, so the backend parameter defaults to OpenBLAS.
     */
    @State(Scope.Thread)
    public static class Kronecker {

        @Param({Size.PAPER_512_10, "1024x10", Size.PAPER_1024_100, Size.PAPER_1024_200})
        public String kroneckerSize;

        @Param({CpuBackends.OPENBLAS})
        public String backend;

        EtfInstance<DMatrixRMaj> etf;
        DeclarativeBackward<DMatrixRMaj> denseKronecker;
        DMatrixRMaj out;

        @Setup
        public void setup() {
            Size shape = Size.parse(kroneckerSize);
            KroneckerKktBackward.Options options = KroneckerKktBackward.Options.defaults();
            long needed = KroneckerKktBackward.requiredBytes(shape.rows(), shape.cols(), false);
            if (needed > options.memoryLimitBytes()) {
                throw new IllegalStateException(String.format(java.util.Locale.ROOT,
                        "dense Kronecker backward at %s skipped: it needs %.1f GB, limit %.1f GB (%.0f%% of -Xmx)",
                        kroneckerSize, needed / 1e9, options.memoryLimitBytes() / 1e9,
                        100 * KroneckerKktBackward.Options.DEFAULT_HEAP_FRACTION));
            }
            etf = new EtfInstance<>(CpuBackends.create(backend), shape);
            denseKronecker = new KroneckerKktBackward<>(etf.kernels, options);
            out = etf.create();
        }
    }

    /** {@code U* = polar((2/sqrt(C-1)) Ht Mc + delta Uprox)}. */
    @Benchmark
    public EtfSolveResult forwardClosedForm(Paper state) {
        return state.etf.nearestEtf.solve(state.etf.normalisedMeans, state.etf.proximalPoint, null, state.out);
    }

    /** Riemannian trust regions from {@code Uprox} (start {@code null} means {@code Uprox}). */
    @Benchmark
    public EtfSolveResult forwardTrustRegions(Paper state) {
        return state.trustRegions.solve(state.etf.normalisedMeans, state.etf.proximalPoint, null, state.out);
    }

    /** Riemannian conjugate gradients from {@code Uprox}. */
    @Benchmark
    public EtfSolveResult forwardConjugateGradient(Paper state) {
        return state.conjugateGradient.solve(state.etf.normalisedMeans, state.etf.proximalPoint, null, state.out);
    }

    /** Closed-form polar derivative, {@code O(dC^2 + C^3)}. */
    @Benchmark
    public DMatrixRMaj backwardClosedForm(Paper state) {
        return state.closedForm.vjp(state.etf.problem, state.etf.solution, state.etf.upstream, state.out);
    }

    /** CG on the Riemannian Hessian to relative residual {@code 1e-12}, memory {@code O(dC)}. */
    @Benchmark
    public DMatrixRMaj backwardMatrixFree(Paper state) {
        return state.matrixFree.vjp(state.etf.problem, state.etf.solution, state.etf.upstream, state.out);
    }

    /**
     * The paper's dense method (docs/mathematics.md section 5a), {@code H = I_d (x) K}: memory {@code O(dC^3)}, time
     * {@code O(dC^5)}; single shots (at C = 100 a 5.2e12-flop gemm for the Schur matrix and 4.3 GB).
     */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 1)
    @Measurement(iterations = 3)
    @Fork(value = 1, jvmArgsAppend = "-Xmx16g")
    public DMatrixRMaj backwardDenseKronecker(Kronecker state) {
        return state.denseKronecker.vjp(state.etf.problem, state.etf.solution, state.etf.upstream, state.out);
    }

    /** Dense KKT reference, memory {@code O((dC)^2)}, time {@code O((dC)^3)}. */
    @Benchmark
    @Warmup(iterations = 1)
    @Measurement(iterations = 3)
    public DMatrixRMaj backwardDense(Small state) {
        return state.dense.vjp(state.etf.problem, state.etf.solution, state.etf.upstream, state.out);
    }

    /** The closed form at the dense sizes, for the side-by-side row. */
    @Benchmark
    public DMatrixRMaj backwardClosedFormSmall(Small state) {
        return state.closedForm.vjp(state.etf.problem, state.etf.solution, state.etf.upstream, state.out);
    }

    /** Matrix-free at the dense sizes, for the side-by-side row. */
    @Benchmark
    public DMatrixRMaj backwardMatrixFreeSmall(Small state) {
        return state.matrixFree.vjp(state.etf.problem, state.etf.solution, state.etf.upstream, state.out);
    }
}
