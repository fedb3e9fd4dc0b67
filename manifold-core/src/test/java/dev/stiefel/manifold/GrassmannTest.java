package dev.stiefel.manifold;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.Kernels;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Grassmann-specific checks: distance against principal angles built by hand, invariance, bad input. */
class GrassmannTest {

    private static final double TOLERANCE = 1e-12;

    /**
     * {@code X = [e_1, e_2]}, {@code Y = [cos a e_1 + sin a e_3, cos b e_2 + sin b e_4]} have
     * principal angles {@code a} and {@code b}; rotating either basis changes nothing.
     */
    @ParameterizedTest
    @ValueSource(doubles = {1e-10, 1e-4, 0.3, 1.2, 1.5})
    void distanceIsTheNormOfThePrincipalAngles(double angle) {
        Grassmann<DMatrixRMaj> grassmann = new Grassmann<>(Kernels.ejml(), 6, 2, GrassmannRetraction.POLAR);
        double other = 0.5 * angle + 0.1;
        DMatrixRMaj x = new DMatrixRMaj(6, 2);
        x.set(0, 0, 1.0);
        x.set(1, 1, 1.0);
        DMatrixRMaj y = new DMatrixRMaj(6, 2);
        y.set(0, 0, Math.cos(angle));
        y.set(2, 0, Math.sin(angle));
        y.set(1, 1, Math.cos(other));
        y.set(3, 1, Math.sin(other));
        DMatrixRMaj rotation = new DMatrixRMaj(new double[][] {{Math.cos(0.7), -Math.sin(0.7)},
            {Math.sin(0.7), Math.cos(0.7)}});
        DMatrixRMaj rotatedY = CommonOps_DDRM.mult(y, rotation, null);
        double expected = Math.hypot(angle, other);
        assertEquals(expected, grassmann.distance(x, rotatedY), TOLERANCE);
        assertEquals(expected, grassmann.distance(rotatedY, x), TOLERANCE);
        assertEquals(0.0, grassmann.distance(y, rotatedY), TOLERANCE);
    }

    @Test
    void inverseRetractionRejectsAnOrthogonalSubspace() {
        Grassmann<DMatrixRMaj> grassmann = new Grassmann<>(Kernels.ejml(), 5, 2, GrassmannRetraction.QR);
        DMatrixRMaj x = new DMatrixRMaj(5, 2);
        x.set(0, 0, 1.0);
        x.set(1, 1, 1.0);
        DMatrixRMaj y = new DMatrixRMaj(5, 2);
        y.set(0, 0, 1.0);
        y.set(2, 1, 1.0);
        assertThrows(ArithmeticException.class, () -> grassmann.inverseRetract(x, y, grassmann.allocate()));
    }

    @Test
    void badInputIsRejected() {
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> new Grassmann<>(Kernels.ejml(), 2, 3, GrassmannRetraction.QR));
        assertTrue(shape.getMessage().contains("Grassmann(n, p) needs n >= p >= 1, got n = 2, p = 3"),
                shape.getMessage());
        Grassmann<DMatrixRMaj> grassmann = Grassmann.onCpu(5, 2);
        DMatrixRMaj x = grassmann.allocate();
        grassmann.randomPoint(new SplittableRandom(5), x);
        DMatrixRMaj scaled = x.copy();
        CommonOps_DDRM.scale(2.0, scaled);
        IllegalArgumentException point = assertThrows(IllegalArgumentException.class,
                () -> grassmann.checkPoint(scaled, TOLERANCE));
        assertTrue(point.getMessage().contains("orthonormal"), point.getMessage());
        IllegalArgumentException horizontal = assertThrows(IllegalArgumentException.class,
                () -> grassmann.checkTangent(x, x, TOLERANCE));
        assertTrue(horizontal.getMessage().contains("not horizontal"), horizontal.getMessage());
        assertThrows(IllegalArgumentException.class, () -> grassmann.retract(x, new DMatrixRMaj(2, 5), x.copy()));
    }
}
