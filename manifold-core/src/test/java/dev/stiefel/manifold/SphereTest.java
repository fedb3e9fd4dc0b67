package dev.stiefel.manifold;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.Kernels;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Sphere-specific checks: exponential and logarithm against the great circle, distance, bad input. */
class SphereTest {

    private static final double TOLERANCE = 1e-12;

    private final Sphere<DMatrixRMaj> sphere = new Sphere<>(Kernels.ejml(), 4, 3, SphereRetraction.EXPONENTIAL);

    private DMatrixRMaj point(long seed) {
        DMatrixRMaj x = sphere.allocate();
        sphere.randomPoint(new SplittableRandom(seed), x);
        return x;
    }

    /**
     * Along the great circle through {@code x} with unit direction {@code u}, the point at angle
     * {@code theta} is {@code cos(theta) x + sin(theta) u}: exp, log and distance agree with it.
     */
    @ParameterizedTest
    @ValueSource(doubles = {1e-9, 1e-3, 0.5, 2.0, 3.1})
    void exponentialLogarithmAndDistanceFollowTheGreatCircle(double angle) {
        DMatrixRMaj x = point(1);
        DMatrixRMaj u = sphere.allocate();
        sphere.randomTangent(x, new SplittableRandom(2), u);
        DMatrixRMaj expected = x.copy();
        CommonOps_DDRM.scale(Math.cos(angle), expected);
        CommonOps_DDRM.addEquals(expected, Math.sin(angle), u);

        DMatrixRMaj v = u.copy();
        CommonOps_DDRM.scale(angle, v);
        DMatrixRMaj y = sphere.allocate();
        sphere.exponential(x, v, y);
        assertEquals(0.0, NormOps_DDRM.normF(CommonOps_DDRM.subtract(expected, y, null)), TOLERANCE);
        assertEquals(angle, sphere.distance(x, y), TOLERANCE);
        DMatrixRMaj recovered = sphere.allocate();
        sphere.logarithm(x, y, recovered);
        double roundTrip = NormOps_DDRM.normF(CommonOps_DDRM.subtract(v, recovered, null));
        assertEquals(0.0, roundTrip, angle > 3.0 ? 1e-10 : TOLERANCE);
    }

    @Test
    void normalisationInverseNeedsAPositiveInnerProduct() {
        Sphere<DMatrixRMaj> normalising = sphere.withRetraction(SphereRetraction.NORMALIZATION);
        DMatrixRMaj x = point(3);
        DMatrixRMaj opposite = x.copy();
        CommonOps_DDRM.scale(-1.0, opposite);
        ArithmeticException error = assertThrows(ArithmeticException.class,
                () -> normalising.inverseRetract(x, opposite, normalising.allocate()));
        assertTrue(error.getMessage().contains("must be positive"), error.getMessage());
        assertThrows(ArithmeticException.class, () -> sphere.logarithm(x, opposite, sphere.allocate()));
    }

    @Test
    void badInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Sphere<>(Kernels.ejml(), 0, 2,
                SphereRetraction.NORMALIZATION));
        DMatrixRMaj x = point(4);
        DMatrixRMaj scaled = x.copy();
        CommonOps_DDRM.scale(1.01, scaled);
        IllegalArgumentException norm = assertThrows(IllegalArgumentException.class,
                () -> sphere.checkPoint(scaled, TOLERANCE));
        assertTrue(norm.getMessage().contains("unit norm"), norm.getMessage());
        DMatrixRMaj nan = x.copy();
        nan.set(0, 0, Double.NaN);
        IllegalArgumentException finite = assertThrows(IllegalArgumentException.class,
                () -> sphere.checkPoint(nan, TOLERANCE));
        assertTrue(finite.getMessage().contains("NaN"), finite.getMessage());
        IllegalArgumentException tangent = assertThrows(IllegalArgumentException.class,
                () -> sphere.checkTangent(x, x, TOLERANCE));
        assertTrue(tangent.getMessage().contains("not tangent"), tangent.getMessage());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> sphere.retract(x, new DMatrixRMaj(3, 4), sphere.allocate()));
        assertTrue(shape.getMessage().contains("shape 3 x 4, expected 4 x 3"), shape.getMessage());
    }
}
