package dev.stiefel.etf;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Problem (6) picks the minimiser nearest to its start point, which must be a point of
 * St(d, C): with a zero start "nearest" means nothing, and the closed form's choice among
 * equivalent minimisers came down to the rounding of an eigensolver (on St(4, 4), St(3, 2) and
 * others EJML answered where OpenBLAS threw, and the other way round). Both backends now reject
 * such a start, as the iterative solvers do.
 */
class NearestEtfStartPointTest {

    @ParameterizedTest(name = "St({0}, {1}) on {2}")
    @CsvSource({"3, 2, ejml", "3, 2, openblas", "4, 4, ejml", "4, 4, openblas", "8, 4, ejml", "8, 4, openblas"})
    void startsOffTheManifoldAreRejectedOnEveryBackend(int dimension, int numClasses, String backend) {
        DenseKernels<DMatrixRMaj> kernels = backend.equals("ejml") ? Kernels.ejml() : Kernels.openBlas();
        try (Stiefel<DMatrixRMaj> stiefel = new Stiefel<>(kernels, dimension, numClasses, StiefelRetraction.QR);
                NearestEtf<DMatrixRMaj> solver = new NearestEtf<>(kernels, stiefel, dimension, numClasses,
                        EtfOptions.defaults())) {
            Random random = new Random(dimension * 10L + numClasses);
            DMatrixRMaj means = new DMatrixRMaj(dimension, numClasses);
            for (int i = 0; i < means.getNumElements(); i++) {
                means.data[i] = random.nextGaussian();
            }
            DMatrixRMaj out = new DMatrixRMaj(dimension, numClasses);
            DMatrixRMaj zero = new DMatrixRMaj(dimension, numClasses);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> solver.solveUnregularised(means, zero, out));
            assertTrue(e.getMessage().contains("start"), e::getMessage);
            DMatrixRMaj stretched = solver.startPoint(new DMatrixRMaj(dimension, numClasses));
            CommonOps_DDRM.scale(1.1, stretched);
            assertThrows(IllegalArgumentException.class, () -> solver.solveUnregularised(means, stretched, out));
            solver.solveUnregularised(means, solver.startPoint(new DMatrixRMaj(dimension, numClasses)), out);
        } finally {
            kernels.close();
        }
    }
}
