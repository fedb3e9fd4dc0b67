package dev.stiefel.djl.riemannian;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.tracker.Tracker;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Four steps of each optimiser, in float64 on fixed inputs, equal the update of geoopt 0.5.0
 * (github.com/geoopt/geoopt, tag v0.5.0: {@code geoopt/optim/rsgd.py}, {@code RiemannianSGD.step};
 * {@code geoopt/optim/radam.py}, {@code RiemannianAdam.step}) as transcribed in plain Java by
 * {@link GeooptReference}: SGD without momentum, with dampened momentum, with Nesterov momentum
 * and weight decay; Adam; AMSGrad with weight decay. Each runs on Stiefel (orthonormal columns,
 * and rows through geoopt's Stiefel on the transpose), on the oblique manifold (unit rows:
 * geoopt's {@code Sphere} on a matrix; unit columns: the same on the transpose) and in the
 * Euclidean space. The gradients change scale from step to step, so the momentum's transport,
 * the bias corrections and AMSGrad's running maximum all matter after the first step.
 */
class GeooptTranscriptionTest {

    /** Entries are of order one; the two computations differ by rounding only. */
    private static final double TRANSCRIPTION_TOLERANCE = 1e-12;
    private static final float LEARNING_RATE = 0.05f;
    private static final float WEIGHT_DECAY = 0.01f;
    private static final double[] GRADIENT_SCALES = {2.0, 0.3, 1.0, 0.1};

    /** An optimiser of this module and the transcribed step with the same settings. */
    private enum Method {
        SGD(0, 0, false, false),
        SGD_DAMPENED_MOMENTUM(0.5, 0.25, false, false),
        SGD_NESTEROV_WEIGHT_DECAY(0.9, 0, true, true),
        ADAM(0, 0, false, false),
        AMSGRAD_WEIGHT_DECAY(0, 0, false, true);

        final double momentum;
        final double dampening;
        final boolean nesterov;
        final boolean weightDecay;

        Method(double momentum, double dampening, boolean nesterov, boolean weightDecay) {
            this.momentum = momentum;
            this.dampening = dampening;
            this.nesterov = nesterov;
            this.weightDecay = weightDecay;
        }

        boolean adam() {
            return name().startsWith("ADAM") || name().startsWith("AMSGRAD");
        }

        RiemannianOptimizer optimizer(String parameterId, ManifoldConstraint constraint) {
            float decay = weightDecay ? WEIGHT_DECAY : 0f;
            if (adam()) {
                return RiemannianAdam.builder().setLearningRateTracker(Tracker.fixed(LEARNING_RATE))
                        .optAmsgrad(this == AMSGRAD_WEIGHT_DECAY).optWeightDecays(decay)
                        .constrain(parameterId, constraint).build();
            }
            return RiemannianSgd.builder().setLearningRateTracker(Tracker.fixed(LEARNING_RATE)).optMomentum(momentum)
                    .optDampening(dampening).optNesterov(nesterov).optWeightDecays(decay)
                    .constrain(parameterId, constraint).build();
        }

        /** The transcription's step as a function of (manifold, point, gradient). */
        Stepper reference() {
            double lr = LEARNING_RATE;
            double decay = weightDecay ? WEIGHT_DECAY : 0f;
            if (adam()) {
                GeooptReference.Adam adam = new GeooptReference.Adam(lr, RiemannianAdam.DEFAULT_BETA1,
                        RiemannianAdam.DEFAULT_BETA2, RiemannianAdam.DEFAULT_EPSILON, decay, this == AMSGRAD_WEIGHT_DECAY);
                return adam::step;
            }
            GeooptReference.Sgd sgd = new GeooptReference.Sgd(lr, momentum, dampening, decay, nesterov);
            return sgd::step;
        }
    }

    private interface Stepper {
        double[][] step(GeooptReference.Manifold manifold, double[][] point, double[][] grad);
    }

    /** A constraint of this module, geoopt's manifold, and whether geoopt sees the transpose. */
    private enum Geometry {
        STIEFEL_COLUMNS(ManifoldConstraint.stiefelColumns(), GeooptReference.STIEFEL, false, 6, 3),
        STIEFEL_ROWS(ManifoldConstraint.stiefelRows(), GeooptReference.STIEFEL, true, 3, 6),
        OBLIQUE_ROWS(ManifoldConstraint.obliqueRows(), GeooptReference.SPHERE_ROWS, false, 4, 5),
        OBLIQUE_COLUMNS(ManifoldConstraint.obliqueColumns(), GeooptReference.SPHERE_ROWS, true, 5, 4),
        EUCLIDEAN(ManifoldConstraint.euclidean(), GeooptReference.EUCLIDEAN, false, 4, 3);

        final ManifoldConstraint constraint;
        final GeooptReference.Manifold manifold;
        final boolean transposed;
        final int rows;
        final int cols;

        Geometry(ManifoldConstraint constraint, GeooptReference.Manifold manifold, boolean transposed, int rows,
                int cols) {
            this.constraint = constraint;
            this.manifold = manifold;
            this.transposed = transposed;
            this.rows = rows;
            this.cols = cols;
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(Method.values()).flatMap(method -> Stream.of(Geometry.values())
                .map(geometry -> Arguments.of(method, geometry)));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void stepsEqualGeoopt(Method method, Geometry geometry) {
        SplittableRandom random = new SplittableRandom(20250101L + 31L * method.ordinal() + geometry.ordinal());
        double[][] start = startPoint(geometry, random);
        UnaryOperator<double[][]> toGeoopt = geometry.transposed ? Matrices::transpose : UnaryOperator.identity();
        Stepper reference = method.reference();
        double[][] expected = toGeoopt.apply(start);
        try (NDManager manager = NDManager.newBaseManager();
                RiemannianOptimizer optimizer = method.optimizer("w", geometry.constraint)) {
            NDArray weight = Matrices.create(manager, start, DataType.FLOAT64);
            for (int step = 0; step < GRADIENT_SCALES.length; step++) {
                double[][] gradient = GeooptReference.scale(GRADIENT_SCALES[step],
                        Matrices.gaussian(geometry.rows, geometry.cols, random));
                expected = reference.step(geometry.manifold, expected, toGeoopt.apply(gradient));
                try (NDArray grad = Matrices.create(manager, gradient, DataType.FLOAT64)) {
                    optimizer.update("w", weight, grad);
                }
                double difference = Matrices.maxDifference(toGeoopt.apply(expected), Matrices.read(weight));
                int number = step + 1;
                assertTrue(difference <= TRANSCRIPTION_TOLERANCE,
                        () -> "step " + number + ": max |x - x_geoopt| = " + difference);
            }
        }
    }

    /** A point of the manifold drawn without this module: QR of a Gaussian, or normalised rows or columns. */
    private static double[][] startPoint(Geometry geometry, SplittableRandom random) {
        double[][] gaussian = Matrices.gaussian(geometry.rows, geometry.cols, random);
        return switch (geometry) {
            case STIEFEL_COLUMNS -> GeooptReference.qrPositive(gaussian);
            case STIEFEL_ROWS -> Matrices.transpose(GeooptReference.qrPositive(Matrices.transpose(gaussian)));
            case OBLIQUE_ROWS -> GeooptReference.SPHERE_ROWS.retr(gaussian, new double[geometry.rows][geometry.cols]);
            case OBLIQUE_COLUMNS -> Matrices.transpose(GeooptReference.SPHERE_ROWS.retr(Matrices.transpose(gaussian),
                    new double[geometry.cols][geometry.rows]));
            case EUCLIDEAN -> gaussian;
        };
    }
}
