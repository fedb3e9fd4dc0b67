package dev.stiefel.bench;

import dev.stiefel.testkit.TestMatrices;
import dev.stiefel.cuda.CudaBackends;
import dev.stiefel.cuda.CudaBinding;
import dev.stiefel.cuda.CudaKernels;
import dev.stiefel.cuda.CudaMatrix;
import dev.stiefel.cuda.CudaPrecision;
import dev.stiefel.ddn.BackwardMethod;
import dev.stiefel.ddn.DeclarativeBackward;
import dev.stiefel.etf.EtfSolverMethod;
import dev.stiefel.etf.NearestEtf;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The GPU counterparts of {@link DenseKernelsBenchmark}, {@link StiefelRetractionBenchmark} and
 * {@link NearestEtfBenchmark} on {@link CudaKernels} (cuBLAS/cuSOLVER through the binding
 * {@link CudaBackends#load()} finds), in float64 and float32. Every operation ends with
 * {@link CudaKernels#synchronize()}: CUDA calls return before the device is done, and the time of
 * an operation is until its result exists. The iterative methods (trust regions to gradient norm {@code 1e-12},
 * matrix-free backward to relative residual {@code 1e-12}) run in float64 only, since their
 * tolerances are below float32's precision.
 *
 * <p>Without a device or binding, {@code @Setup} throws an {@link IllegalStateException} with
 * the loader's report: JMH lists each parameter set as failed with that reason and goes on
 * ({@code run-benchmarks.sh} leaves the set out of the quick profile).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
public class CudaBenchmark {

    /** The binding and kernels of one fork; closed at the end of the trial. */
    abstract static class Device {

        CudaBinding binding;
        CudaKernels kernels;

        void open(CudaPrecision precision) {
            CudaBackends.Loaded loaded = CudaBackends.load();
            if (loaded.binding().isEmpty()) {
                throw new IllegalStateException("CudaBenchmark skipped: no CUDA device or binding here\n"
                        + loaded.report());
            }
            binding = loaded.binding().get();
            kernels = new CudaKernels(binding, precision);
        }

        @TearDown
        public void close() throws Exception {
            if (kernels != null) {
                kernels.close();
            }
            if (binding != null) {
                binding.close();
            }
        }
    }

    /** Dense kernels and retractions, in both precisions, at the paper's sizes and the tall case. */
    @State(Scope.Thread)
    public static class Direct extends Device {

        @Param({Size.PAPER_512_10, Size.PAPER_1024_100, Size.PAPER_1024_200, Size.PAPER_1024_1000, Size.TALL})
        public String size;

        @Param({"FLOAT64", "FLOAT32"})
        public String precision;

        CudaMatrix matrix;
        CudaMatrix polarOut;
        CudaMatrix qOut;
        CudaMatrix rOut;
        Stiefel<CudaMatrix> qr;
        Stiefel<CudaMatrix> polar;
        CudaMatrix point;
        CudaMatrix step;
        CudaMatrix out;

        @Setup
        public void setup() {
            open(CudaPrecision.valueOf(precision));
            Size shape = Size.parse(size);
            int n = shape.rows();
            int p = shape.cols();
            matrix = kernels.fromHost(TestMatrices.gaussian(n, p, TestMatrices.SEED));
            polarOut = kernels.create(n, p);
            qOut = kernels.create(n, p);
            rOut = kernels.create(p, p);
            qr = new Stiefel<>(kernels, n, p, StiefelRetraction.QR);
            polar = qr.withRetraction(StiefelRetraction.POLAR);
            DMatrixRMaj hostPoint = TestMatrices.stiefelPoint(n, p, TestMatrices.SEED);
            point = kernels.fromHost(hostPoint);
            step = kernels.fromHost(TestMatrices.tangent(hostPoint, StiefelRetractionBenchmark.STEP_NORM,
                    TestMatrices.SEED + 1));
            out = kernels.create(n, p);
            kernels.synchronize();
        }
    }

    /**
     * The closed-form nearest ETF and its backward, in both precisions, at the paper's sizes.
     * Not at the tall size: {@code G} has condition number about {@code 1/delta = 1000} there,
     * and in float32 the polar factor's rank test ({@code n * eps * s_max} with {@code n = 10^5})
     * rightly refuses it.
     */
    @State(Scope.Thread)
    public static class ClosedForm extends Device {

        @Param({Size.PAPER_512_10, Size.PAPER_1024_100, Size.PAPER_1024_200, Size.PAPER_1024_1000})
        public String size;

        @Param({"FLOAT64", "FLOAT32"})
        public String precision;

        EtfInstance<CudaMatrix> etf;
        DeclarativeBackward<CudaMatrix> closedForm;
        CudaMatrix out;

        @Setup
        public void setup() {
            open(CudaPrecision.valueOf(precision));
            etf = new EtfInstance<>(kernels, Size.parse(size));
            closedForm = BackwardMethod.CLOSED_FORM.create(kernels);
            out = etf.create();
            kernels.synchronize();
        }
    }

    /** The iterative methods, float64 only, at the paper's sizes. */
    @State(Scope.Thread)
    public static class Iterative extends Device {

        @Param({Size.PAPER_512_10, Size.PAPER_1024_100, Size.PAPER_1024_200, Size.PAPER_1024_1000})
        public String size;

        EtfInstance<CudaMatrix> etf;
        NearestEtf<CudaMatrix> trustRegions;
        DeclarativeBackward<CudaMatrix> matrixFree;
        CudaMatrix out;

        @Setup
        public void setup() {
            open(CudaPrecision.FLOAT64);
            etf = new EtfInstance<>(kernels, Size.parse(size));
            trustRegions = etf.nearestEtf(EtfSolverMethod.TRUST_REGIONS);
            matrixFree = BackwardMethod.MATRIX_FREE.create(kernels);
            out = etf.create();
            kernels.synchronize();
        }
    }

    @Benchmark
    public void polar(Direct state) {
        state.kernels.polar(state.matrix, state.polarOut);
        state.kernels.synchronize();
    }

    @Benchmark
    public void qrPositive(Direct state) {
        state.kernels.qrPositive(state.matrix, state.qOut, state.rOut);
        state.kernels.synchronize();
    }

    @Benchmark
    public void retractQr(Direct state) {
        state.qr.retract(state.point, state.step, state.out);
        state.kernels.synchronize();
    }

    @Benchmark
    public void retractPolar(Direct state) {
        state.polar.retract(state.point, state.step, state.out);
        state.kernels.synchronize();
    }

    @Benchmark
    public void projectToTangent(Direct state) {
        state.qr.projectToTangent(state.point, state.matrix, state.out);
        state.kernels.synchronize();
    }

    @Benchmark
    public void nearestEtfForwardClosedForm(ClosedForm state) {
        state.etf.nearestEtf.solve(state.etf.normalisedMeans, state.etf.proximalPoint, null, state.out);
        state.kernels.synchronize();
    }

    @Benchmark
    public void nearestEtfBackwardClosedForm(ClosedForm state) {
        state.closedForm.vjp(state.etf.problem, state.etf.solution, state.etf.upstream, state.out);
        state.kernels.synchronize();
    }

    @Benchmark
    public void nearestEtfForwardTrustRegions(Iterative state) {
        state.trustRegions.solve(state.etf.normalisedMeans, state.etf.proximalPoint, null, state.out);
        state.kernels.synchronize();
    }

    @Benchmark
    public void nearestEtfBackwardMatrixFree(Iterative state) {
        state.matrixFree.vjp(state.etf.problem, state.etf.solution, state.etf.upstream, state.out);
        state.kernels.synchronize();
    }
}
