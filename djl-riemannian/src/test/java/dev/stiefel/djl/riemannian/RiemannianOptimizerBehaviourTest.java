package dev.stiefel.djl.riemannian;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.NativeResource;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the optimisers promise besides the update rule: state freed by {@code close()}, weights
 * written in place with their stored gradient zeroed, no leaked temporaries, the Euclidean
 * update for unconstrained parameters (in closed form), DJL's rescaling and clipping, and clear
 * exceptions for a parameter off its manifold, a shape that does not fit, a non-finite gradient
 * and settings geoopt rejects.
 */
class RiemannianOptimizerBehaviourTest {

    private static final double TOLERANCE = 1e-13;
    private static final float LEARNING_RATE = 0.1f;

    private NDManager manager;
    private final SplittableRandom random = new SplittableRandom(5);

    @BeforeEach
    void openManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    private NDArray stiefelPoint(int n, int p) {
        return Matrices.create(manager, GeooptReference.qrPositive(Matrices.gaussian(n, p, random)), DataType.FLOAT64);
    }

    private NDArray gaussian(int rows, int cols) {
        return Matrices.create(manager, Matrices.gaussian(rows, cols, random), DataType.FLOAT64);
    }

    private static RiemannianSgd sgd(String id, ManifoldConstraint constraint) {
        return RiemannianSgd.builder().setLearningRateTracker(Tracker.fixed(LEARNING_RATE)).constrain(id, constraint)
                .build();
    }

