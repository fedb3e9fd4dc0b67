package dev.stiefel.bench;

import dev.stiefel.testkit.TestMatrices;
import dev.stiefel.kernel.DenseKernels;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link Stiefel}: the four retractions, the tangent projection and the vector transport at a
 * Haar-random point of St(n, p) with a tangent step of norm {@value #STEP_NORM}, on both host
 * backends. Each retraction has its own {@link Stiefel} instance, so each owns the workspaces
 * it needs. With {@code -prof gc} the rows show the bytes per operation: {@link MemoryReport}
 * measured 0 B for QR, polar and Cayley and a constant 112 B for the exponential (independent of
 * the size) on both backends. A user-defined {@link StiefelRetraction} is measured the same way:
 * build a {@link Stiefel} with it in {@code @Setup} and call {@code retract} in the benchmark.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class StiefelRetractionBenchmark {

    /** Frobenius norm of the tangent step: a typical trust-region step, well inside the injectivity radius. */
    static final double STEP_NORM = 0.5;

    @Param({Size.PAPER_512_10, Size.PAPER_1024_100, Size.PAPER_1024_200, Size.PAPER_1024_1000, Size.TALL})
    public String size;

    @Param({CpuBackends.EJML, CpuBackends.OPENBLAS})
    public String backend;

    Stiefel<DMatrixRMaj> qr;
    Stiefel<DMatrixRMaj> polar;
    Stiefel<DMatrixRMaj> cayley;
    Stiefel<DMatrixRMaj> exponential;
    DMatrixRMaj point;
    DMatrixRMaj target;
    DMatrixRMaj step;
    DMatrixRMaj ambient;
    DMatrixRMaj out;

    @Setup
    public void setup() {
        Size shape = Size.parse(size);
        DenseKernels<DMatrixRMaj> kernels = CpuBackends.create(backend);
        qr = new Stiefel<>(kernels, shape.rows(), shape.cols(), StiefelRetraction.QR);
        polar = qr.withRetraction(StiefelRetraction.POLAR);
        cayley = qr.withRetraction(StiefelRetraction.CAYLEY);
        exponential = qr.withRetraction(StiefelRetraction.EXPONENTIAL);
        point = kernels.fromHost(TestMatrices.stiefelPoint(shape.rows(), shape.cols(), TestMatrices.SEED));
        step = kernels.fromHost(TestMatrices.tangent(point, STEP_NORM, TestMatrices.SEED + 1));
        target = qr.allocate();
        polar.retract(point, step, target);
        ambient = kernels.fromHost(TestMatrices.gaussian(shape.rows(), shape.cols(), TestMatrices.SEED + 2));
        out = qr.allocate();
    }

    /** {@code qf(X + V)}. */
    @Benchmark
    public void retractQr() {
        qr.retract(point, step, out);
    }

    /** {@code (X + V)(I + V^T V)^(-1/2)}. */
    @Benchmark
    public void retractPolar() {
        polar.retract(point, step, out);
    }

    /** Low-rank Cayley transform (one {@code 2p x 2p} solve). */
    @Benchmark
    public void retractCayley() {
        cayley.retract(point, step, out);
    }

    /** Riemannian exponential (two matrix exponentials, {@code 2p x 2p} and {@code p x p}). */
    @Benchmark
    public void retractExponential() {
        exponential.retract(point, step, out);
    }

    /** {@code Z - X sym(X^T Z)}. */
    @Benchmark
    public void projectToTangent() {
        qr.projectToTangent(point, ambient, out);
    }

    /** Transport of {@code V} from {@code T_X} to {@code T_Y} by projection, {@code Y = R_X(V)}. */
    @Benchmark
    public void transport() {
        qr.transport(point, target, step, out);
    }
}
