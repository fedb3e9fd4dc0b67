package dev.stiefel.ddn;

import dev.stiefel.testkit.TestMatrices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DenseKktBackwardTest {

    /** Agreement between exact methods (closed forms, a second linear-algebra route). */
    private static final double EXACT_TOLERANCE = 1e-10;
    /** Agreement with the five-point stencil. */
    private static final double FINITE_DIFFERENCE_TOLERANCE = 1e-8;

    /**
     * Projection onto the sphere: {@code y(x) = argmin (1/2)||y - x||^2 s.t. ||y||^2 = 1}, so
     * {@code y = x/||x||}, {@code dy/dx = (I - y y^T)/||x||}, multiplier
     * {@code lambda = (1 - ||x||)/2} (from {@code y - x = 2 lambda y}).
     */
    @ParameterizedTest
    @CsvSource({"3, 1", "7, 2", "20, 3"})
    void sphereProjectionMatchesClosedFormAndFiniteDifferences(int m, long seed) {
        Random random = new Random(seed);
        DMatrixRMaj x = TestMatrices.gaussian(m, 1, random);
        DMatrixRMaj upstream = TestMatrices.gaussian(m, 1, random);
        SphereProjection problem = new SphereProjection(x);
        DMatrixRMaj y = x.copy();
        CommonOps_DDRM.divide(y, NormOps_DDRM.normF(x));

        DenseKktBackward node = new DenseKktBackward();
        DMatrixRMaj gradient = node.backward(problem, y, upstream, new DMatrixRMaj(1, 1));

        double norm = NormOps_DDRM.normF(x);
        DMatrixRMaj closedForm = upstream.copy();
        CommonOps_DDRM.addEquals(closedForm, -CommonOps_DDRM.dot(y, upstream), y);
        CommonOps_DDRM.divide(closedForm, norm);
        assertTrue(TestMatrices.relativeError(gradient, closedForm) < EXACT_TOLERANCE);
        assertEquals((1 - norm) / 2, node.lastMultipliers().get(0), EXACT_TOLERANCE);

        DMatrixRMaj stencil = TestMatrices.fivePointGradient(point -> {
            double length = NormOps_DDRM.normF(point);
            return CommonOps_DDRM.dot(point, upstream) / length;
        }, x);
        assertTrue(TestMatrices.relativeError(gradient, stencil) < FINITE_DIFFERENCE_TOLERANCE);
    }

    /**
     * A random strictly convex quadratic with linear constraints,
     * {@code min (1/2) y^T Q y - x^T y s.t. E y = 0}: {@code y} is linear in {@code x}, its
     * Jacobian is the top-left block of the inverse bordered matrix {@code [Q E^T; E 0]}, here
     * from an LU solve (a second route). Also checks the explicit-matrix entry point against
     * Prop. 4.5 evaluated literally with {@code H^-1}.
     */
    @ParameterizedTest
    @CsvSource({"6, 2, 4, 11", "15, 5, 3, 12", "30, 12, 8, 13"})
    void linearlyConstrainedQuadraticMatchesBorderedSolveAndProposition(int m, int q, int n, long seed) {
        Random random = new Random(seed);
        DMatrixRMaj q0 = TestMatrices.gaussian(m, m, random);
        DMatrixRMaj hessian = new DMatrixRMaj(m, m);
        CommonOps_DDRM.multTransA(q0, q0, hessian);
        for (int i = 0; i < m; i++) {
            hessian.add(i, i, 0.5);
        }
        DMatrixRMaj constraints = TestMatrices.gaussian(q, m, random);
        DMatrixRMaj mixed = TestMatrices.gaussian(m, n, random);
        DMatrixRMaj upstream = TestMatrices.gaussian(m, 1, random);

        DMatrixRMaj gradient = new DenseKktBackward().backward(hessian, constraints, mixed, upstream,
                new DMatrixRMaj(1, 1));

        // Bordered system K^T [a; mu] = [v; 0] (K symmetric), then dL/dx = -B^T a.
        DMatrixRMaj bordered = new DMatrixRMaj(m + q, m + q);
        CommonOps_DDRM.insert(hessian, bordered, 0, 0);
        CommonOps_DDRM.insert(CommonOps_DDRM.transpose(constraints, null), bordered, 0, m);
        CommonOps_DDRM.insert(constraints, bordered, m, 0);
        DMatrixRMaj rightHandSide = new DMatrixRMaj(m + q, 1);
        CommonOps_DDRM.insert(upstream, rightHandSide, 0, 0);
        DMatrixRMaj borderedSolution = new DMatrixRMaj(m + q, 1);
        assertTrue(CommonOps_DDRM.solve(bordered, rightHandSide, borderedSolution));
        DMatrixRMaj a = CommonOps_DDRM.extract(borderedSolution, 0, m, 0, 1);
        DMatrixRMaj viaBordered = new DMatrixRMaj(n, 1);
        CommonOps_DDRM.multTransA(-1.0, mixed, a, viaBordered);
        assertTrue(TestMatrices.relativeError(gradient, viaBordered) < EXACT_TOLERANCE);

        // Prop. 4.5 literally: u = -[H^-1 - H^-1 A^T (A H^-1 A^T)^-1 A H^-1] v.
        DMatrixRMaj inverse = new DMatrixRMaj(m, m);
        assertTrue(CommonOps_DDRM.invert(hessian, inverse));
        DMatrixRMaj inverseAt = new DMatrixRMaj(m, q);
        CommonOps_DDRM.multTransB(inverse, constraints, inverseAt);
        DMatrixRMaj schur = new DMatrixRMaj(q, q);
        CommonOps_DDRM.mult(constraints, inverseAt, schur);
        CommonOps_DDRM.invert(schur);
        DMatrixRMaj inverseV = new DMatrixRMaj(m, 1);
        CommonOps_DDRM.mult(inverse, upstream, inverseV);
        DMatrixRMaj temp = new DMatrixRMaj(q, 1);
        CommonOps_DDRM.mult(constraints, inverseV, temp);
        DMatrixRMaj temp2 = new DMatrixRMaj(q, 1);
        CommonOps_DDRM.mult(schur, temp, temp2);
        DMatrixRMaj u = new DMatrixRMaj(m, 1);
        CommonOps_DDRM.mult(inverseAt, temp2, u);
        CommonOps_DDRM.subtractEquals(u, inverseV);
        DMatrixRMaj viaProposition = new DMatrixRMaj(n, 1);
        CommonOps_DDRM.multTransA(mixed, u, viaProposition);
        assertTrue(TestMatrices.relativeError(gradient, viaProposition) < EXACT_TOLERANCE);
    }

    /** H singular on R^m but not on the tangent space: Prop. 4.5 breaks, the KKT route does not. */
    @Test
    void hessianNeedsToBeInvertibleOnlyOnTheTangentSpace() {
        DMatrixRMaj hessian = CommonOps_DDRM.diag(0.0, 2.0, 4.0);
        DMatrixRMaj constraints = new DMatrixRMaj(new double[][] {{1.0, 0.0, 0.0}});
        DMatrixRMaj upstream = new DMatrixRMaj(new double[][] {{3.0}, {5.0}, {7.0}});
        DMatrixRMaj u = new DenseKktBackward().solveAdjoint(hessian, constraints, upstream, new DMatrixRMaj(1, 1));
        // Tangent space span(e2, e3): a = (0, 5/2, 7/4), u = -a.
        DMatrixRMaj expected = new DMatrixRMaj(new double[][] {{0.0}, {-2.5}, {-1.75}});
        assertTrue(TestMatrices.relativeError(u, expected) < EXACT_TOLERANCE);
    }

    @Test
    void rankDeficientConstraintJacobianIsRejected() {
        Random random = new Random(21);
        DMatrixRMaj hessian = CommonOps_DDRM.identity(5);
        DMatrixRMaj constraints = TestMatrices.gaussian(3, 5, random);
        for (int j = 0; j < 5; j++) {
            constraints.set(2, j, constraints.get(0, j) - 2 * constraints.get(1, j));
        }
        ArithmeticException error = assertThrows(ArithmeticException.class, () -> new DenseKktBackward()
                .solveAdjoint(hessian, constraints, TestMatrices.gaussian(5, 1, random), new DMatrixRMaj(1, 1)));
        assertTrue(error.getMessage().contains("rank deficient"), error.getMessage());
        assertThrows(ArithmeticException.class, () -> new DenseKktBackward().solveAdjoint(CommonOps_DDRM.identity(2),
                TestMatrices.gaussian(3, 2, random), TestMatrices.gaussian(2, 1, random), new DMatrixRMaj(1, 1)));
    }

    @Test
    void singularReducedHessianIsRejected() {
        Random random = new Random(22);
        // Tangent space of A = e1^T is span(e2, e3, e4); H vanishes along e3.
        DMatrixRMaj hessian = CommonOps_DDRM.diag(1.0, 2.0, 0.0, 3.0);
        DMatrixRMaj constraints = new DMatrixRMaj(new double[][] {{1.0, 0.0, 0.0, 0.0}});
        ArithmeticException error = assertThrows(ArithmeticException.class, () -> new DenseKktBackward()
                .solveAdjoint(hessian, constraints, TestMatrices.gaussian(4, 1, random), new DMatrixRMaj(1, 1)));
        assertTrue(error.getMessage().contains("singular"), error.getMessage());
    }

    @Test
    void badInputIsRejected() {
        Random random = new Random(23);
        DenseKktBackward node = new DenseKktBackward();
        DMatrixRMaj asymmetric = CommonOps_DDRM.identity(3);
        asymmetric.set(0, 1, 1.0);
        DMatrixRMaj constraints = new DMatrixRMaj(new double[][] {{1.0, 1.0, 1.0}});
        assertThrows(IllegalArgumentException.class, () -> node.solveAdjoint(asymmetric, constraints,
                TestMatrices.gaussian(3, 1, random), new DMatrixRMaj(1, 1)));
        DMatrixRMaj withNan = CommonOps_DDRM.identity(3);
        withNan.set(1, 1, Double.NaN);
        assertThrows(IllegalArgumentException.class, () -> node.solveAdjoint(withNan, constraints,
                TestMatrices.gaussian(3, 1, random), new DMatrixRMaj(1, 1)));
        assertThrows(IllegalArgumentException.class, () -> node.solveAdjoint(CommonOps_DDRM.identity(4), constraints,
                TestMatrices.gaussian(3, 1, random), new DMatrixRMaj(1, 1)));

        // A point that is not the projection of x is not a KKT point.
        DMatrixRMaj x = TestMatrices.gaussian(4, 1, random);
        DMatrixRMaj wrong = TestMatrices.gaussian(4, 1, random);
        CommonOps_DDRM.divide(wrong, NormOps_DDRM.normF(wrong));
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> node.backward(new SphereProjection(x), wrong, TestMatrices.gaussian(4, 1, random),
                        new DMatrixRMaj(1, 1)));
        assertTrue(error.getMessage().contains("KKT"), error.getMessage());
    }

    /** {@code min (1/2)||y - x||^2 s.t. ||y||^2 - 1 = 0}, x in R^m. */
    private static final class SphereProjection implements EqualityConstrainedProblem {
        private final DMatrixRMaj x;

        SphereProjection(DMatrixRMaj x) {
            this.x = x;
        }

        @Override
        public int variableCount() {
            return x.numRows;
        }

        @Override
        public int constraintCount() {
            return 1;
        }

        @Override
        public int parameterCount() {
            return x.numRows;
        }

        @Override
        public void objectiveGradient(DMatrixRMaj y, DMatrixRMaj out) {
            CommonOps_DDRM.subtract(y, x, out);
        }

        @Override
        public void objectiveHessian(DMatrixRMaj y, DMatrixRMaj out) {
            CommonOps_DDRM.setIdentity(out);
        }

        @Override
        public void constraintJacobian(DMatrixRMaj y, DMatrixRMaj out) {
            for (int i = 0; i < y.numRows; i++) {
                out.set(0, i, 2 * y.get(i));
            }
        }

        @Override
        public void constraintHessianCombination(DMatrixRMaj y, DMatrixRMaj lambda, DMatrixRMaj out) {
            CommonOps_DDRM.setIdentity(out);
            CommonOps_DDRM.scale(2 * lambda.get(0), out);
        }

        @Override
        public void mixedDerivative(DMatrixRMaj y, DMatrixRMaj out) {
            CommonOps_DDRM.setIdentity(out);
            CommonOps_DDRM.scale(-1.0, out);
        }
    }
}
