package dev.stiefel.kernel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The aliasing the host backends document beyond the {@link DenseKernels} contract: the
 * in-place call gives the same numbers as the out-of-place one.
 */
class HostKernelsAliasingTest {

    private static final double TOLERANCE = 1e-13;

    private static DenseKernels<DMatrixRMaj> backend(String name) {
        if (name.equals("openblas")) {
            Assumptions.assumeTrue(OpenBlasKernels.isAvailable(), "OpenBLAS natives unavailable");
            return Kernels.openBlas();
        }
        return Kernels.ejml();
    }

    private static DMatrixRMaj gaussian(int rows, int cols, Random random) {
        DMatrixRMaj a = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < a.data.length; i++) {
            a.data[i] = random.nextGaussian();
        }
        return a;
    }

    private static void assertSame(DMatrixRMaj expected, DMatrixRMaj actual, String what) {
        double difference = 0.0;
        for (int i = 0; i < expected.getNumElements(); i++) {
            difference = Math.max(difference, Math.abs(expected.data[i] - actual.data[i]));
        }
        assertTrue(difference <= TOLERANCE, what + ": in-place differs by " + difference);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ejml", "openblas"})
    void inPlaceCallsMatchOutOfPlaceCalls(String name) {
        DenseKernels<DMatrixRMaj> kernels = backend(name);
        Random random = new Random(23);
        int rows = 15;
        int cols = 6;
        DMatrixRMaj a = gaussian(rows, cols, random);

        DMatrixRMaj q = new DMatrixRMaj(rows, cols);
        kernels.qrPositive(a, q, null);
        DMatrixRMaj inPlace = a.copy();
        kernels.qrPositive(inPlace, inPlace, null);
        assertSame(q, inPlace, "qrPositive q = a");

        DMatrixRMaj u = new DMatrixRMaj(rows, cols);
        DMatrixRMaj v = new DMatrixRMaj(cols, cols);
        double[] s = new double[cols];
        kernels.svdThin(a, u, s, v);
        inPlace = a.copy();
        kernels.svdThin(inPlace, inPlace, s, v);
        assertSame(u, inPlace, "svdThin u = a");

        DMatrixRMaj spd = new DMatrixRMaj(cols, cols);
        CommonOps_DDRM.multTransA(a, a, spd);
        DMatrixRMaj lower = new DMatrixRMaj(cols, cols);
        kernels.cholesky(spd, lower);
        inPlace = spd.copy();
        kernels.cholesky(inPlace, inPlace);
        assertSame(lower, inPlace, "cholesky lower = a");

        DMatrixRMaj vectors = new DMatrixRMaj(cols, cols);
        kernels.symmetricEigen(spd, vectors, s);
        inPlace = spd.copy();
        kernels.symmetricEigen(inPlace, inPlace, s);
        assertSame(vectors, inPlace, "symmetricEigen vectors = a");

        DMatrixRMaj square = gaussian(cols, cols, random);
        DMatrixRMaj exponential = new DMatrixRMaj(cols, cols);
        kernels.expm(square, exponential);
        inPlace = square.copy();
        kernels.expm(inPlace, inPlace);
        assertSame(exponential, inPlace, "expm out = a");

        DMatrixRMaj rhs = gaussian(cols, 2, random);
        DMatrixRMaj x = new DMatrixRMaj(cols, 2);
        kernels.solve(spd, rhs, x);
        inPlace = rhs.copy();
        kernels.solve(spd, inPlace, inPlace);
        assertSame(x, inPlace, "solve x = b");
    }
}
