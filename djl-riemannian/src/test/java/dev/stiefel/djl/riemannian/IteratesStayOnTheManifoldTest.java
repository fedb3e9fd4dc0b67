package dev.stiefel.djl.riemannian;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.tracker.Tracker;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * After {@value #STEPS} updates with random gradients and large steps, every iterate is still on
 * its manifold, measured independently in float64 on the host: {@code ||X^T X - I||_F} (or
 * {@code ||X X^T - I||_F}) for Stiefel, the largest {@code | ||x_j|| - 1 |} for the oblique
 * manifold, and the iterate has travelled far from its start.
 */
class IteratesStayOnTheManifoldTest {

    private static final int STEPS = 1000;
    /** Float64 iterates: orthonormal to rounding after 1000 retractions. */
    private static final double FLOAT64_DEFECT = 1e-12;
    /** Float32 iterates. */
    private static final double FLOAT32_DEFECT = 1e-5;
    /** Frobenius distance the walk must travel from its start: the retractions did real work. */
    private static final double MINIMAL_TRAVEL = 0.5;

    enum Method {
        SGD_NESTEROV, ADAM, AMSGRAD;

        RiemannianOptimizer build(String id, ManifoldConstraint constraint) {
            return switch (this) {
                case SGD_NESTEROV -> RiemannianSgd.builder().setLearningRateTracker(Tracker.fixed(0.1f)).optMomentum(0.9)
                        .optNesterov(true).constrain(id, constraint).build();
                case ADAM -> RiemannianAdam.builder().setLearningRateTracker(Tracker.fixed(0.05f))
                        .constrain(id, constraint).build();
                case AMSGRAD -> RiemannianAdam.builder().setLearningRateTracker(Tracker.fixed(0.05f)).optAmsgrad(true)
                        .constrain(id, constraint).build();
            };
        }
    }

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> cases = Stream.builder();
        for (Method method : Method.values()) {
            for (DataType type : new DataType[] {DataType.FLOAT64, DataType.FLOAT32}) {
                cases.add(Arguments.of(method, type, "stiefelColumns"));
                cases.add(Arguments.of(method, type, "stiefelRows"));
            }
        }
        for (DataType type : new DataType[] {DataType.FLOAT64, DataType.FLOAT32}) {
            cases.add(Arguments.of(Method.ADAM, type, "obliqueRows"));
            cases.add(Arguments.of(Method.SGD_NESTEROV, type, "obliqueColumns"));
        }
        return cases.build();
    }

    @ParameterizedTest(name = "{0}, {1}, {2}")
    @MethodSource("cases")
    void iteratesStayOnTheManifold(Method method, DataType type, String constraintName) {
        boolean rows = constraintName.endsWith("Rows");
        boolean stiefel = constraintName.startsWith("stiefel");
        ManifoldConstraint constraint = switch (constraintName) {
            case "stiefelColumns" -> ManifoldConstraint.stiefelColumns();
            case "stiefelRows" -> ManifoldConstraint.stiefelRows();
            case "obliqueRows" -> ManifoldConstraint.obliqueRows();
            default -> ManifoldConstraint.obliqueColumns();
        };
        int tall = 20;
        int narrow = 5;
        int rowCount = rows ? narrow : tall;
        int colCount = rows ? tall : narrow;
        SplittableRandom random = new SplittableRandom(99 + method.ordinal());
        double[][] start = GeooptReference.qrPositive(Matrices.gaussian(tall, narrow, random));
        if (rows) {
            start = Matrices.transpose(start);
        }
        double[][] end;
        try (NDManager manager = NDManager.newBaseManager();
                RiemannianOptimizer optimizer = method.build("w", constraint)) {
            NDArray weight = Matrices.create(manager, start, type);
            for (int step = 0; step < STEPS; step++) {
                try (NDArray grad = Matrices.create(manager, Matrices.gaussian(rowCount, colCount, random), type)) {
                    optimizer.update("w", weight, grad);
                }
            }
            end = Matrices.read(weight);
        }
        double[][] tallEnd = rows ? Matrices.transpose(end) : end;
        double defect = stiefel ? Matrices.orthonormalColumnsDefect(tallEnd) : Matrices.unitColumnsDefect(tallEnd);
        double allowed = type == DataType.FLOAT64 ? FLOAT64_DEFECT : FLOAT32_DEFECT;
        assertTrue(defect <= allowed, "defect after " + STEPS + " steps: " + defect);
        double travel = Matrices.distance(start, end);
        assertTrue(travel > MINIMAL_TRAVEL, "the iterate barely moved: ||x - x0||_F = " + travel);
    }
}
