package dev.stiefel.etf;

import dev.stiefel.testkit.TestMatrices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Stiefel;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NearestEtfProblemTest {

    private static final double COST_TOLERANCE = 1e-13;
    private static final double DERIVATIVE_TOLERANCE = 1e-9;
    private static final double STENCIL_STEP = 1e-3;
    private static final double DELTA = 1e-3;
    private static final double TAYLOR_SLOPE_TOLERANCE = 0.1;

    private final DenseKernels<DMatrixRMaj> kernels = Kernels.ejml();

    private NearestEtfProblem<DMatrixRMaj> problem(int dimension, int numClasses) {
        return new NearestEtfProblem<>(kernels, new Stiefel<>(kernels, dimension, numClasses,
                dev.stiefel.manifold.StiefelRetraction.QR), dimension, numClasses);
    }

    /** {@code ||Ht - U Mt||^2 + (delta/2)||U - Uprox||^2} from explicit matrices. */
    private static double referenceCost(DMatrixRMaj target, DMatrixRMaj point, double delta, DMatrixRMaj proximal) {
        DMatrixRMaj standard = SimplexEtf.standard(point.numCols, new DMatrixRMaj(1, 1));
        DMatrixRMaj product = new DMatrixRMaj(point.numRows, point.numCols);
        CommonOps_DDRM.mult(point, standard, product);
        DMatrixRMaj residual = new DMatrixRMaj(point.numRows, point.numCols);
        CommonOps_DDRM.subtract(target, product, residual);
        double cost = Math.pow(NormOps_DDRM.normF(residual), 2);
        if (delta > 0) {
            CommonOps_DDRM.subtract(point, proximal, residual);
            cost += 0.5 * delta * Math.pow(NormOps_DDRM.normF(residual), 2);
        }
        return cost;
    }

    @ParameterizedTest
    @CsvSource({"5, 5, 1, true", "12, 5, 2, true", "40, 10, 3, false", "20, 2, 4, true"})
    void costGradientHessianAndMixedAdjointMatchReferencesAndFiniteDifferences(int dimension, int numClasses,
            long seed, boolean proximal) {
        SplittableRandom random = new SplittableRandom(seed);
        NearestEtfProblem<DMatrixRMaj> problem = problem(dimension, numClasses);
        DMatrixRMaj target = TestMatrices.gaussian(dimension, numClasses, random);
        CommonOps_DDRM.divide(target, NormOps_DDRM.normF(target));
        DMatrixRMaj proximalPoint = TestMatrices.haarStiefel(dimension, numClasses, random);
        problem.setTarget(target);
        if (proximal) {
            problem.setProximal(DELTA, proximalPoint);
        }
        double delta = proximal ? DELTA : 0;
        // the extension off the manifold: a general point
        DMatrixRMaj point = TestMatrices.gaussian(dimension, numClasses, random);
        assertEquals(referenceCost(target, point, delta, proximalPoint), problem.cost(point), COST_TOLERANCE);

        DMatrixRMaj gradient = new DMatrixRMaj(dimension, numClasses);
        double cost = problem.costAndEuclideanGradient(point, gradient);
        assertEquals(problem.cost(point), cost, 0.0);
        DMatrixRMaj separateGradient = new DMatrixRMaj(dimension, numClasses);
        problem.euclideanGradient(point, separateGradient);
        assertEquals(0.0, TestMatrices.maxAbsDifference(gradient, separateGradient));

        DMatrixRMaj numericGradient = new DMatrixRMaj(dimension, numClasses);
        for (int index = 0; index < point.getNumElements(); index++) {
            final int entry = index;
            double original = point.data[entry];
            numericGradient.data[entry] = TestMatrices.fivePoint(step -> {
                point.data[entry] = original + step;
                double value = referenceCost(target, point, delta, proximalPoint);
                point.data[entry] = original;
                return value;
            }, STENCIL_STEP);
        }
        assertTrue(TestMatrices.relativeError(gradient, numericGradient) < DERIVATIVE_TOLERANCE);

        // Hessian: directional derivative of the gradient
        DMatrixRMaj direction = TestMatrices.gaussian(dimension, numClasses, random);
        DMatrixRMaj hessian = new DMatrixRMaj(dimension, numClasses);
        problem.euclideanHessian().orElseThrow().apply(point, direction, hessian);
        DMatrixRMaj numericHessian = new DMatrixRMaj(dimension, numClasses);
        DMatrixRMaj shifted = new DMatrixRMaj(dimension, numClasses);
        DMatrixRMaj shiftedGradient = new DMatrixRMaj(dimension, numClasses);
        double[] weights = {-1, 8, -8, 1};
        double[] steps = {2, 1, -1, -2};
        for (int term = 0; term < 4; term++) {
            CommonOps_DDRM.add(point, steps[term] * STENCIL_STEP, direction, shifted);
            problem.euclideanGradient(shifted, shiftedGradient);
            CommonOps_DDRM.addEquals(numericHessian, weights[term] / (12 * STENCIL_STEP), shiftedGradient);
        }
        assertTrue(TestMatrices.relativeError(hessian, numericHessian) < DERIVATIVE_TOLERANCE);
        DMatrixRMaj aliased = direction.copy();
        problem.euclideanHessian().orElseThrow().apply(point, aliased, aliased);
        assertEquals(0.0, TestMatrices.maxAbsDifference(hessian, aliased));
        // the right-multiplication factor of the dense backward: Hess f[V] = V S
        DMatrixRMaj factor = problem.euclideanHessianFactor(point, new DMatrixRMaj(numClasses, numClasses));
        DMatrixRMaj viaFactor = new DMatrixRMaj(dimension, numClasses);
        CommonOps_DDRM.mult(direction, factor, viaFactor);
        assertTrue(TestMatrices.relativeError(viaFactor, hessian) < COST_TOLERANCE);

        // mixed adjoint: grad over Ht of <grad_U f(U; Ht), w>
        DMatrixRMaj weight = TestMatrices.gaussian(dimension, numClasses, random);
        DMatrixRMaj adjoint = new DMatrixRMaj(dimension, numClasses);
        problem.mixedDerivativeAdjoint(point, weight, adjoint);
        DMatrixRMaj numericAdjoint = new DMatrixRMaj(dimension, numClasses);
        DMatrixRMaj perturbedTarget = target.copy();
        for (int index = 0; index < target.getNumElements(); index++) {
            final int entry = index;
            numericAdjoint.data[entry] = TestMatrices.fivePoint(step -> {
                perturbedTarget.data[entry] = target.data[entry] + step;
                problem.setTarget(perturbedTarget);
                problem.euclideanGradient(point, shiftedGradient);
                perturbedTarget.data[entry] = target.data[entry];
                return TestMatrices.dot(shiftedGradient, weight);
            }, STENCIL_STEP);
        }
        assertTrue(TestMatrices.relativeError(adjoint, numericAdjoint) < DERIVATIVE_TOLERANCE);
    }

    /**
     * Along the second-order polar retraction, {@code f(R(tV)) - f - t<grad, V>} is O(t^2) and
     * subtracting {@code (t^2/2)<Hess V, V>} leaves O(t^3) (Boumal 2023, sec. 6.8): the
     * log-log slopes check the Riemannian gradient and Hessian built from this problem's
     * Euclidean derivatives.
     */
    @ParameterizedTest
    @CsvSource({"12, 5, 1", "40, 10, 2"})
    void riemannianTaylorRemaindersHaveSlopesTwoAndThree(int dimension, int numClasses, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Stiefel<DMatrixRMaj> manifold = new Stiefel<>(kernels, dimension, numClasses,
                dev.stiefel.manifold.StiefelRetraction.POLAR);
        NearestEtfProblem<DMatrixRMaj> problem = new NearestEtfProblem<>(kernels, manifold, dimension, numClasses);
        DMatrixRMaj target = TestMatrices.gaussian(dimension, numClasses, random);
        problem.setTarget(target);
        problem.setProximal(0.05, TestMatrices.haarStiefel(dimension, numClasses, random));
        DMatrixRMaj point = TestMatrices.haarStiefel(dimension, numClasses, random);
        DMatrixRMaj direction = new DMatrixRMaj(dimension, numClasses);
        manifold.randomTangent(point, random, direction);
        DMatrixRMaj euclideanGradient = new DMatrixRMaj(dimension, numClasses);
        double cost = problem.costAndEuclideanGradient(point, euclideanGradient);
        DMatrixRMaj gradient = new DMatrixRMaj(dimension, numClasses);
        manifold.euclideanToRiemannianGradient(point, euclideanGradient, gradient);
        DMatrixRMaj euclideanHessian = new DMatrixRMaj(dimension, numClasses);
        problem.euclideanHessian().orElseThrow().apply(point, direction, euclideanHessian);
        DMatrixRMaj hessian = new DMatrixRMaj(dimension, numClasses);
        manifold.euclideanToRiemannianHessian(point, euclideanGradient, euclideanHessian, direction, hessian);
        double slope = manifold.inner(point, gradient, direction);
        double curvature = manifold.inner(point, hessian, direction);
        double[] steps = {1e-1, 1e-2};
        double[] firstOrder = new double[2];
        double[] secondOrder = new double[2];
        DMatrixRMaj step = new DMatrixRMaj(dimension, numClasses);
        DMatrixRMaj moved = new DMatrixRMaj(dimension, numClasses);
        for (int index = 0; index < 2; index++) {
            double t = steps[index];
            CommonOps_DDRM.scale(t, direction, step);
            manifold.retract(point, step, moved);
            double difference = problem.cost(moved) - cost - t * slope;
            firstOrder[index] = Math.abs(difference);
            secondOrder[index] = Math.abs(difference - 0.5 * t * t * curvature);
        }
        double gradientSlope = Math.log10(firstOrder[0] / firstOrder[1]);
        double hessianSlope = Math.log10(secondOrder[0] / secondOrder[1]);
        assertEquals(2.0, gradientSlope, TAYLOR_SLOPE_TOLERANCE);
        assertEquals(3.0, hessianSlope, TAYLOR_SLOPE_TOLERANCE);
    }

    @Test
    void procrustesMatrixMakesTheCostAffineInUOnTheManifold() {
        // on St(d, C): f(U) = const - <U, G>, so f(U1) - f(U2) = <U2 - U1, G>
        SplittableRandom random = new SplittableRandom(9);
        int dimension = 15;
        int numClasses = 6;
        NearestEtfProblem<DMatrixRMaj> problem = problem(dimension, numClasses);
        DMatrixRMaj target = TestMatrices.gaussian(dimension, numClasses, random);
        problem.setTarget(target);
        problem.setProximal(0.3, TestMatrices.haarStiefel(dimension, numClasses, random));
        DMatrixRMaj g = problem.procrustesMatrix(new DMatrixRMaj(dimension, numClasses));
        DMatrixRMaj first = TestMatrices.haarStiefel(dimension, numClasses, random);
        DMatrixRMaj second = TestMatrices.haarStiefel(dimension, numClasses, random);
        DMatrixRMaj difference = new DMatrixRMaj(dimension, numClasses);
        CommonOps_DDRM.subtract(second, first, difference);
        assertEquals(TestMatrices.dot(difference, g), problem.cost(first) - problem.cost(second), 1e-12);
    }

    @Test
    void badInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> problem(4, 5));
        assertThrows(IllegalArgumentException.class,
                () -> new NearestEtfProblem<>(kernels, Stiefel.onCpu(6, 3), 6, 1));
        assertThrows(IllegalArgumentException.class,
                () -> new NearestEtfProblem<>(kernels, new Stiefel<>(kernels, 7, 3,
                        dev.stiefel.manifold.StiefelRetraction.QR), 6, 3));
        NearestEtfProblem<DMatrixRMaj> problem = problem(6, 3);
        assertThrows(IllegalStateException.class, () -> problem.cost(new DMatrixRMaj(6, 3)));
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> problem.setTarget(new DMatrixRMaj(6, 4)));
        assertTrue(shape.getMessage().contains("6 x 3"), shape.getMessage());
        DMatrixRMaj nan = new DMatrixRMaj(6, 3);
        nan.set(2, 2, Double.NaN);
        assertThrows(IllegalArgumentException.class, () -> problem.setTarget(nan));
        DMatrixRMaj point = TestMatrices.haarStiefel(6, 3, new SplittableRandom(1));
        assertThrows(IllegalArgumentException.class, () -> problem.setProximal(0.0, point));
        assertThrows(IllegalArgumentException.class, () -> problem.setProximal(-1e-3, point));
        assertThrows(IllegalArgumentException.class, () -> problem.setProximal(Double.NaN, point));
        assertThrows(IllegalArgumentException.class, () -> problem.setProximal(1e-3, nan));
    }
}
