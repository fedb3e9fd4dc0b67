package dev.stiefel.solver;

import dev.stiefel.testkit.KnownOptima;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stiefel.kernel.Kernels;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import java.util.Arrays;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The "must show" runs: trust regions and conjugate gradients from random starts on the Brockett
 * cost {@code tr(X^T A X N)}, {@code N = diag(p, ..., 1)}, on {@code St(n, p)}. The minimiser's
 * column j is the eigenvector of the j-th smallest eigenvalue of A (up to sign), checked against
 * EJML's symmetric eigendecomposition.
 */
class StiefelBrockettSolversTest {

    private static final double GRADIENT_TOLERANCE = 1e-9;
    /** Column error {@code min(||x_j - v_j||, ||x_j + v_j||)}; ~ gradient / eigengap. */
    private static final double EIGENVECTOR_TOLERANCE = 1e-6;
    private static final double COST_TOLERANCE = 1e-10;

    static BrockettProblem<DMatrixRMaj> brockett(Stiefel<DMatrixRMaj> stiefel, DMatrixRMaj a) {
        int p = stiefel.columns();
        DMatrixRMaj weights = new DMatrixRMaj(p, p);
        for (int i = 0; i < p; i++) {
            weights.set(i, i, p - i);
        }
        return new BrockettProblem<>(stiefel, stiefel.kernels(), a, weights);
    }

    static DMatrixRMaj randomSymmetric(int n, Random random) {
        DMatrixRMaj a = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double value = random.nextGaussian();
                a.set(i, j, value);
                a.set(j, i, value);
            }
        }
        return a;
    }

    @ParameterizedTest(name = "{0} on St({1}, {2}) seed {3}")
    @CsvSource({
        "conjugate-gradient, 200, 20, 3",
        "trust-regions, 50, 10, 1",
        "trust-regions, 50, 10, 2",
        "trust-regions, 200, 20, 3",
        "conjugate-gradient, 50, 10, 1",
        "conjugate-gradient, 50, 10, 2",
        "trust-regions-fd, 50, 10, 4",
        "rlbfgs, 200, 20, 3",
        "rlbfgs, 50, 10, 1",
        "rlbfgs-wolfe, 50, 10, 2",
    })
    void reachesTheEigenvectorsOfA(String solverName, int n, int p, long seed) {
        Random random = new Random(seed);
        // EJML: single-threaded, so timings do not depend on a native thread pool on a busy machine.
        Stiefel<DMatrixRMaj> stiefel = new Stiefel<>(Kernels.ejml(), n, p, StiefelRetraction.QR);
        DMatrixRMaj a = KnownOptima.separatedSpectrum(n, p, random);
        BrockettProblem<DMatrixRMaj> problem = brockett(stiefel, a);
        DMatrixRMaj start = stiefel.allocate();
        stiefel.randomPoint(random, start);
        StoppingCriteria stopping = StoppingCriteria.defaults().withMinGradientNorm(GRADIENT_TOLERANCE)
                .withMaxIterations(20_000).withMinStepSize(0);
        Solver<DMatrixRMaj> solver = switch (solverName) {
            case "trust-regions" -> new TrustRegions<>(TrustRegionsOptions.defaults().withStopping(stopping));
            // Hessian-vector products by finite differences of gradients (RTR-FD).
            case "trust-regions-fd" -> new TrustRegions<>(
                    TrustRegionsOptions.defaults().withStopping(stopping).withFiniteDifferenceHessian(true));
            case "rlbfgs" -> new RiemannianLbfgs<>(RiemannianLbfgsOptions.defaults().withStopping(stopping));
            case "rlbfgs-wolfe" -> new RiemannianLbfgs<>(RiemannianLbfgsOptions.defaults().withStopping(stopping)
                    .withCondition(RiemannianLbfgsOptions.Condition.WOLFE));
            default -> new ConjugateGradient<>(ConjugateGradientOptions.defaults().withStopping(stopping));
        };

        SolverResult<DMatrixRMaj> result = solver.solve(problem, start);

        assertEquals(StopReason.GRADIENT_NORM, result.stopReason(), () -> solverName + " after " + result.iterations());
        assertTrue(result.gradientNorm() < 1e-8);
        stiefel.checkPoint(result.point(), 1e-12);
        DMatrixRMaj vectors = new DMatrixRMaj(n, n);
        double[] values = KnownOptima.ascendingEigen(a, vectors);
        double optimalCost = 0;
        DMatrixRMaj x = result.point();
        for (int j = 0; j < p; j++) {
            optimalCost += (p - j) * values[j];
            double plus = 0;
            double minus = 0;
            for (int i = 0; i < n; i++) {
                plus += Math.pow(x.get(i, j) - vectors.get(i, j), 2);
                minus += Math.pow(x.get(i, j) + vectors.get(i, j), 2);
            }
            double error = Math.sqrt(Math.min(plus, minus));
            assertTrue(error < EIGENVECTOR_TOLERANCE, "column " + j + " differs from eigenvector by " + error);
        }
        assertEquals(optimalCost, result.cost(), COST_TOLERANCE * Math.abs(optimalCost));
    }
}
