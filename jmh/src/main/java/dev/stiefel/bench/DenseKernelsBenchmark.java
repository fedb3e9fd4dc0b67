package dev.stiefel.bench;

import dev.stiefel.testkit.TestMatrices;
import dev.stiefel.kernel.DenseKernels;
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
 * {@link DenseKernels}: the decompositions every retraction, the closed-form nearest ETF and its
 * backward rest on, on a Gaussian {@code d x C} matrix, for both host backends. These are the
 * rows {@code scripts/numpy_reference.py} times with numpy/LAPACK at the same sizes
 * ({@code polar (eigh)}/{@code polar (svd)} against {@link #polar}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DenseKernelsBenchmark {

    @Param({Size.PAPER_512_10, Size.PAPER_1024_100, Size.PAPER_1024_200, Size.PAPER_1024_1000, Size.TALL})
    public String size;

    @Param({CpuBackends.EJML, CpuBackends.OPENBLAS})
    public String backend;

    DenseKernels<DMatrixRMaj> kernels;
    DMatrixRMaj matrix;
    DMatrixRMaj polarOut;
    DMatrixRMaj qOut;
    DMatrixRMaj rOut;
    DMatrixRMaj gramOut;
    DMatrixRMaj leftSingular;
    double[] singularValues;
    DMatrixRMaj rightSingular;

    @Setup
    public void setup() {
        Size shape = Size.parse(size);
        kernels = CpuBackends.create(backend);
        matrix = kernels.fromHost(TestMatrices.gaussian(shape.rows(), shape.cols(), TestMatrices.SEED));
        polarOut = kernels.create(shape.rows(), shape.cols());
        qOut = kernels.create(shape.rows(), shape.cols());
        rOut = kernels.create(shape.cols(), shape.cols());
        gramOut = kernels.create(shape.cols(), shape.cols());
        leftSingular = kernels.create(shape.rows(), shape.cols());
        singularValues = new double[shape.cols()];
        rightSingular = kernels.create(shape.cols(), shape.cols());
    }

    /** Polar factor {@code G (G^T G)^(-1/2)}: the polar retraction and the closed-form nearest ETF. */
    @Benchmark
    public void polar() {
        kernels.polar(matrix, polarOut);
    }

    /** Thin QR with {@code diag(R) > 0}: the QR retraction. */
    @Benchmark
    public void qrPositive() {
        kernels.qrPositive(matrix, qOut, rOut);
    }

    /** Thin SVD: the closed-form backward and the closed form of problem (6). */
    @Benchmark
    public void svdThin() {
        kernels.svdThin(matrix, leftSingular, singularValues, rightSingular);
    }

    /** {@code G^T G}, the {@code C x C} product every projection and multiplier needs. */
    @Benchmark
    public void gram() {
        kernels.gemm(1.0, matrix, true, matrix, false, 0.0, gramOut);
    }
}
