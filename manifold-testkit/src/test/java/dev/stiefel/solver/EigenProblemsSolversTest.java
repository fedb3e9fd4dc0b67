package dev.stiefel.solver;

import dev.stiefel.testkit.KnownOptima;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.check.DerivativeCheck;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Grassmann;
import dev.stiefel.manifold.GrassmannRetraction;
import dev.stiefel.manifold.Sphere;
import dev.stiefel.manifold.SphereRetraction;
import dev.stiefel.problem.DominantSubspaceProblem;
import dev.stiefel.problem.Problem;
import dev.stiefel.problem.RayleighQuotientProblem;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Dominant invariant subspace on the Grassmann manifold (compared as projectors
 * {@code X X^T = V V^T}) and the Rayleigh quotient on the sphere (top and bottom eigenvector),
 * against EJML's symmetric eigendecomposition; plus the derivative checks of both problems.
 */
class EigenProblemsSolversTest {

    private static final double GRADIENT_TOLERANCE = 1e-10;
    /** {@code ||X X^T - V V^T||_F}; ~ gradient / eigengap. */
    private static final double PROJECTOR_TOLERANCE = 1e-8;

    private static Solver<DMatrixRMaj> solver(String name) {
        StoppingCriteria stopping = StoppingCriteria.defaults().withMinGradientNorm(GRADIENT_TOLERANCE)
                .withMaxIterations(20_000).withMinStepSize(0);
        return name.equals("trust-regions")
                ? new TrustRegions<>(TrustRegionsOptions.defaults().withStopping(stopping))
                : new ConjugateGradient<>(ConjugateGradientOptions.defaults().withStopping(stopping));
    }

    /** Projector onto the span of eigenvectors {@code from .. from + count - 1} (ascending order). */
    private static DMatrixRMaj eigenProjector(DMatrixRMaj a, int from, int count) {
        int n = a.numRows;
        DMatrixRMaj vectors = new DMatrixRMaj(n, n);
        KnownOptima.ascendingEigen(a, vectors);
        DMatrixRMaj basis = CommonOps_DDRM.extract(vectors, 0, n, from, from + count);
        DMatrixRMaj projector = new DMatrixRMaj(n, n);
        CommonOps_DDRM.multTransB(basis, basis, projector);
        return projector;
    }

    private static double projectorDistance(DMatrixRMaj x, DMatrixRMaj expected) {
        DMatrixRMaj projector = new DMatrixRMaj(x.numRows, x.numRows);
        CommonOps_DDRM.multTransB(x, x, projector);
        CommonOps_DDRM.subtractEquals(projector, expected);
        return NormOps_DDRM.normF(projector);
    }

    @ParameterizedTest(name = "{0} Gr({1}, {2}) seed {3}")
    @CsvSource({"trust-regions, 30, 4, 1", "trust-regions, 60, 5, 2", "conjugate-gradient, 30, 4, 1",
        "conjugate-gradient, 60, 5, 2"})
    void dominantSubspaceMatchesTopEigenspace(String solverName, int n, int p, long seed) {
        Random random = new Random(seed);
        Grassmann<DMatrixRMaj> grassmann = new Grassmann<>(Kernels.ejml(), n, p, GrassmannRetraction.QR);
        DMatrixRMaj a = StiefelBrockettSolversTest.randomSymmetric(n, random);
        DominantSubspaceProblem<DMatrixRMaj> problem = new DominantSubspaceProblem<>(grassmann, Kernels.ejml(), a, p);
        DMatrixRMaj start = grassmann.allocate();
        grassmann.randomPoint(random, start);

        SolverResult<DMatrixRMaj> result = solver(solverName).solve(problem, start);

        assertEquals(StopReason.GRADIENT_NORM, result.stopReason(), () -> solverName + " after " + result.iterations());
        double distance = projectorDistance(result.point(), eigenProjector(a, n - p, p));
        assertTrue(distance < PROJECTOR_TOLERANCE, "||X X^T - V V^T||_F = " + distance);
    }

    @ParameterizedTest(name = "{0} n {1} largest {2}")
    @CsvSource({"trust-regions, 40, true", "trust-regions, 40, false", "conjugate-gradient, 40, true",
        "conjugate-gradient, 40, false"})
    void rayleighQuotientMatchesExtremeEigenvector(String solverName, int n, boolean largest) {
        Random random = new Random(n + (largest ? 1 : 0));
        Sphere<DMatrixRMaj> sphere = new Sphere<>(Kernels.ejml(), n, 1, SphereRetraction.NORMALIZATION);
        DMatrixRMaj a = StiefelBrockettSolversTest.randomSymmetric(n, random);
        RayleighQuotientProblem<DMatrixRMaj> problem = new RayleighQuotientProblem<>(sphere, Kernels.ejml(), a, largest);
        DMatrixRMaj start = sphere.allocate();
        sphere.randomPoint(random, start);

        SolverResult<DMatrixRMaj> result = solver(solverName).solve(problem, start);

        assertEquals(StopReason.GRADIENT_NORM, result.stopReason(), () -> solverName + " after " + result.iterations());
        double distance = projectorDistance(result.point(), eigenProjector(a, largest ? n - 1 : 0, 1));
        assertTrue(distance < PROJECTOR_TOLERANCE, "||x x^T - v v^T||_F = " + distance);
    }

    @ParameterizedTest(name = "seed {0}")
    @CsvSource({"1", "2"})
    void derivativeChecksPassOnGrassmannAndSphereProblems(long seed) {
        Random random = new Random(seed);
        Grassmann<DMatrixRMaj> grassmann = new Grassmann<>(Kernels.ejml(), 12, 3, GrassmannRetraction.QR);
        DMatrixRMaj a = StiefelBrockettSolversTest.randomSymmetric(12, random);
        Problem<DMatrixRMaj> subspace = new DominantSubspaceProblem<>(grassmann, Kernels.ejml(), a, 3);
        DMatrixRMaj x = grassmann.allocate();
        grassmann.randomPoint(random, x);
        assertTrue(DerivativeCheck.gradient(subspace, x, random).passed());
        assertTrue(DerivativeCheck.hessianSymmetry(subspace, x, random).passed());
        assertTrue(DerivativeCheck.gradientTangency(subspace, x).passed());
        assertTrue(DerivativeCheck.hessianTangency(subspace, x, random).passed());

        Sphere<DMatrixRMaj> sphere = new Sphere<>(Kernels.ejml(), 12, 1, SphereRetraction.NORMALIZATION);
        Problem<DMatrixRMaj> rayleigh = new RayleighQuotientProblem<>(sphere, Kernels.ejml(), a, false);
        DMatrixRMaj y = sphere.allocate();
        sphere.randomPoint(random, y);
        assertTrue(DerivativeCheck.gradient(rayleigh, y, random).passed());
        // The normalisation retraction is second order on the sphere: the Hessian check is valid anywhere.
        DerivativeCheck.TaylorReport hessian = DerivativeCheck.hessian(rayleigh, y, random);
        assertTrue(hessian.passed(), () -> "slope " + hessian.slope());
        assertTrue(DerivativeCheck.hessianSymmetry(rayleigh, y, random).passed());
    }
}
