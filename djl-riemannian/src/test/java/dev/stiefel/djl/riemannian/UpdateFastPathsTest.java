package dev.stiefel.djl.riemannian;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.tracker.Tracker;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.decomposition.TriangularSolver_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cheaper routes of an update give the numbers of the plain ones: the Stiefel retraction is,
 * entry for entry, Cholesky QR twice with the Gram matrix converted to float64, factored and
 * inverted by EJML and converted back on the device; the in-place Euclidean update is, entry for
 * entry, the general manifold step with identity projection and transport; the one-reduction
 * finite check finds a NaN or infinite entry anywhere and leaves weight and moments as they were.
 */
class UpdateFastPathsTest {

    private final SplittableRandom random = new SplittableRandom(17);
    private NDManager manager;

    @BeforeEach
    void openManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    private NDArray gaussian(Shape shape, double scale, DataType type) {
        double[] data = new double[Math.toIntExact(shape.size())];
        for (int k = 0; k < data.length; k++) {
            data[k] = scale * random.nextGaussian();
        }
        return manager.create(data, shape).toType(type, false);
    }

    private NDArray point(ManifoldConstraint constraint, Shape shape, DataType type) {
        return manager.create(constraint.randomPoint(shape, random.split()), shape).toType(type, false);
    }

    /** Cholesky QR twice of the columns of {@code z}, each Gram matrix factored by EJML in float64. */
    private static NDArray choleskyQr2WithEjml(NDArray z) {
        int p = Math.toIntExact(z.getShape().get(1));
        NDArray q = z;
        for (int pass = 0; pass < 2; pass++) {
            double[] gram = q.transpose().matMul(q).toType(DataType.FLOAT64, false).toDoubleArray();
            CholeskyDecomposition_F64<DMatrixRMaj> cholesky = DecompositionFactory_DDRM.chol(p, true);
            if (!cholesky.decompose(DMatrixRMaj.wrap(p, p, gram))) {
                throw new ArithmeticException("not positive definite");
            }
            DMatrixRMaj lower = cholesky.getT(null);
            TriangularSolver_DDRM.invertLower(lower.data, p);
            double[] inverse = CommonOps_DDRM.transpose(lower, null).data;
            NDArray rInverse = z.getManager().create(inverse, new Shape(p, p)).toType(z.getDataType(), false);
            q = q.matMul(rInverse);
        }
        return q;
    }

