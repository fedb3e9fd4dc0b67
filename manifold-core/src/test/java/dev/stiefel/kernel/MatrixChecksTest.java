package dev.stiefel.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

class MatrixChecksTest {

    @Test
    void shapeMismatchNamesTheArgumentAndBothShapes() {
        DMatrixRMaj features = new DMatrixRMaj(32, 511);
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> MatrixChecks.requireShape(features, 32, 512, "features"));
        assertEquals("features: expected 32 x 512, got 32 x 511", error.getMessage());
        assertSame(features, MatrixChecks.requireShape(features, 32, 511, "features"));
    }

    /** The branch-free probe against Double.isFinite, entry by entry, at every position. */
    @Test
    void allFiniteAgreesWithIsFiniteAtEveryPosition() {
        double[] values = {0.0, -0.0, Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_VALUE, 1e-310, 3.5};
        assertTrue(MatrixChecks.allFinite(values, values.length));
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            for (int position = 0; position < values.length; position++) {
                double[] copy = values.clone();
                copy[position] = bad;
                assertFalse(MatrixChecks.allFinite(copy, copy.length), bad + " at " + position);
                assertTrue(MatrixChecks.allFinite(copy, position), "prefix before " + position);
            }
        }
    }

    @Test
    void nonFiniteEntriesAreLocated() {
        DMatrixRMaj features = new DMatrixRMaj(5, 9);
        features.set(3, 7, Double.NaN);
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> MatrixChecks.requireFinite(features, "features"));
        assertEquals("features: entry (3, 7) is NaN", error.getMessage());
        features.set(3, 7, 0.0);
        features.set(0, 2, Double.NEGATIVE_INFINITY);
        error = assertThrows(IllegalArgumentException.class, () -> MatrixChecks.requireFinite(features, "x"));
        assertEquals("x: entry (0, 2) is -Infinity", error.getMessage());
        error = assertThrows(IllegalArgumentException.class, () -> MatrixChecks.requireFiniteRow(features, 0, "x"));
        assertEquals("x: entry (0, 2) is -Infinity", error.getMessage());
        MatrixChecks.requireFiniteRow(features, 1, "x");
        features.set(0, 2, 1.0);
        assertSame(features, MatrixChecks.requireFinite(features, "x"));

        double[] values = {1.0, Double.POSITIVE_INFINITY};
        error = assertThrows(IllegalArgumentException.class, () -> MatrixChecks.requireFinite(values, 2, "values"));
        assertEquals("values: entry 1 is +Infinity", error.getMessage());
        assertSame(values, MatrixChecks.requireFinite(values, 1, "values"));
    }

    @Test
    void squareSameShapeAndNullChecks() {
        assertThrows(IllegalArgumentException.class, () -> MatrixChecks.requireSquare(new DMatrixRMaj(2, 3), "a"));
        assertThrows(IllegalArgumentException.class,
                () -> MatrixChecks.requireSameShape(new DMatrixRMaj(2, 3), "a", new DMatrixRMaj(3, 2), "b"));
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> MatrixChecks.requireShape(null, 1, 1, "weights"));
        assertEquals("weights: must not be null", error.getMessage());
        MatrixChecks.requireSameShape(new DMatrixRMaj(2, 3), "a", new DMatrixRMaj(2, 3), "b");
        MatrixChecks.requireSquare(new DMatrixRMaj(0, 0), "empty");
    }
}
