package dev.stiefel.kernel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * OpenBLAS against the EJML reference on identical inputs, for the outputs that are unique
 * (products, positive-diagonal QR, polar factor, eigenvalues, singular values, Cholesky
 * factor, solutions, exponentials).
 */
class BackendAgreementTest {

    private static final double TOLERANCE = 1e-11;

    private DenseKernels<DMatrixRMaj> reference;
    private DenseKernels<DMatrixRMaj> fast;

    @BeforeEach
    void createBackends() {
        Assumptions.assumeTrue(OpenBlasKernels.isAvailable(),
                () -> "OpenBLAS natives unavailable: " + OpenBlasKernels.loadFailure());
        reference = Kernels.ejml();
        fast = Kernels.openBlas();
    }

    private static DMatrixRMaj gaussian(int rows, int cols, Random random) {
        DMatrixRMaj a = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < a.data.length; i++) {
            a.data[i] = random.nextGaussian();
        }
        return a;
    }

    private static void assertAgree(DMatrixRMaj expected, DMatrixRMaj actual, double scale, String what) {
        double difference = 0.0;
        for (int i = 0; i < expected.getNumElements(); i++) {
            difference = Math.max(difference, Math.abs(expected.data[i] - actual.data[i]));
        }
        assertTrue(difference <= TOLERANCE * scale, what + ": backends differ by " + difference);
    }

    private static void assertAgree(double[] expected, double[] actual, double scale, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= TOLERANCE * scale,
                    what + " " + i + ": " + expected[i] + " vs " + actual[i]);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void backendsAgreeOnEveryUniqueOutput(long seed) {
        Random random = new Random(seed);
        int rows = 70;
        int cols = 45;
        DMatrixRMaj a = gaussian(rows, cols, random);
        DMatrixRMaj b = gaussian(rows, cols, random);
        double scale = NormOps_DDRM.normF(a);

        for (boolean transposeA : new boolean[] {false, true}) {
            for (boolean transposeB : new boolean[] {false, true}) {
                DMatrixRMaj left = transposeA ? a : CommonOps_DDRM.transpose(a, null);
                DMatrixRMaj right = transposeB ? CommonOps_DDRM.transpose(b, null) : b;
                DMatrixRMaj expected = new DMatrixRMaj(cols, cols);
                DMatrixRMaj actual = new DMatrixRMaj(cols, cols);
                reference.gemm(0.7, left, transposeA, right, transposeB, 0.0, expected);
                fast.gemm(0.7, left, transposeA, right, transposeB, 0.0, actual);
                assertAgree(expected, actual, scale * scale, "gemm");
            }
        }

        DMatrixRMaj qExpected = new DMatrixRMaj(rows, cols);
        DMatrixRMaj rExpected = new DMatrixRMaj(cols, cols);
        DMatrixRMaj qActual = new DMatrixRMaj(rows, cols);
        DMatrixRMaj rActual = new DMatrixRMaj(cols, cols);
        reference.qrPositive(a, qExpected, rExpected);
        fast.qrPositive(a, qActual, rActual);
        assertAgree(qExpected, qActual, 10, "qr q");
        assertAgree(rExpected, rActual, 10 * scale, "qr r");

        reference.polar(a, qExpected);
        fast.polar(a, qActual);
        assertAgree(qExpected, qActual, 10, "polar");

        double[] sExpected = new double[cols];
        double[] sActual = new double[cols];
        DMatrixRMaj v = new DMatrixRMaj(cols, cols);
        reference.svdThin(a, qExpected, sExpected, v);
        fast.svdThin(a, qActual, sActual, v);
        assertAgree(sExpected, sActual, scale, "singular value");

        DMatrixRMaj gram = new DMatrixRMaj(cols, cols);
        CommonOps_DDRM.multTransA(a, a, gram);
        reference.symmetricEigen(gram, rExpected, sExpected);
        fast.symmetricEigen(gram, rActual, sActual);
        assertAgree(sExpected, sActual, scale * scale, "eigenvalue");

        reference.cholesky(gram, rExpected);
        fast.cholesky(gram, rActual);
        assertAgree(rExpected, rActual, scale, "cholesky");

        DMatrixRMaj square = gaussian(cols, cols, random);
        DMatrixRMaj rhs = gaussian(cols, 3, random);
        DMatrixRMaj xExpected = new DMatrixRMaj(cols, 3);
        DMatrixRMaj xActual = new DMatrixRMaj(cols, 3);
        reference.solve(square, rhs, xExpected);
        fast.solve(square, rhs, xActual);
        // Gaussian square matrices of this size have condition numbers of a few hundred.
        assertAgree(xExpected, xActual, 1e3 * NormOps_DDRM.normF(xExpected), "solve");

        CommonOps_DDRM.scale(0.3, square);
        reference.expm(square, rExpected);
        fast.expm(square, rActual);
        assertAgree(rExpected, rActual, 100 * NormOps_DDRM.normF(rExpected), "expm");
    }
}
