package dev.stiefel.djl.riemannian;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.tracker.Tracker;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
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
 * inverted by EJML and converted back on the device; every update, the in-place Euclidean one and
 * the manifold steps with their work array, is entry for entry the update rule written out in
 * allocating operations; the finite check finds a NaN or infinite entry anywhere and leaves weight
 * and moments as they were; a stored gradient is zeroed without leaving arrays behind.
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

    /** The settings of one optimiser under test. */
    private record Settings(String name, boolean adam, double momentum, double dampening, boolean nesterov,
            boolean amsgrad, float weightDecay) {

        RiemannianOptimizer build(String id, ManifoldConstraint constraint, float rate) {
            if (adam) {
                return RiemannianAdam.builder().setLearningRateTracker(Tracker.fixed(rate)).optAmsgrad(amsgrad)
                        .optWeightDecays(weightDecay).constrain(id, constraint).build();
            }
            return RiemannianSgd.builder().setLearningRateTracker(Tracker.fixed(rate)).optMomentum(momentum)
                    .optDampening(dampening).optNesterov(nesterov).optWeightDecays(weightDecay)
                    .constrain(id, constraint).build();
        }
    }

    /**
     * The update written out in allocating {@link NDArray} operations in the order of the formulas
     * (geoopt 0.5.0's {@code RiemannianSGD} and {@code RiemannianAdam}), through the constraint's
     * projection, retraction, transport and component-wise norm: the numbers the optimisers' update
     * must give entry for entry. {@code state} is (buffer) or (first moment, second moment, maximum).
     */
    private static NDArray formulaStep(Settings settings, ManifoldConstraint constraint, List<NDArray> state,
            int step, NDArray x, NDArray g, float rate) {
        NDIndex all = new NDIndex("...");
        NDArray decayed = settings.weightDecay() == 0 ? g : g.add(x.mul(settings.weightDecay()));
        NDArray r = constraint.riemannianGradient(x, decayed);
        if (settings.adam()) {
            NDArray m = state.get(0);
            NDArray v = state.get(1);
            m.muli(RiemannianAdam.DEFAULT_BETA1).addi(r.mul(1 - RiemannianAdam.DEFAULT_BETA1));
            v.muli(RiemannianAdam.DEFAULT_BETA2).addi(constraint.componentInner(x, r).mul(1 - RiemannianAdam.DEFAULT_BETA2));
            NDArray normaliser = v;
            if (settings.amsgrad()) {
                state.get(2).set(all, state.get(2).maximum(v));
                normaliser = state.get(2);
            }
            NDArray denominator = normaliser.div(1 - Math.pow(RiemannianAdam.DEFAULT_BETA2, step)).sqrt()
                    .add(RiemannianAdam.DEFAULT_EPSILON);
            NDArray direction = m.div(1 - Math.pow(RiemannianAdam.DEFAULT_BETA1, step)).div(denominator);
            NDArray y = constraint.retract(x, direction.mul(-(double) rate));
            m.set(all, constraint.transport(x, y, m));
            return y;
        }
        if (settings.momentum() == 0) {
            return constraint.retract(x, r.mul(-(double) rate));
        }
        NDArray b = state.get(0);
        if (step == 1) {
            b.set(all, g);
        }
        b.muli(settings.momentum()).addi(r.mul(1 - settings.dampening()));
        NDArray direction = settings.nesterov() ? r.add(b.mul(settings.momentum())) : b;
        NDArray y = constraint.retract(x, direction.mul(-(double) rate));
        b.set(all, constraint.transport(x, y, b));
        return y;
    }

    @Test
    void updatesGiveTheFormulasNumbersEntryForEntry() {
        List<Settings> variants = List.of(
                new Settings("SGD", false, 0, 0, false, false, 0f),
                new Settings("SGD with momentum", false, 0.9, 0, false, false, 0f),
                new Settings("SGD with dampened momentum and weight decay", false, 0.9, 0.25, false, false, 0.01f),
                new Settings("SGD with Nesterov momentum", false, 0.8, 0, true, false, 0f),
                new Settings("Adam", true, 0, 0, false, false, 0f),
                new Settings("AMSGrad with weight decay", true, 0, 0, false, true, 0.01f));
        ManifoldConstraint[] constraints = {ManifoldConstraint.euclidean(), ManifoldConstraint.stiefelRows(),
            ManifoldConstraint.stiefelColumns(), ManifoldConstraint.obliqueRows(), ManifoldConstraint.sphere()};
        float rate = 0.05f;
        for (Settings settings : variants) {
            for (ManifoldConstraint constraint : constraints) {
                for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
                    Shape shape = constraint == ManifoldConstraint.stiefelColumns() ? new Shape(11, 4) : new Shape(4, 11);
                    NDArray weight = point(constraint, shape, type);
                    NDArray expected = weight.duplicate();
                    Shape component = constraint.componentShape(shape);
                    List<NDArray> state = List.of(manager.zeros(shape, type), manager.zeros(component, type),
                            manager.zeros(component, type));
                    try (RiemannianOptimizer optimizer = settings.build("w", constraint, rate)) {
                        // a larger parameter of the same type first, so the work buffer is larger than this one
                        optimizer.update("large", gaussian(new Shape(9, 13), 1.0, type), gaussian(new Shape(9, 13), 1.0,
                                type));
                        for (int step = 1; step <= 3; step++) {
                            NDArray gradient = gaussian(shape, 0.5, type);
                            optimizer.update("w", weight, gradient);
                            expected.set(new NDIndex("..."), formulaStep(settings, constraint, state, step, expected,
                                    gradient, rate));
                            assertArrayEquals(HostArrays.toDoubles(expected), HostArrays.toDoubles(weight), 0.0,
                                    settings.name() + ", " + constraint + ", " + type + ", step " + step);
                        }
                    }
                }
            }
        }
    }

    /** {@code x - eta g} written into a weight that has a stored gradient, which is zeroed, repeatedly without leaks. */
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
        try (RiemannianSgd sgd = RiemannianSgd.builder().setLearningRateTracker(Tracker.fixed(0.25f)).build()) {
            try (NDArray gradient = weight.getGradient()) {
                sgd.update("w", weight, gradient);
            }
            double[] updated = weight.toDoubleArray();
            for (int k = 0; k < x.length; k++) {
                assertEquals(x[k] - 0.25 * g[k], updated[k], 1e-15);
            }
            try (NDArray stored = weight.getGradient()) {
                assertArrayEquals(new double[x.length], stored.toDoubleArray(), 0.0, "stored gradient zeroed");
            }
            int arrays = manager.getManagedArrays().size();
            for (int step = 0; step < 5; step++) {
                sgd.update("w", weight, coefficients);
            }
            assertEquals(arrays, manager.getManagedArrays().size(), "arrays held by the weight's manager");
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
