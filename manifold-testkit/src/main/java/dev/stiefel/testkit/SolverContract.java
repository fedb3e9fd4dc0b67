package dev.stiefel.testkit;

import dev.stiefel.check.AllocationProbe;
import dev.stiefel.solver.TrustRegionsOptions;
import dev.stiefel.solver.TrustRegions;
import dev.stiefel.solver.StoppingCriteria;
import dev.stiefel.solver.StopReason;
import dev.stiefel.solver.SteepestDescentOptions;
import dev.stiefel.solver.SteepestDescent;
import dev.stiefel.solver.SolverResult;
import dev.stiefel.solver.Solver;
import dev.stiefel.solver.RiemannianLbfgsOptions;
import dev.stiefel.solver.RiemannianLbfgs;
import dev.stiefel.solver.ConjugateGradientOptions;
import dev.stiefel.solver.ConjugateGradient;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import dev.stiefel.problem.ProcrustesProblem;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The solver contract for a dense backend: trust regions, conjugate gradients, steepest descent
 * and R-LBFGS on problems with known optima (Brockett: eigenvectors of A; Procrustes: polar factor
 * of {@code A^T B}), computed on the host by EJML, and allocation-free warm iterations.
 * Shared through the test-jar (see {@code dev.stiefel.testkit}): a backend's test extends it and
 * supplies {@link #kernels()} (float32 backends loosen the tolerances); a retraction's test also
 * overrides {@link #retraction()}.
 *
 * @param <M> the backend's matrix type
 */
public abstract class SolverContract<M> {

    /** The backend under test. */
    protected abstract DenseKernels<M> kernels();

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

    private Solver<M> solver(String name, StoppingCriteria stopping, boolean recordHistory) {
        return switch (name) {
            case "trust-regions" -> new TrustRegions<>(
                    TrustRegionsOptions.defaults().withStopping(stopping).withRecordHistory(recordHistory));
            case "conjugate-gradient" -> new ConjugateGradient<>(
                    ConjugateGradientOptions.defaults().withStopping(stopping).withRecordHistory(recordHistory));
            case "steepest-descent" -> new SteepestDescent<>(
                    SteepestDescentOptions.defaults().withStopping(stopping).withRecordHistory(recordHistory));
            case "rlbfgs" -> new RiemannianLbfgs<>(
                    RiemannianLbfgsOptions.defaults().withStopping(stopping).withRecordHistory(recordHistory));
            default -> throw new IllegalArgumentException(name);
        };
    }

    private StoppingCriteria tight() {
        return StoppingCriteria.defaults().withMinGradientNorm(gradientTolerance()).withMaxIterations(20_000)
                .withMinStepSize(0);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"trust-regions", "conjugate-gradient", "rlbfgs"})
    void brockettReachesTheEigenvectors(String solverName) {
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

        SolverResult<M> result = solver(solverName, tight(), true).solve(problem, start);

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

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"trust-regions", "conjugate-gradient", "steepest-descent", "rlbfgs"})
    void procrustesReachesThePolarFactor(String solverName) {
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

        SolverResult<M> result = solver(solverName, tight(), true).solve(problem, start);

        assertEquals(StopReason.GRADIENT_NORM, result.stopReason(), () -> solverName + " after " + result.iterations());
        DMatrixRMaj x = kernels().toHost(result.point(), new DMatrixRMaj(1, 1));
        DMatrixRMaj difference = new DMatrixRMaj(n, p);
        CommonOps_DDRM.subtract(x, KnownOptima.polarOfAtB(a, b), difference);
        double error = NormOps_DDRM.normF(difference);
        assertTrue(error < solutionTolerance(), "||X - polar(A^T B)||_F = " + error);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"trust-regions", "conjugate-gradient", "steepest-descent", "rlbfgs"})
    void warmIterationsDoNotAllocate(String solverName) {
        assumeTrue(AllocationProbe.supported());
        Random random = new Random(41);
        Stiefel<M> stiefel = new Stiefel<>(kernels(), 16, 3, retraction());
        BrockettProblem<M> problem = BrockettProblem.random(stiefel, kernels(), 16, 3, false, random);
        M start = stiefel.allocate();
        stiefel.randomPoint(random, start);
        M out = stiefel.allocate();
        StoppingCriteria base = StoppingCriteria.defaults().withMinGradientNorm(0).withMinStepSize(0);
        Solver<M> shortSolver = solver(solverName, base.withMaxIterations(5), false);
        Solver<M> longSolver = solver(solverName, base.withMaxIterations(30), false);
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
        assertTrue(longBytes - shortBytes <= allocationSlackBytes(),
                solverName + ": 5 iterations allocated " + shortBytes + " bytes, 30 iterations " + longBytes);
    }
}
