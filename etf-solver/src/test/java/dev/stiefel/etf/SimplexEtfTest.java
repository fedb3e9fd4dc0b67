package dev.stiefel.etf;

import dev.stiefel.testkit.TestMatrices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SimplexEtfTest {

    private static final double TOLERANCE = 1e-13;
    /** The paper quotes the bounds to 3-4 significant digits. */
    private static final double QUOTED_BOUND_TOLERANCE = 5e-4;

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 10, 100})
    void centringIsSymmetricIdempotentWithNullVectorOfOnes(int numClasses) {
        DMatrixRMaj centring = SimplexEtf.centring(numClasses, new DMatrixRMaj(1, 1));
        DMatrixRMaj transpose = CommonOps_DDRM.transpose(centring, null);
        assertTrue(TestMatrices.maxAbsDifference(centring, transpose) < TOLERANCE);
        DMatrixRMaj square = new DMatrixRMaj(numClasses, numClasses);
        CommonOps_DDRM.mult(centring, centring, square);
        assertTrue(TestMatrices.maxAbsDifference(square, centring) < TOLERANCE);
        DMatrixRMaj ones = new DMatrixRMaj(numClasses, 1);
        ones.fill(1);
        DMatrixRMaj product = new DMatrixRMaj(numClasses, 1);
        CommonOps_DDRM.mult(centring, ones, product);
        assertTrue(CommonOps_DDRM.elementMaxAbs(product) < TOLERANCE);
        double normSquared = Math.pow(NormOps_DDRM.normF(centring), 2);
        assertEquals(numClasses - 1.0, normSquared, TOLERANCE * numClasses);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 10, 100})
    void standardHasUnitFrobeniusNormAndNormalisedHasUnitColumnsAtEqualAngles(int numClasses) {
        assertEquals(1.0, NormOps_DDRM.normF(SimplexEtf.standard(numClasses, new DMatrixRMaj(1, 1))), TOLERANCE);
        DMatrixRMaj normalised = SimplexEtf.normalised(numClasses, new DMatrixRMaj(1, 1));
        DMatrixRMaj gram = TestMatrices.gram(normalised);
        for (int i = 0; i < numClasses; i++) {
            for (int j = 0; j < numClasses; j++) {
                double expected = i == j ? 1.0 : -1.0 / (numClasses - 1);
                assertEquals(expected, gram.get(i, j), TOLERANCE);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"2, 2", "10, 10", "512, 10", "30, 7"})
    void canonicalIsIdentityTopBlockTimesNormalisedEtf(int dimension, int numClasses) {
        DMatrixRMaj canonical = SimplexEtf.canonical(dimension, numClasses, new DMatrixRMaj(1, 1));
        assertEquals(dimension, canonical.numRows);
        DMatrixRMaj normalised = SimplexEtf.normalised(numClasses, new DMatrixRMaj(1, 1));
        DMatrixRMaj top = CommonOps_DDRM.extract(canonical, 0, numClasses, 0, numClasses);
        assertTrue(TestMatrices.maxAbsDifference(top, normalised) < TOLERANCE);
        if (dimension > numClasses) {
            assertEquals(0.0, CommonOps_DDRM.elementMaxAbs(
                    CommonOps_DDRM.extract(canonical, numClasses, dimension, 0, numClasses)));
        }
    }

    @ParameterizedTest
    @CsvSource({"10, 0.0342", "100, 0.491", "200, 0.836", "1000, 2.041"})
    void lowerBoundMatchesQuotedValues(int numClasses, double quoted) {
        assertEquals(quoted, SimplexEtf.crossEntropyLowerBound(numClasses, 5.0), QUOTED_BOUND_TOLERANCE);
    }

    @ParameterizedTest
    @CsvSource({"2, 5", "10, 5", "100, 1", "1000, 20"})
    void lowerBoundIsTheCrossEntropyOfEtfLogits(int numClasses, double tau) {
        // unit classifiers at cosine -1/(C-1), feature of norm tau on its class's classifier
        double own = tau;
        double other = -tau / (numClasses - 1);
        double direct = -own + Math.log(Math.exp(own) + (numClasses - 1) * Math.exp(other));
        assertEquals(direct, SimplexEtf.crossEntropyLowerBound(numClasses, tau), 1e-12 * Math.max(1, direct));
    }

    @Test
    void badShapesAndTemperaturesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> SimplexEtf.standard(1, new DMatrixRMaj(1, 1)));
        assertThrows(IllegalArgumentException.class, () -> SimplexEtf.canonical(4, 5, new DMatrixRMaj(1, 1)));
        assertThrows(IllegalArgumentException.class, () -> SimplexEtf.canonical(4, 1, new DMatrixRMaj(1, 1)));
        assertThrows(IllegalArgumentException.class, () -> SimplexEtf.crossEntropyLowerBound(10, 0));
        assertThrows(IllegalArgumentException.class, () -> SimplexEtf.crossEntropyLowerBound(10, Double.NaN));
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> SimplexEtf.requireDimensions(3, 4));
        assertTrue(error.getMessage().contains("d = 3"), error.getMessage());
    }
}
