package dev.stiefel.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.manifold.Euclidean;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.Test;

/**
 * {@link ScaledNorm} against EJML's {@code NormOps_DDRM.normF} (which rescales by the largest
 * entry, an independent algorithm): right where the plain squared norm overflows or underflows,
 * and bit for bit the manifold's norm where it does not.
 */
class ScaledNormTest {

    /** A few rounding errors of a sum of 50 squares and a square root. */
    private static final double RELATIVE_TOLERANCE = 1e-14;

    private final Euclidean<DMatrixRMaj> space = Euclidean.onCpu(10, 5);
    private final DMatrixRMaj x = space.allocate();
    private final DMatrixRMaj workspace = space.allocate();

    private DMatrixRMaj gaussian(double scale, long seed) {
        Random random = new Random(seed);
        DMatrixRMaj u = space.allocate();
        for (int i = 0; i < u.data.length; i++) {
            u.data[i] = scale * random.nextGaussian();
        }
        return u;
    }

    @Test
    void plainRangeIsTheManifoldsNormBitForBit() {
        for (double scale : new double[] {1e-140, 1e-8, 1, 1e8, 1e150}) {
            DMatrixRMaj u = gaussian(scale, 1);
            assertEquals(space.norm(x, u), ScaledNorm.of(space, x, u, workspace), 0.0, "scale " + scale);
        }
    }

    @Test
    void overflowingAndUnderflowingSquaresAreRescaled() {
        for (double scale : new double[] {1e155, 1e200, 1e300, 1e-160, 1e-200, 1e-310}) {
            DMatrixRMaj u = gaussian(scale, 2);
            double expected = NormOps_DDRM.normF(u);
            double actual = ScaledNorm.of(space, x, u, workspace);
            assertTrue(Double.isFinite(expected) && expected > 0, "oracle at scale " + scale);
            assertEquals(expected, actual, RELATIVE_TOLERANCE * expected, "scale " + scale);
        }
        DMatrixRMaj largest = space.allocate();
        largest.fill(Double.MAX_VALUE);
        assertEquals(NormOps_DDRM.normF(largest), ScaledNorm.of(space, x, largest, workspace),
                RELATIVE_TOLERANCE * NormOps_DDRM.normF(largest));
    }

    @Test
    void zeroAndNonFiniteVectors() {
        assertEquals(0.0, ScaledNorm.of(space, x, space.allocate(), workspace), 0.0);
        DMatrixRMaj infinite = gaussian(1, 3);
        infinite.data[4] = Double.POSITIVE_INFINITY;
        assertEquals(Double.POSITIVE_INFINITY, ScaledNorm.of(space, x, infinite, workspace));
        DMatrixRMaj nan = gaussian(1, 3);
        nan.data[7] = Double.NaN;
        assertTrue(Double.isNaN(ScaledNorm.of(space, x, nan, workspace)));
    }
}
