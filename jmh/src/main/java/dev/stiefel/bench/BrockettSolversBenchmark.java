package dev.stiefel.bench;

import dev.stiefel.testkit.TestMatrices;
import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.solver.ConjugateGradient;
import dev.stiefel.solver.ConjugateGradientOptions;
import dev.stiefel.solver.RiemannianLbfgs;
import dev.stiefel.solver.RiemannianLbfgsOptions;
import dev.stiefel.solver.Solver;
import dev.stiefel.solver.SolverResult;
import dev.stiefel.solver.StoppingCriteria;
import dev.stiefel.solver.TrustRegions;
import dev.stiefel.solver.TrustRegionsOptions;
import java.util.Locale;
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
 * R-LBFGS, trust regions and conjugate gradients on the Brockett cost {@code tr(X^T A X N)},
 * {@code N = diag(p, ..., 1)}, on St(200, 20) with the QR retraction: one full solve from a
 * fixed random start to {@code ||grad|| < 1e-8}, each solver with its default options. A has
 * Haar-random eigenvectors and the spectrum {@code 1, ..., p + 1} followed by {@code n - p - 1}
 * values spread over {@code (p + 1, p + 11]} (unit gaps where the minimiser lives, as in the
 * solver tests), so every solver converges and the comparison measures the methods rather
 * than a near-degenerate instance. The minimum is {@code sum_j (p - j)(j + 1)}, 1540 on
 * St(200, 20).
 *
 * <p>R-LBFGS transports its {@code 2m = 60} stored vectors to every new iterate, as Manopt's
 * {@code rlbfgs} does; on St(200, 20) that work, not the cost and gradient, dominates its time
 * per iteration.
 *
 * <p>Time per solve: {@code java -jar jmh/target/benchmarks.jar BrockettSolversBenchmark}.
 * Iterations and evaluation counts (deterministic): {@code java -cp jmh/target/benchmarks.jar
 * dev.stiefel.bench.BrockettSolversBenchmark}, which prints one summary line per solver.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BrockettSolversBenchmark {

    static final double GRADIENT_TOLERANCE = 1e-8;

    /** St(n, p) as {@code "n x p"}; the comparison asks for 200 x 20. */
    @Param({"200x20"})
    public String size;

    @Param({"rlbfgs", "trust-regions", "conjugate-gradient"})
    public String solver;

    @Param({CpuBackends.EJML, CpuBackends.OPENBLAS})
    public String backend;

    Stiefel<DMatrixRMaj> stiefel;
    BrockettProblem<DMatrixRMaj> problem;
    Solver<DMatrixRMaj> instance;
    DMatrixRMaj start;
    DMatrixRMaj out;

    @Setup
    public void setup() {
        DenseKernels<DMatrixRMaj> kernels = CpuBackends.create(backend);
        Size shape = Size.parse(size);
        stiefel = new Stiefel<>(kernels, shape.rows(), shape.cols(), StiefelRetraction.QR);
        problem = problem(stiefel);
        start = kernels.fromHost(TestMatrices.stiefelPoint(shape.rows(), shape.cols(), TestMatrices.SEED + 7));
        out = stiefel.allocate();
        instance = solver(solver);
    }

    @TearDown
    public void tearDown() {
        instance.close();
        stiefel.close();
    }

    /** The Brockett instance described in the class comment. */
    static BrockettProblem<DMatrixRMaj> problem(Stiefel<DMatrixRMaj> stiefel) {
        int n = stiefel.rows();
        int p = stiefel.columns();
        DMatrixRMaj q = TestMatrices.stiefelPoint(n, n, TestMatrices.SEED + 5);
        DMatrixRMaj a = new DMatrixRMaj(n, n);
        double[] lambda = new double[n];
        for (int k = 0; k < n; k++) {
            lambda[k] = k <= p ? k + 1 : p + 1 + 10.0 * (k - p) / (n - p);
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double value = 0;
                for (int k = 0; k < n; k++) {
                    value += q.get(i, k) * lambda[k] * q.get(j, k);
                }
                a.set(i, j, value);
                a.set(j, i, value);
            }
        }
        DMatrixRMaj weights = new DMatrixRMaj(p, p);
        for (int j = 0; j < p; j++) {
            weights.set(j, j, p - j);
        }
        return new BrockettProblem<>(stiefel, stiefel.kernels(), a, weights);
    }

    static Solver<DMatrixRMaj> solver(String name) {
        StoppingCriteria stopping = StoppingCriteria.defaults().withMinGradientNorm(GRADIENT_TOLERANCE)
                .withMaxIterations(20_000).withMinStepSize(0);
        return switch (name) {
            case "rlbfgs" -> new RiemannianLbfgs<>(RiemannianLbfgsOptions.defaults().withStopping(stopping)
                    .withRecordHistory(false));
            case "trust-regions" -> new TrustRegions<>(TrustRegionsOptions.defaults().withStopping(stopping)
                    .withRecordHistory(false));
            case "conjugate-gradient" -> new ConjugateGradient<>(ConjugateGradientOptions.defaults()
                    .withStopping(stopping).withRecordHistory(false));
            default -> throw new IllegalArgumentException("solver '" + name + "'");
        };
    }

    @Benchmark
    public SolverResult<DMatrixRMaj> solve() {
        return instance.solve(problem, start, out);
    }

    /** Prints iterations, evaluations and the time of one solve per solver and backend. */
    public static void main(String[] args) {
        for (String backend : new String[] {CpuBackends.EJML, CpuBackends.OPENBLAS}) {
            for (String name : new String[] {"rlbfgs", "trust-regions", "conjugate-gradient"}) {
                BrockettSolversBenchmark benchmark = new BrockettSolversBenchmark();
                benchmark.size = "200x20";
                benchmark.solver = name;
                benchmark.backend = backend;
                benchmark.setup();
                benchmark.solve();
                SolverResult<DMatrixRMaj> result = benchmark.solve();
                System.out.printf(Locale.ROOT, "%-8s %-18s %s%n", backend, name, result.summary());
                benchmark.tearDown();
            }
        }
    }
}
