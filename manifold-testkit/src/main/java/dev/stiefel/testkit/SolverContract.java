package dev.stiefel.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stiefel.check.AllocationProbe;
import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.problem.ProcrustesProblem;
import dev.stiefel.solver.ConjugateGradient;
import dev.stiefel.solver.ConjugateGradientOptions;
import dev.stiefel.solver.RiemannianLbfgs;
import dev.stiefel.solver.RiemannianLbfgsOptions;
import dev.stiefel.solver.Solver;
import dev.stiefel.solver.SolverResult;
import dev.stiefel.solver.SteepestDescent;
import dev.stiefel.solver.SteepestDescentOptions;
import dev.stiefel.solver.StopReason;
import dev.stiefel.solver.StoppingCriteria;
import dev.stiefel.solver.TrustRegions;
import dev.stiefel.solver.TrustRegionsOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The solver contract: every solver under test reaches the known optima of Brockett (the
 * eigenvectors of A) and Procrustes (the polar factor of {@code A^T B}) on Stiefel, computed on
 * the host by EJML, and its warm iterations do not allocate. The solvers come from
 * {@link #solvers()}, factories that build a solver from the contract's stopping criteria: by
 * default the library's trust regions, conjugate gradients, steepest descent and R-LBFGS; a
 * solver of your own (e.g. a subclass of {@link dev.stiefel.solver.IterativeSolver}) goes
 * through the same tests by overriding it:
 * <pre>{@code
 *   class MySolverContractTest extends SolverContract<DMatrixRMaj> {
 *       protected DenseKernels<DMatrixRMaj> kernels() { return Kernels.ejml(); }
 *       protected Map<String, SolverFactory<DMatrixRMaj>> solvers() {
 *           return Map.of("my-solver", (stopping, recordHistory) -> new MySolver<>(stopping, recordHistory));
 *       }
 *   }
 * }</pre>
 * A backend's test supplies {@link #kernels()} (float32 backends loosen the tolerances); a
 * retraction's test also overrides {@link #retraction()}. Each contract test is a
 * {@link TestFactory} with one dynamic test per solver, named after it.
 *
 * @param <M> the backend's matrix type
 */
public abstract class SolverContract<M> {

    /**
     * Builds a solver under test; called once per contract test (twice in the allocation test),
     * so each test gets a fresh solver.
     *
     * @param <M> the backend's matrix type
     */
    @FunctionalInterface
    public interface SolverFactory<M> {

        /**
         * A new solver that stops on {@code stopping} and keeps a history when
         * {@code recordHistory}.
         */
        Solver<M> create(StoppingCriteria stopping, boolean recordHistory);
    }

    /** The backend under test. */
    protected abstract DenseKernels<M> kernels();

    /**
     * The solvers under test, by name (the names label the dynamic tests); default
     * {@link #librarySolvers()}. Override to run the contract on solvers of your own.
     */
    protected Map<String, SolverFactory<M>> solvers() {
        return librarySolvers();
    }

    /**
     * The library's solvers with their default options: {@code trust-regions},
     * {@code conjugate-gradient}, {@code steepest-descent}, {@code rlbfgs}, in that order.
     */
    public static <M> Map<String, SolverFactory<M>> librarySolvers() {
        Map<String, SolverFactory<M>> solvers = new LinkedHashMap<>();
        solvers.put("trust-regions", (stopping, recordHistory) -> new TrustRegions<>(
                TrustRegionsOptions.defaults().withStopping(stopping).withRecordHistory(recordHistory)));
        solvers.put("conjugate-gradient", (stopping, recordHistory) -> new ConjugateGradient<>(
                ConjugateGradientOptions.defaults().withStopping(stopping).withRecordHistory(recordHistory)));
        solvers.put("steepest-descent", (stopping, recordHistory) -> new SteepestDescent<>(
                SteepestDescentOptions.defaults().withStopping(stopping).withRecordHistory(recordHistory)));
        solvers.put("rlbfgs", (stopping, recordHistory) -> new RiemannianLbfgs<>(
                RiemannianLbfgsOptions.defaults().withStopping(stopping).withRecordHistory(recordHistory)));
        return solvers;
    }

    /**
     * The retraction of the Stiefel manifolds the problems live on; default
     * {@link StiefelRetraction#QR}. Override to run the solvers on a retraction of your own.
     */
    protected StiefelRetraction retraction() {
        return StiefelRetraction.QR;
    }

    /** Gradient norm the solvers must reach; float64 default 1e-9. */
    protected double gradientTolerance() {
        return 1e-9;
    }

    /** Allowed error of the solution (columns up to sign, or the polar factor); default 1e-6. */
    protected double solutionTolerance() {
        return 1e-6;
    }

    /** Host bytes a warm solve may allocate beyond a shorter one; default 1 kB. */
    protected long allocationSlackBytes() {
        return 1024;
    }

    /** Iterations a solver may take to reach {@link #gradientTolerance()}; default 20000. */
    protected int maxIterations() {
        return 20_000;
    }

    private StoppingCriteria tight() {
        return StoppingCriteria.defaults().withMinGradientNorm(gradientTolerance()).withMaxIterations(maxIterations())
                .withMinStepSize(0);
    }

    private Stream<DynamicTest> forEachSolver(BiConsumer<String, SolverFactory<M>> test) {
        Map<String, SolverFactory<M>> solvers = solvers();
        assertTrue(solvers != null && !solvers.isEmpty(), "solvers() must name at least one solver");
        return solvers.entrySet().stream()
                .map(entry -> DynamicTest.dynamicTest(entry.getKey(), () -> test.accept(entry.getKey(), entry.getValue())));
    }

    /** Brockett {@code min tr(X^T A X N)} on St(24, 4): the columns are the eigenvectors of A's smallest eigenvalues. */
    @TestFactory
    Stream<DynamicTest> brockettReachesTheEigenvectors() {
        return forEachSolver(this::brockettReachesTheEigenvectors);
    }

    private void brockettReachesTheEigenvectors(String solverName, SolverFactory<M> factory) {
        int n = 24;
        int p = 4;
        Random random = new Random(31);
        Stiefel<M> stiefel = new Stiefel<>(kernels(), n, p, retraction());
        DMatrixRMaj a = KnownOptima.separatedSpectrum(n, p, random);
        DMatrixRMaj weights = new DMatrixRMaj(p, p);
        for (int i = 0; i < p; i++) {
            weights.set(i, i, p - i);
        }
        BrockettProblem<M> problem = new BrockettProblem<>(stiefel, kernels(), a, weights);
        M start = stiefel.allocate();
        stiefel.randomPoint(random, start);

        SolverResult<M> result;
        try (Solver<M> solver = factory.create(tight(), true)) {
            result = solver.solve(problem, start);
        }

        assertEquals(StopReason.GRADIENT_NORM, result.stopReason(), () -> solverName + " after " + result.iterations());
        DMatrixRMaj x = kernels().toHost(result.point(), new DMatrixRMaj(1, 1));
        DMatrixRMaj vectors = new DMatrixRMaj(n, n);
        KnownOptima.ascendingEigen(a, vectors);
        for (int j = 0; j < p; j++) {
            double plus = 0;
            double minus = 0;
            for (int i = 0; i < n; i++) {
                plus += Math.pow(x.get(i, j) - vectors.get(i, j), 2);
                minus += Math.pow(x.get(i, j) + vectors.get(i, j), 2);
            }
            double error = Math.sqrt(Math.min(plus, minus));
            assertTrue(error < solutionTolerance(), "column " + j + " differs from the eigenvector by " + error);
        }
    }

    /** Procrustes {@code min ||A X - B||_F^2} on St(10, 3): the polar factor of {@code A^T B}. */
    @TestFactory
    Stream<DynamicTest> procrustesReachesThePolarFactor() {
        return forEachSolver(this::procrustesReachesThePolarFactor);
    }

    private void procrustesReachesThePolarFactor(String solverName, SolverFactory<M> factory) {
        int m = 14;
        int n = 10;
        int p = 3;
        Random random = new Random(37);
        Stiefel<M> stiefel = new Stiefel<>(kernels(), n, p, retraction());
        DMatrixRMaj a = KnownOptima.scaledOrthonormal(m, n, 1.5, random);
        DMatrixRMaj b = new DMatrixRMaj(m, p);
        for (int i = 0; i < b.data.length; i++) {
            b.data[i] = random.nextGaussian();
        }
        ProcrustesProblem<M> problem = new ProcrustesProblem<>(stiefel, kernels(), a, b);
        M start = stiefel.allocate();
        stiefel.randomPoint(random, start);

        SolverResult<M> result;
        try (Solver<M> solver = factory.create(tight(), true)) {
            result = solver.solve(problem, start);
        }

        assertEquals(StopReason.GRADIENT_NORM, result.stopReason(), () -> solverName + " after " + result.iterations());
        DMatrixRMaj x = kernels().toHost(result.point(), new DMatrixRMaj(1, 1));
        DMatrixRMaj difference = new DMatrixRMaj(n, p);
        CommonOps_DDRM.subtract(x, KnownOptima.polarOfAtB(a, b), difference);
        double error = NormOps_DDRM.normF(difference);
        assertTrue(error < solutionTolerance(), "||X - polar(A^T B)||_F = " + error);
    }

    /**
     * Warm solves of 5 and 30 iterations (no history) allocate the same bytes up to
     * {@link #allocationSlackBytes()}: the iterations allocate nothing.
     */
    @TestFactory
    Stream<DynamicTest> warmIterationsDoNotAllocate() {
        return forEachSolver(this::warmIterationsDoNotAllocate);
    }

    private void warmIterationsDoNotAllocate(String solverName, SolverFactory<M> factory) {
        assumeTrue(AllocationProbe.supported());
        Random random = new Random(41);
        Stiefel<M> stiefel = new Stiefel<>(kernels(), 16, 3, retraction());
        BrockettProblem<M> problem = BrockettProblem.random(stiefel, kernels(), 16, 3, false, random);
        M start = stiefel.allocate();
        stiefel.randomPoint(random, start);
        M out = stiefel.allocate();
        StoppingCriteria base = StoppingCriteria.defaults().withMinGradientNorm(0).withMinStepSize(0);
        Solver<M> shortSolver = factory.create(base.withMaxIterations(5), false);
        Solver<M> longSolver = factory.create(base.withMaxIterations(30), false);
        for (int warm = 0; warm < 4; warm++) {
            shortSolver.solve(problem, start, out);
            longSolver.solve(problem, start, out);
        }
        long shortBytes = Long.MAX_VALUE;
        long longBytes = Long.MAX_VALUE;
        for (int repeat = 0; repeat < 3; repeat++) {
            shortBytes = Math.min(shortBytes, AllocationProbe.bytesAllocatedBy(() -> shortSolver.solve(problem, start, out)));
            longBytes = Math.min(longBytes, AllocationProbe.bytesAllocatedBy(() -> longSolver.solve(problem, start, out)));
        }
        shortSolver.close();
        longSolver.close();
        assertTrue(longBytes - shortBytes <= allocationSlackBytes(),
                solverName + ": 5 iterations allocated " + shortBytes + " bytes, 30 iterations " + longBytes);
    }
}
