package dev.stiefel.problem;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.manifold.Stiefel;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.Test;

/**
 * The finite-difference Hessian acts on the tangent part of its direction. A trust-region solver
 * at the rounding floor of its gradient hands it directions that are tangent only to the
 * rounding of a larger scale; scaled up to the finite-difference step, their normal part would
 * be retracted with them, and the retraction rejects vectors that are not tangent.
 */
class FiniteDifferenceHessianTest {

    /** Finite differences with step {@code 2^-14} are accurate to about that step. */
    private static final double FINITE_DIFFERENCE_ACCURACY = 1e-3;

    @Test
    void normalPartsOfTheDirectionAreIgnored() {
        Random random = new Random(5);
        try (Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(12, 3)) {
            BrockettProblem<DMatrixRMaj> problem = BrockettProblem.random(stiefel, random);
            DMatrixRMaj x = stiefel.allocate();
            stiefel.randomPoint(random, x);
            DMatrixRMaj tangent = stiefel.allocate();
            stiefel.randomTangent(x, random, tangent);
            // A direction with a normal part as large as its tangent part: X S, S symmetric.
            DMatrixRMaj symmetric = new DMatrixRMaj(3, 3);
            symmetric.fill(0.5);
            DMatrixRMaj direction = tangent.copy();
            CommonOps_DDRM.multAdd(x, symmetric, direction);

            RiemannianDerivatives<DMatrixRMaj> exact = new RiemannianDerivatives<>(problem);
            RiemannianDerivatives<DMatrixRMaj> differences = new RiemannianDerivatives<>(problem);
            differences.setForceFiniteDifferences(true);
            DMatrixRMaj gradient = stiefel.allocate();
            exact.evaluate(x, gradient);
            differences.evaluate(x, gradient);
            DMatrixRMaj expected = stiefel.allocate();
            exact.hessianVector(tangent, expected);
            DMatrixRMaj approximated = stiefel.allocate();
            differences.hessianVector(direction, approximated);

            DMatrixRMaj error = new DMatrixRMaj(12, 3);
            CommonOps_DDRM.subtract(expected, approximated, error);
            double relative = NormOps_DDRM.normF(error) / NormOps_DDRM.normF(expected);
            assertTrue(relative <= FINITE_DIFFERENCE_ACCURACY, () -> "relative error " + relative);
            exact.release();
            differences.release();
        }
    }
}