    @Test
    void closingTheOptimizerFreesItsState() {
        RiemannianAdam adam = RiemannianAdam.builder().optAmsgrad(true)
                .constrain("stiefel", ManifoldConstraint.stiefelColumns()).build();
        NDArray stiefel = stiefelPoint(6, 2);
        NDArray euclidean = gaussian(3, 3);
        for (int step = 0; step < 2; step++) {
            adam.update("stiefel", stiefel, gaussian(6, 2));
            adam.update("free", euclidean, gaussian(3, 3));
        }
        List<NDArray> state = adam.stateArrays();
        assertEquals(6, state.size(), "first moment, second moment and its maximum for each parameter");
        for (NDArray array : state) {
            assertFalse(((NativeResource<?>) array).isReleased());
        }
        adam.close();
        for (NDArray array : state) {
            assertTrue(((NativeResource<?>) array).isReleased(), "state array freed by close()");
        }
        assertTrue(adam.stateArrays().isEmpty());
        adam.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class,
                () -> adam.update("stiefel", stiefel, gaussian(6, 2)));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
    }

    @Test
    void theWeightIsWrittenInPlaceAndItsGradientZeroed() {
        NDArray weight = stiefelPoint(5, 2);
        double[] before = weight.toDoubleArray();
        weight.setRequiresGradient(true);
        NDArray coefficients = gaussian(5, 2);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(weight.mul(coefficients).sum());
        }
        try (RiemannianSgd sgd = sgd("w", ManifoldConstraint.stiefelColumns());
                NDArray gradient = weight.getGradient()) {
            assertArrayEquals(coefficients.toDoubleArray(), gradient.toDoubleArray(), 0.0);
            sgd.update("w", weight, gradient);
        }
        assertNotEquals(before[0], weight.toDoubleArray()[0], "the weight moved");
        assertTrue(ManifoldConstraint.stiefelColumns().defect(weight) < TOLERANCE);
        try (NDArray stored = weight.getGradient()) {
            assertArrayEquals(new double[10], stored.toDoubleArray(), 0.0, "stored gradient zeroed");
        }
    }

    @Test
    void updatesLeaveNoTemporariesBehind() {
        NDArray weight = stiefelPoint(8, 3);
        NDArray gradient = gaussian(8, 3);
        try (RiemannianSgd sgd = RiemannianSgd.builder().setLearningRateTracker(Tracker.fixed(LEARNING_RATE))
                .optMomentum(0.9).optNesterov(true).optWeightDecays(0.01f).setRescaleGrad(0.5f).optClipGrad(1f)
                .constrain("w", ManifoldConstraint.stiefelColumns()).build()) {
            sgd.update("w", weight, gradient);
            int arrays = manager.getManagedArrays().size();
            for (int step = 0; step < 50; step++) {
                sgd.update("w", weight, gradient);
            }
            assertEquals(arrays, manager.getManagedArrays().size(), "arrays held by the weight's manager");
        }
    }

    /** SGD: {@code x - eta g}; the first Adam step: {@code x - eta g / (|g| + eps)} entry by entry. */
    @Test
    void unconstrainedParametersGetTheEuclideanUpdate() {
        NDArray weight = gaussian(3, 4);
        NDArray gradient = gaussian(3, 4);
        double[] x = weight.toDoubleArray();
        double[] g = gradient.toDoubleArray();
        double eta = LEARNING_RATE;
        try (RiemannianSgd sgd = sgd("other", ManifoldConstraint.stiefelColumns())) {
            sgd.update("w", weight, gradient);
        }
        double[] afterSgd = weight.toDoubleArray();
        for (int k = 0; k < x.length; k++) {
            assertEquals(x[k] - eta * g[k], afterSgd[k], TOLERANCE);
        }
        try (RiemannianAdam adam = RiemannianAdam.builder().setLearningRateTracker(Tracker.fixed(LEARNING_RATE))
                .build()) {
            adam.update("w", weight, gradient);
        }
        double[] afterAdam = weight.toDoubleArray();
        for (int k = 0; k < x.length; k++) {
            double expected = afterSgd[k] - eta * g[k] / (Math.abs(g[k]) + RiemannianAdam.DEFAULT_EPSILON);
            assertEquals(expected, afterAdam[k], TOLERANCE);
        }
    }

    @Test
    void gradientsAreRescaledAndClippedFirst() {
        NDArray start = stiefelPoint(6, 3);
        NDArray gradient = gaussian(6, 3).mul(3);
        NDArray rescaled = start.duplicate();
        try (RiemannianSgd sgd = RiemannianSgd.builder().setLearningRateTracker(Tracker.fixed(LEARNING_RATE))
                .setRescaleGrad(0.25f).optClipGrad(0.5f).constrain("w", ManifoldConstraint.stiefelColumns()).build()) {
            sgd.update("w", rescaled, gradient);
        }
        NDArray explicit = start.duplicate();
        try (RiemannianSgd sgd = sgd("w", ManifoldConstraint.stiefelColumns())) {
            sgd.update("w", explicit, gradient.mul(0.25).clip(-0.5, 0.5));
        }
        assertArrayEquals(explicit.toDoubleArray(), rescaled.toDoubleArray(), TOLERANCE);
    }

    @Test
    void aParameterOffItsManifoldIsRejectedAtItsFirstUpdate() {
        NDArray weight = gaussian(6, 3);
        double[] before = weight.toDoubleArray();
        try (RiemannianAdam adam = RiemannianAdam.builder().constrain("w", ManifoldConstraint.stiefelColumns())
                .build()) {
            IllegalStateException error = assertThrows(IllegalStateException.class,
                    () -> adam.update("w", weight, gaussian(6, 3)));
            assertTrue(error.getMessage().contains("not on Stiefel") && error.getMessage().contains("ManifoldInitializer"),
                    error.getMessage());
        }
        assertArrayEquals(before, weight.toDoubleArray(), 0.0);
    }

    @Test
    void shapesThatDoNotFitAreRejectedWithTheParametersName() {
        try (RiemannianSgd sgd = sgd("w", ManifoldConstraint.stiefelColumns())) {
            IllegalArgumentException wide = assertThrows(IllegalArgumentException.class,
                    () -> sgd.update("w", stiefelPoint(7, 3).transpose(), gaussian(3, 7)));
            assertTrue(wide.getMessage().contains("stiefelRows"), wide.getMessage());
            assertThrows(IllegalArgumentException.class, () -> sgd.update("w", stiefelPoint(7, 3), gaussian(3, 7)));
        }
        Parameter parameter = Parameter.builder().setName("classifier").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(10, 4)).build();
        IllegalArgumentException early = assertThrows(IllegalArgumentException.class,
                () -> RiemannianSgd.builder().constrain(parameter, ManifoldConstraint.stiefelRows()));
        assertTrue(early.getMessage().contains("'classifier'"), early.getMessage());
        try (RiemannianSgd sgd = sgd("w", ManifoldConstraint.euclidean())) {
            NDArray half = gaussian(2, 2).toType(DataType.FLOAT16, false);
            assertThrows(IllegalArgumentException.class, () -> sgd.update("w", half, half));
        }
    }

    @Test
    void aNonFiniteGradientIsRejectedAndTheWeightKept() {
        NDArray weight = stiefelPoint(5, 2);
        double[] before = weight.toDoubleArray();
        double[] bad = gaussian(5, 2).toDoubleArray();
        bad[3] = Double.NaN;
        try (RiemannianAdam adam = RiemannianAdam.builder().constrain("w", ManifoldConstraint.stiefelColumns())
                .build()) {
            ArithmeticException error = assertThrows(ArithmeticException.class,
                    () -> adam.update("w", weight, manager.create(bad, new Shape(5, 2))));
            assertTrue(error.getMessage().contains("NaN or infinite"), error.getMessage());
            bad[3] = Double.POSITIVE_INFINITY;
            assertThrows(ArithmeticException.class, () -> adam.update("w", weight, manager.create(bad, new Shape(5, 2))));
        }
        assertArrayEquals(before, weight.toDoubleArray(), 0.0);
    }

    @Test
    void settingsGeooptRejectsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> RiemannianSgd.builder().build(), "no learning rate");
        assertThrows(IllegalArgumentException.class, () -> RiemannianSgd.builder()
                .setLearningRateTracker(Tracker.fixed(LEARNING_RATE)).optNesterov(true).build());
        assertThrows(IllegalArgumentException.class, () -> RiemannianSgd.builder()
                .setLearningRateTracker(Tracker.fixed(LEARNING_RATE)).optMomentum(0.9).optDampening(0.1)
                .optNesterov(true).build());
        assertThrows(IllegalArgumentException.class, () -> RiemannianSgd.builder()
                .setLearningRateTracker(Tracker.fixed(LEARNING_RATE)).optMomentum(-0.1).build());
        assertThrows(IllegalArgumentException.class, () -> RiemannianAdam.builder().optWeightDecays(-1f).build());
        assertThrows(IllegalArgumentException.class, () -> RiemannianAdam.builder().optBeta1(1.0).build());
        assertThrows(IllegalArgumentException.class, () -> RiemannianAdam.builder().optEpsilon(-1e-8).build());
        assertThrows(IllegalArgumentException.class, () -> RiemannianAdam.builder()
                .constrain("w", ManifoldConstraint.sphere()).constrain("w", ManifoldConstraint.obliqueRows()));
        try (RiemannianSgd negative = RiemannianSgd.builder().setLearningRateTracker(Tracker.fixed(-1f)).build()) {
            NDArray weight = gaussian(2, 2);
            assertThrows(IllegalArgumentException.class, () -> negative.update("w", weight, gaussian(2, 2)));
        }
    }

    @Test
    void parametersAreFoundByTheirNameInTheBlock() {
        SequentialBlock block = new SequentialBlock().add(Linear.builder().setUnits(8).build())
                .add(Linear.builder().setUnits(3).build());
        Parameter classifier = block.getChildren().get(1).getValue().getParameters().get("weight");
        try (RiemannianSgd sgd = RiemannianSgd.builder().setLearningRateTracker(Tracker.fixed(LEARNING_RATE))
                .constrain(block, "02Linear_weight", ManifoldConstraint.obliqueRows()).build()) {
            assertSame(ManifoldConstraint.obliqueRows(), sgd.constraint(classifier.getId()));
        }
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> RiemannianSgd.builder()
                .constrain(block, "classifier", ManifoldConstraint.obliqueRows()));
        assertTrue(missing.getMessage().contains("02Linear_weight"), missing.getMessage());
    }

    @Test
    void theConstraintOfAParameterIsTheRegisteredOneOrEuclidean() {
        try (RiemannianSgd sgd = sgd("w", ManifoldConstraint.obliqueRows())) {
            assertSame(ManifoldConstraint.obliqueRows(), sgd.constraint("w"));
            assertSame(ManifoldConstraint.euclidean(), sgd.constraint("bias"));
            assertEquals(1, sgd.constraints().size());
        }
    }
}