    @Test
    void stiefelRetractionIsCholeskyQr2WithEjmlEntryForEntry() {
        for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
            for (boolean rows : new boolean[] {false, true}) {
                ManifoldConstraint shared = rows ? ManifoldConstraint.stiefelRows() : ManifoldConstraint.stiefelColumns();
                Shape shape = rows ? new Shape(9, 31) : new Shape(31, 9);
                ManifoldConstraint perParameter = shared.forParameter(shape);
                assertNotSame(shared, perParameter);
                assertEquals(shared.name(), perParameter.name());
                for (double length : new double[] {1e-3, 0.3, 2.0}) {
                    NDArray x = point(shared, shape, type);
                    NDArray v = shared.projectToTangent(x, gaussian(shape, length, type));
                    NDArray sum = x.add(v);
                    NDArray expected = rows ? choleskyQr2WithEjml(sum.transpose()).transpose() : choleskyQr2WithEjml(sum);
                    String where = type + (rows ? " rows" : " columns") + ", |v| ~ " + length;
                    assertArrayEquals(HostArrays.toDoubles(expected), HostArrays.toDoubles(shared.retract(x, v)), 0.0,
                            where + ", shared constraint");
                    assertArrayEquals(HostArrays.toDoubles(expected), HostArrays.toDoubles(perParameter.retract(x, v)),
                            0.0, where + ", per-parameter constraint");
                }
            }
        }
    }

    /** The Euclidean space with the general manifold step: {@link ManifoldConstraint#isEuclidean()} false. */
    private static final class EuclideanThroughTheGeneralStep implements ManifoldConstraint {

        private final ManifoldConstraint euclidean = ManifoldConstraint.euclidean();

        @Override
        public String name() {
            return "Euclidean through the general step";
        }

        @Override
        public void checkShape(Shape shape) {
            euclidean.checkShape(shape);
        }

        @Override
        public Shape componentShape(Shape shape) {
            return euclidean.componentShape(shape);
        }

        @Override
        public NDArray projectToTangent(NDArray point, NDArray vector) {
            return euclidean.projectToTangent(point, vector);
        }

        @Override
        public NDArray retract(NDArray point, NDArray tangent) {
            return euclidean.retract(point, tangent);
        }

        @Override
        public NDArray transport(NDArray from, NDArray to, NDArray vector) {
            return euclidean.transport(from, to, vector);
        }

        @Override
        public NDArray componentInner(NDArray point, NDArray tangent) {
            return euclidean.componentInner(point, tangent);
        }

        @Override
        public double defect(NDArray point) {
            return euclidean.defect(point);
        }

        @Override
        public double[] randomPoint(Shape shape, RandomGenerator random) {
            return euclidean.randomPoint(shape, random);
        }
    }

    /** Runs both optimisers on copies of one weight with the same gradients and compares every entry. */
    private void assertSameUpdates(String what, Supplier<RiemannianOptimizer.Builder<?>> settings) {
        for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
            Shape shape = new Shape(7, 5);
            NDArray start = gaussian(shape, 1.0, type);
            NDArray inPlace = start.duplicate();
            NDArray general = start.duplicate();
            RiemannianOptimizer.Builder<?> generalSettings = settings.get();
            generalSettings.constrain("w", new EuclideanThroughTheGeneralStep());
            try (RiemannianOptimizer fast = build(settings.get()); RiemannianOptimizer plain = build(generalSettings)) {
                assertSame(ManifoldConstraint.euclidean(), fast.constraint("w"));
                for (int step = 1; step <= 4; step++) {
                    NDArray gradient = gaussian(shape, 0.5, type);
                    fast.update("w", inPlace, gradient);
                    plain.update("w", general, gradient);
                    assertArrayEquals(HostArrays.toDoubles(general), HostArrays.toDoubles(inPlace), 0.0,
                            what + ", " + type + ", step " + step);
                }
                List<NDArray> fastState = fast.stateArrays();
                List<NDArray> plainState = plain.stateArrays();
                assertEquals(plainState.size(), fastState.size());
                for (int k = 0; k < fastState.size(); k++) {
                    assertArrayEquals(HostArrays.toDoubles(plainState.get(k)), HostArrays.toDoubles(fastState.get(k)),
                            0.0, what + ", " + type + ", state array " + k);
                }
            }
        }
    }

    private static RiemannianOptimizer build(RiemannianOptimizer.Builder<?> builder) {
        return builder instanceof RiemannianSgd.Builder sgd ? sgd.build() : ((RiemannianAdam.Builder) builder).build();
    }

    @Test
    void euclideanUpdateInPlaceGivesTheGeneralStepsNumbers() {
        Tracker rate = Tracker.fixed(0.05f);
        assertSameUpdates("SGD", () -> RiemannianSgd.builder().setLearningRateTracker(rate));
        assertSameUpdates("SGD with momentum", () -> RiemannianSgd.builder().setLearningRateTracker(rate)
                .optMomentum(0.9));
        assertSameUpdates("SGD with dampened momentum", () -> RiemannianSgd.builder().setLearningRateTracker(rate)
                .optMomentum(0.9).optDampening(0.25));
        assertSameUpdates("SGD with Nesterov momentum and weight decay", () -> RiemannianSgd.builder()
                .setLearningRateTracker(rate).optMomentum(0.8).optNesterov(true).optWeightDecays(0.01f));
        assertSameUpdates("SGD with weight decay, rescaling and clipping", () -> RiemannianSgd.builder()
                .setLearningRateTracker(rate).optWeightDecays(0.1f).setRescaleGrad(0.5f).optClipGrad(0.3f));
        assertSameUpdates("Adam", () -> RiemannianAdam.builder().setLearningRateTracker(rate));
        assertSameUpdates("AMSGrad with weight decay", () -> RiemannianAdam.builder().setLearningRateTracker(rate)
                .optAmsgrad(true).optWeightDecays(0.01f).optBeta1(0.8));
    }

    /** {@code x - eta g} written into a weight that has a stored gradient, which is zeroed. */
    @Test
    void aEuclideanWeightWithAGradientIsUpdatedInPlaceAndItsGradientZeroed() {
        NDArray weight = gaussian(new Shape(4, 3), 1.0, DataType.FLOAT64);
        double[] x = weight.toDoubleArray();
        weight.setRequiresGradient(true);
        NDArray coefficients = gaussian(new Shape(4, 3), 1.0, DataType.FLOAT64);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(weight.mul(coefficients).sum());
        }
        double[] g = coefficients.toDoubleArray();
        try (RiemannianSgd sgd = RiemannianSgd.builder().setLearningRateTracker(Tracker.fixed(0.25f)).build();
                NDArray gradient = weight.getGradient()) {
            sgd.update("w", weight, gradient);
        }
        double[] updated = weight.toDoubleArray();
        for (int k = 0; k < x.length; k++) {
            assertEquals(x[k] - 0.25 * g[k], updated[k], 1e-15);
        }
        try (NDArray stored = weight.getGradient()) {
            assertArrayEquals(new double[x.length], stored.toDoubleArray(), 0.0, "stored gradient zeroed");
        }
    }

    @Test
    void aNonFiniteEntryAnywhereIsFoundAndNothingChanges() {
        Shape shape = new Shape(6, 37);
        int[] positions = {0, 17, 6 * 37 / 2, 6 * 37 - 1};
        for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
            NDArray euclidean = gaussian(shape, 1.0, type);
            NDArray stiefel = point(ManifoldConstraint.stiefelRows(), shape, type);
            try (RiemannianAdam adam = RiemannianAdam.builder().optAmsgrad(true)
                    .constrain("stiefel", ManifoldConstraint.stiefelRows()).build()) {
                adam.update("free", euclidean, gaussian(shape, 1.0, type));
                adam.update("stiefel", stiefel, gaussian(shape, 1.0, type));
                List<double[]> before = snapshot(adam, euclidean, stiefel);
                for (int position : positions) {
                    for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
                        double[] entries = HostArrays.toDoubles(gaussian(shape, 1e-3, DataType.FLOAT64));
                        entries[position] = bad;
                        NDArray gradient = manager.create(entries, shape).toType(type, false);
                        for (String id : new String[] {"free", "stiefel"}) {
                            NDArray weight = id.equals("free") ? euclidean : stiefel;
                            ArithmeticException error = assertThrows(ArithmeticException.class,
                                    () -> adam.update(id, weight, gradient), type + " " + bad + " at " + position);
                            assertEquals("the gradient of parameter " + id
                                    + " has a NaN or infinite entry; the parameter was left unchanged", error.getMessage());
                        }
                    }
                }
                List<double[]> after = snapshot(adam, euclidean, stiefel);
                for (int k = 0; k < before.size(); k++) {
                    assertArrayEquals(before.get(k), after.get(k), 0.0, type + ": array " + k);
                }
            }
        }
    }

    private static List<double[]> snapshot(RiemannianOptimizer optimizer, NDArray... weights) {
        List<double[]> arrays = new ArrayList<>();
        for (NDArray weight : weights) {
            arrays.add(HostArrays.toDoubles(weight));
        }
        for (NDArray state : optimizer.stateArrays()) {
            arrays.add(HostArrays.toDoubles(state));
        }
        return arrays;
    }

    @Test
    void theFastRoutesLeaveNoTemporariesBehind() {
        Shape shape = new Shape(5, 12);
        NDArray euclidean = gaussian(shape, 1.0, DataType.FLOAT32);
        NDArray stiefel = point(ManifoldConstraint.stiefelRows(), shape, DataType.FLOAT32);
        try (RiemannianAdam adam = RiemannianAdam.builder().optAmsgrad(true).optWeightDecays(0.01f)
                .constrain("stiefel", ManifoldConstraint.stiefelRows()).build();
                RiemannianSgd sgd = RiemannianSgd.builder().setLearningRateTracker(Tracker.fixed(0.01f))
                        .optMomentum(0.9).optNesterov(true).build()) {
            NDArray gradient = gaussian(shape, 0.1, DataType.FLOAT32);
            adam.update("free", euclidean, gradient);
            adam.update("stiefel", stiefel, gradient);
            sgd.update("free", euclidean, gradient);
            int arrays = manager.getManagedArrays().size();
            for (int step = 0; step < 20; step++) {
                adam.update("free", euclidean, gradient);
                adam.update("stiefel", stiefel, gradient);
                sgd.update("free", euclidean, gradient);
            }
            assertEquals(arrays, manager.getManagedArrays().size(), "arrays held by the weights' manager");
        }
    }
}
