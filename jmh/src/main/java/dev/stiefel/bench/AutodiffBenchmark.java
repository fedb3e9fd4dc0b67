package dev.stiefel.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stiefel.autodiff.AutodiffProblem;
import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.problem.EuclideanHessian;
import dev.stiefel.problem.Problem;
import dev.stiefel.testkit.TestMatrices;
import java.util.Arrays;
import java.util.SplittableRandom;
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
 * Euclidean derivatives from a cost alone ({@link AutodiffProblem}: DJL's PyTorch engine,
 * libtorch 2.7.1, float64 on the CPU) against the hand-written ones on the OpenBLAS kernels:
 * <ul>
 *   <li>{@code brockett-200x20}, {@code brockett-1000x100}: {@code tr(X^T A X N)} on St(n, p),
 *       written {@code x.mul(a.matMul(x).matMul(n)).sum()}, against {@link BrockettProblem};</li>
 *   <li>{@code etf-1024x100}: the nearest-ETF problem (7) of {@link EtfInstance} at the paper's
 *       (d, C) = (1024, 100), written with the row centring {@code U Mc = U - mean_rows(U) 1^T},
 *       against etf-solver's {@code NearestEtfProblem}.</li>
 * </ul>
 * {@code costAndGradient} alternates between two points, so the automatic route's last-point
 * cache never answers; {@code hessianVector} stays at one point, where double backward reuses
 * the gradient's graph (the solver's situation: many products per point);
 * {@code hessianVectorAtNewPoint} alternates points, so each product also records the cost and
 * the gradient's graph. Thread counts come from the environment: {@code OMP_NUM_THREADS} for
 * libtorch, {@code OPENBLAS_NUM_THREADS} for OpenBLAS.
 *
 * <pre>
 *   mvn -B -o -q package -pl jmh -am -DskipTests
 *   OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 java -jar jmh/target/benchmarks.jar AutodiffBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dai.djl.offline=true")
public class AutodiffBenchmark {

    static final String HAND_WRITTEN = "hand-written";
    static final String AUTOMATIC = "automatic";

    @Param({"brockett-200x20", "brockett-1000x100", "etf-1024x100"})
    public String problem;

    @Param({HAND_WRITTEN, AUTOMATIC})
    public String route;

    private NDManager constants;
    private AutoCloseable owned;
    private Problem<DMatrixRMaj> instance;
    /** The instance's Hessian part, read once as solvers read it. */
    private EuclideanHessian<DMatrixRMaj> hessian;
    private DMatrixRMaj first;
    private DMatrixRMaj second;
    private DMatrixRMaj direction;
    private DMatrixRMaj out;
    private boolean atSecond;

    @Setup
    public void setup() {
        constants = NDManager.newBaseManager("PyTorch");
        DenseKernels<DMatrixRMaj> kernels = CpuBackends.create(CpuBackends.OPENBLAS);
        String[] parts = problem.split("-", 2);
        Size size = Size.parse(parts[1]);
        if ("brockett".equals(parts[0])) {
            Stiefel<DMatrixRMaj> stiefel = new Stiefel<>(kernels, size.rows(), size.cols(), StiefelRetraction.QR);
            BrockettProblem<DMatrixRMaj> handWritten = BrockettProblem.random(stiefel,
                    new SplittableRandom(TestMatrices.SEED));
            NDArray a = constant(handWritten.a());
            NDArray weights = constant(handWritten.weights());
            instance = AUTOMATIC.equals(route)
                    ? own(AutodiffProblem.of(stiefel, x -> x.mul(a.matMul(x).matMul(weights)).sum()))
                    : handWritten;
            first = TestMatrices.stiefelPoint(size.rows(), size.cols(), TestMatrices.SEED + 1);
            second = TestMatrices.stiefelPoint(size.rows(), size.cols(), TestMatrices.SEED + 2);
            direction = TestMatrices.gaussian(size.rows(), size.cols(), TestMatrices.SEED + 3);
        } else if ("etf".equals(parts[0])) {
            EtfInstance<DMatrixRMaj> etf = new EtfInstance<>(kernels, size);
            double delta = etf.options.delta();
            double scale = 1 / Math.sqrt(size.cols() - 1.0);
            NDArray target = constant(etf.normalisedMeans);
            NDArray proximal = constant(etf.proximalPoint);
            instance = AUTOMATIC.equals(route)
                    ? own(AutodiffProblem.of(etf.manifold, u -> target
                            .sub(u.sub(u.mean(new int[] {1}, true)).mul(scale)).square().sum()
                            .add(u.sub(proximal).square().sum().mul(delta / 2))))
                    : etf.problem;
            first = etf.solution;
            second = etf.proximalPoint;
            direction = etf.upstream;
        } else {
            throw new IllegalArgumentException("problem '" + problem + "': expected brockett-<n>x<p> or etf-<d>x<C>");
        }
        hessian = instance.euclideanHessian().orElseThrow();
        out = new DMatrixRMaj(size.rows(), size.cols());
    }

    private NDArray constant(DMatrixRMaj a) {
        return constants.create(Arrays.copyOf(a.data, a.numRows * a.numCols), new Shape(a.numRows, a.numCols));
    }

    private <T extends AutoCloseable> T own(T resource) {
        owned = resource;
        return resource;
    }

    @TearDown
    public void tearDown() throws Exception {
        if (owned != null) {
            owned.close();
        }
        constants.close();
    }

    private DMatrixRMaj nextPoint() {
        atSecond = !atSecond;
        return atSecond ? second : first;
    }

    @Benchmark
    public double costAndGradient() {
        return instance.costAndEuclideanGradient(nextPoint(), out);
    }

    @Benchmark
    public DMatrixRMaj hessianVector() {
        hessian.apply(first, direction, out);
        return out;
    }

    @Benchmark
    public DMatrixRMaj hessianVectorAtNewPoint() {
        hessian.apply(nextPoint(), direction, out);
        return out;
    }
}
