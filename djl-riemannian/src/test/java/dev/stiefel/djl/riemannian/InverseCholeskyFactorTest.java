package dev.stiefel.djl.riemannian;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.decomposition.TriangularSolver_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The host half of a Cholesky QR pass: {@code R^-1} for {@code G = R^T R}, checked against EJML's
 * Cholesky, triangular inverse and transpose (the same operations, so the same numbers), against
 * the identity {@code R^-T G R^-1 = I}, and for its failures.
 */
class InverseCholeskyFactorTest {

    private final SplittableRandom random = new SplittableRandom(11);
    private NDManager manager;

    @BeforeEach
    void openManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    /** {@code Z^T Z} of a Gaussian {@code rows x p} matrix, scaled by {@code scale}, plus {@code shift I}. */
    private double[] gram(int p, int rows, double scale, double shift) {
        double[][] z = Matrices.gaussian(rows, p, random);
        double[][] g = Matrices.multiply(Matrices.transpose(z), z);
        double[] flat = new double[p * p];
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < p; j++) {
                flat[i * p + j] = scale * g[i][j] + (i == j ? shift : 0.0);
            }
        }
        return flat;
    }

    /** The route of EJML's lower Cholesky, {@code invertLower} and a transpose: {@code L^-T = R^-1}. */
    private static double[] ejmlInverseFactor(double[] gram, int p) {
        CholeskyDecomposition_F64<DMatrixRMaj> cholesky = DecompositionFactory_DDRM.chol(p, true);
        if (!cholesky.decompose(DMatrixRMaj.wrap(p, p, gram.clone()))) {
            throw new ArithmeticException("not positive definite");
        }
        DMatrixRMaj lower = cholesky.getT(null);
        TriangularSolver_DDRM.invertLower(lower.data, p);
        return CommonOps_DDRM.transpose(lower, null).data;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 8, 17, 64, 130})
    void givesEjmlsNumbersWithOneWorkspaceForManyMatrices(int p) {
        InverseCholeskyFactor host = new InverseCholeskyFactor(p);
        double[][] grams = {gram(p, 3 * p, 1.0, 0.0), gram(p, p + 2, 1e-3, 1.0), gram(p, p, 1.0, 1e-6)};
        for (double[] gram : grams) {
            assertArrayEquals(ejmlInverseFactor(gram, p), host.inverseFactor(gram), 0.0);
        }
    }

    @Test
    void theInverseFactorWhitensTheGramMatrix() {
        int p = 40;
        double[] flat = gram(p, 60, 1.0, 0.0);
        double[] inverse = new InverseCholeskyFactor(p).inverseFactor(flat);
        double[][] w = new double[p][p];
        double[][] g = new double[p][p];
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < p; j++) {
                w[i][j] = inverse[i * p + j];
                g[i][j] = flat[i * p + j];
                if (j < i) {
                    assertEquals(0.0, w[i][j], 0.0, "upper triangular");
                }
            }
            assertTrue(w[i][i] > 0, "positive diagonal");
        }
        double[][] whitened = Matrices.multiply(Matrices.transpose(w), Matrices.multiply(g, w));
        double largest = 0.0;
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < p; j++) {
                largest = Math.max(largest, Math.abs(whitened[i][j] - (i == j ? 1.0 : 0.0)));
            }
        }
        assertTrue(largest < 1e-10, "R^-T G R^-1 - I: " + largest);
    }

    @Test
    void anIndefiniteOrSingularGramMatrixIsAnArithmeticError() {
        InverseCholeskyFactor host = new InverseCholeskyFactor(2);
        assertThrows(ArithmeticException.class, () -> host.inverseFactor(new double[] {1, 0, 0, 0}));
        assertThrows(ArithmeticException.class, () -> host.inverseFactor(new double[] {1, 2, 2, 1}));
        assertThrows(ArithmeticException.class, () -> host.inverseFactor(new double[] {-1, 0, 0, 1}));
        NDArray singular = manager.create(new double[] {4, 0, 0, 0}, new Shape(2, 2));
        ArithmeticException rank = assertThrows(ArithmeticException.class, () -> host.inverseFactor(singular, "S"));
        assertTrue(rank.getMessage().contains("rank deficient"), rank.getMessage());
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
                NDArray gram = manager.create(new double[] {1, 0, bad, 1}, new Shape(2, 2)).toType(type, false);
                ArithmeticException error = assertThrows(ArithmeticException.class,
                        () -> host.inverseFactor(gram, "S"));
                assertTrue(error.getMessage().contains("NaN or infinite"), error.getMessage());
            }
        }
        // the workspace is still good afterwards
        double[] gram = gram(2, 5, 1.0, 0.0);
        assertArrayEquals(ejmlInverseFactor(gram, 2), host.inverseFactor(gram), 0.0);
    }

    /** float64 in, the host numbers out; float32 in, the float32 rounding of the float64 numbers. */
    @Test
    void theDeviceArrayHoldsTheHostNumbersInTheGramsType() {
        int p = 23;
        InverseCholeskyFactor host = new InverseCholeskyFactor(p);
        double[] gram = gram(p, 40, 1.0, 0.0);
        NDArray wide = manager.create(gram, new Shape(p, p));
        double[] expected = ejmlInverseFactor(gram, p);
        NDArray fromWide = host.inverseFactor(wide, "S");
        assertEquals(DataType.FLOAT64, fromWide.getDataType());
        assertArrayEquals(expected, fromWide.toDoubleArray(), 0.0);

        NDArray narrow = wide.toType(DataType.FLOAT32, false);
        double[] narrowGram = HostArrays.toDoubles(narrow);
        double[] narrowExpected = ejmlInverseFactor(narrowGram, p);
        float[] rounded = new float[p * p];
        for (int k = 0; k < rounded.length; k++) {
            rounded[k] = (float) narrowExpected[k];
        }
        NDArray fromNarrow = host.inverseFactor(narrow, "S");
        assertEquals(DataType.FLOAT32, fromNarrow.getDataType());
        assertArrayEquals(rounded, fromNarrow.toFloatArray(), 0f);
        assertArrayEquals(expected, host.inverseFactor(wide, "S").toDoubleArray(), 0.0, "after a float32 call");
    }
}
