package dev.stiefel.solver;

import dev.stiefel.testkit.KnownOptima;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import dev.stiefel.problem.ProcrustesProblem;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Procrustes {@code min ||A X - B||^2} on {@code St(n, p)} with {@code A^T A = c I}: the solvers
 * must reach the closed form {@code polar(A^T B) = U V^T} from EJML's SVD of {@code A^T B}.
 */
class ProcrustesSolversTest {

    private static final double SOLUTION_TOLERANCE = 1e-10;

    @ParameterizedTest(name = "{0} St({2}, {3}) seed {4}")
    @CsvSource({
        "trust-regions, 15, 10, 4, 1",
        "trust-regions, 40, 30, 6, 2",
        "conjugate-gradient, 15, 10, 4, 1",
        "conjugate-gradient, 40, 30, 6, 2",
        "steepest-descent, 15, 10, 4, 1",
        "rlbfgs, 15, 10, 4, 1",
        "rlbfgs, 40, 30, 6, 2",
        "rlbfgs-wolfe, 40, 30, 6, 2",
        "rlbfgs-memoryless, 15, 10, 4, 1",
    })
    void matchesThePolarFactorOfAtB(String solverName, int m, int n, int p, long seed) {
        Random random = new Random(seed);
        DenseKernels<DMatrixRMaj> kernels = Kernels.ejml();
        Stiefel<DMatrixRMaj> stiefel = new Stiefel<>(kernels, n, p, StiefelRetraction.QR);
        DMatrixRMaj a = KnownOptima.scaledOrthonormal(m, n, 2.0, random);
        DMatrixRMaj b = new DMatrixRMaj(m, p);
        for (int i = 0; i < b.data.length; i++) {
            b.data[i] = random.nextGaussian();
        }
        ProcrustesProblem<DMatrixRMaj> problem = new ProcrustesProblem<>(stiefel, kernels, a, b);
        DMatrixRMaj start = stiefel.allocate();
        stiefel.randomPoint(random, start);
        StoppingCriteria stopping = StoppingCriteria.defaults().withMinGradientNorm(1e-12).withMaxIterations(20_000)
                .withMinStepSize(0);
        Solver<DMatrixRMaj> solver = switch (solverName) {
            case "trust-regions" -> new TrustRegions<>(TrustRegionsOptions.defaults().withStopping(stopping));
            case "conjugate-gradient" -> new ConjugateGradient<>(
                    ConjugateGradientOptions.defaults().withStopping(stopping));
            case "rlbfgs" -> new RiemannianLbfgs<>(RiemannianLbfgsOptions.defaults().withStopping(stopping));
            case "rlbfgs-wolfe" -> new RiemannianLbfgs<>(RiemannianLbfgsOptions.defaults().withStopping(stopping)
                    .withCondition(RiemannianLbfgsOptions.Condition.WOLFE));
            // Memory 0: steepest descent scaled by the last <s, y> / <y, y> (Barzilai-Borwein).
            case "rlbfgs-memoryless" -> new RiemannianLbfgs<>(RiemannianLbfgsOptions.defaults().withStopping(stopping)
                    .withMemory(0));
            default -> new SteepestDescent<>(SteepestDescentOptions.defaults().withStopping(stopping));
        };

        SolverResult<DMatrixRMaj> result = solver.solve(problem, start);

        assertEquals(StopReason.GRADIENT_NORM, result.stopReason(), () -> solverName + " after " + result.iterations());
        assertTrue(result.gradientNorm() < 1e-8);
        DMatrixRMaj expected = KnownOptima.polarOfAtB(a, b);
        DMatrixRMaj difference = new DMatrixRMaj(n, p);
        CommonOps_DDRM.subtract(result.point(), expected, difference);
        double error = NormOps_DDRM.normF(difference);
        assertTrue(error < SOLUTION_TOLERANCE, solverName + ": ||X - polar(A^T B)||_F = " + error);
    }

    @Test
    void mismatchedShapesAreRejected() {
        Stiefel<DMatrixRMaj> stiefel = new Stiefel<>(Kernels.ejml(), 4, 2, StiefelRetraction.QR);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new ProcrustesProblem<>(stiefel, Kernels.ejml(), new DMatrixRMaj(5, 4), new DMatrixRMaj(6, 2)));
        assertTrue(e.getMessage().contains("same number of rows"));
    }
}
