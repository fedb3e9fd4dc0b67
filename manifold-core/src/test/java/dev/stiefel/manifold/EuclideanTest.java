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

/** Euclidean-specific checks: distance, typical distance and bad input. */
class EuclideanTest {

    private static final double TOLERANCE = 1e-14;

    @Test
    void distanceIsTheFrobeniusNormOfTheDifference() {
        Euclidean<DMatrixRMaj> manifold = Euclidean.onCpu(4, 3);
        DMatrixRMaj x = manifold.allocate();
        DMatrixRMaj y = manifold.allocate();
        manifold.randomPoint(new SplittableRandom(1), x);
        manifold.randomPoint(new SplittableRandom(2), y);
        assertEquals(NormOps_DDRM.normF(CommonOps_DDRM.subtract(x, y, null)), manifold.distance(x, y), TOLERANCE);
        assertEquals(Math.sqrt(12.0), manifold.typicalDistance(), TOLERANCE);
        assertEquals("Euclidean(4, 3)", manifold.name());
    }

    @Test
    void badInputIsRejected() {
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> new Euclidean<>(Kernels.ejml(), 0, 3));
        assertTrue(shape.getMessage().contains("rows >= 1 and cols >= 1"), shape.getMessage());
        Euclidean<DMatrixRMaj> manifold = new Euclidean<>(Kernels.ejml(), 2, 2);
        DMatrixRMaj nan = new DMatrixRMaj(2, 2);
        nan.set(1, 0, Double.NaN);
        IllegalArgumentException finite = assertThrows(IllegalArgumentException.class,
                () -> manifold.checkPoint(nan, 0.0));
        assertTrue(finite.getMessage().contains("NaN or infinite"), finite.getMessage());
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> manifold.retract(new DMatrixRMaj(2, 2), new DMatrixRMaj(3, 2), new DMatrixRMaj(2, 2)));
        assertTrue(wrong.getMessage().contains("shape 3 x 2, expected 2 x 2"), wrong.getMessage());
    }
}
