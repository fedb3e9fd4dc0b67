package dev.stiefel.manifold;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.Kernels;
import dev.stiefel.problem.BrockettProblem;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The embedded gradient vector field against {@link Stiefel}'s conversions (which the manifold
 * contract checks by finite differences) and against the field's formulas evaluated on the host.
 */
class EmbeddedGradientFieldTest {

    private static final double TOLERANCE = 1e-12;

    private static double distance(DMatrixRMaj a, DMatrixRMaj b) {
        return NormOps_DDRM.normF(CommonOps_DDRM.subtract(a, b, null));
    }

    @ParameterizedTest
    @CsvSource({"5, 2", "10, 10", "50, 10"})
    void fieldAndHessianAreTheRiemannianGradientAndHessian(int n, int p) {
        Stiefel<DMatrixRMaj> manifold = new Stiefel<>(Kernels.ejml(), n, p, StiefelRetraction.POLAR);
        EmbeddedGradientField<DMatrixRMaj> field = new EmbeddedGradientField<>(Kernels.ejml(), n, p);
        SplittableRandom random = new SplittableRandom(31);
        BrockettProblem<DMatrixRMaj> problem = BrockettProblem.random(manifold, Kernels.ejml(), n, p, false, random);
        DMatrixRMaj u = manifold.allocate();
        manifold.randomPoint(random, u);
        DMatrixRMaj v = manifold.allocate();
        manifold.randomTangent(u, random, v);
        DMatrixRMaj gradient = manifold.allocate();
        DMatrixRMaj hessianV = manifold.allocate();
        problem.euclideanGradient(u, gradient);
        problem.euclideanHessian().orElseThrow().apply(u, v, hessianV);

        DMatrixRMaj riemannianGradient = manifold.allocate();
        manifold.euclideanToRiemannianGradient(u, gradient, riemannianGradient);
        DMatrixRMaj value = field.field(u, gradient, manifold.allocate());
        assertEquals(0.0, distance(riemannianGradient, value), TOLERANCE * NormOps_DDRM.normF(gradient));

        DMatrixRMaj riemannianHessian = manifold.allocate();
        manifold.euclideanToRiemannianHessian(u, gradient, hessianV, v, riemannianHessian);
        DMatrixRMaj hessian = field.hessian(u, gradient, hessianV, v, manifold.allocate());
        assertEquals(0.0, distance(riemannianHessian, hessian), TOLERANCE * NormOps_DDRM.normF(hessianV));
    }

    /** Off the manifold the formulas still hold; evaluated here with plain EJML. */
    @Test
    void formulasHoldOffTheManifold() {
        int n = 7;
        int p = 3;
        EmbeddedGradientField<DMatrixRMaj> field = new EmbeddedGradientField<>(Kernels.ejml(), n, p);
        SplittableRandom random = new SplittableRandom(32);
        DMatrixRMaj u = ManifoldSupport.fillGaussian(random, new DMatrixRMaj(n, p));
        DMatrixRMaj g = ManifoldSupport.fillGaussian(random, new DMatrixRMaj(n, p));
        DMatrixRMaj h = ManifoldSupport.fillGaussian(random, new DMatrixRMaj(n, p));
        DMatrixRMaj v = ManifoldSupport.fillGaussian(random, new DMatrixRMaj(n, p));

        DMatrixRMaj sigma = CommonOps_DDRM.multTransA(u, g, null);
        DMatrixRMaj sigmaTransposed = CommonOps_DDRM.transpose(sigma, null);
        CommonOps_DDRM.addEquals(sigma, sigmaTransposed);
        CommonOps_DDRM.scale(0.5, sigma);
        assertEquals(0.0, distance(sigma, field.multipliers(u, g, new DMatrixRMaj(p, p))), TOLERANCE);

        DMatrixRMaj expectedField = g.copy();
        CommonOps_DDRM.multAdd(-1.0, u, sigma, expectedField);
        assertEquals(0.0, distance(expectedField, field.field(u, g, new DMatrixRMaj(n, p))), TOLERANCE);
        DMatrixRMaj aliased = g.copy();
        field.field(u, aliased, aliased);
        assertEquals(0.0, distance(expectedField, aliased), TOLERANCE, "out may alias the gradient");

        DMatrixRMaj expectedLagrangian = h.copy();
        CommonOps_DDRM.multAdd(-1.0, v, sigma, expectedLagrangian);
        DMatrixRMaj lagrangian = field.lagrangianHessian(u, g, h, v, new DMatrixRMaj(n, p));
        assertEquals(0.0, distance(expectedLagrangian, lagrangian), TOLERANCE);
        DMatrixRMaj aliasedV = v.copy();
        field.lagrangianHessian(u, g, h, aliasedV, aliasedV);
        assertEquals(0.0, distance(expectedLagrangian, aliasedV), TOLERANCE, "out may alias v");
    }

    @Test
    void badInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new EmbeddedGradientField<>(Kernels.ejml(), 2, 3));
        EmbeddedGradientField<DMatrixRMaj> field = new EmbeddedGradientField<>(Kernels.ejml(), 4, 2);
        DMatrixRMaj u = new DMatrixRMaj(4, 2);
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> field.field(u, new DMatrixRMaj(2, 4), new DMatrixRMaj(4, 2)));
        assertTrue(error.getMessage().contains("Euclidean gradient has shape 2 x 4"), error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> field.field(u, new DMatrixRMaj(4, 2), u));
    }
}
