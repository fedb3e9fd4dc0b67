package dev.stiefel.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.ddn.ProcrustesClosedFormBackward;
import dev.stiefel.etf.EtfOptions;
import dev.stiefel.etf.EtfSolveResult;
import dev.stiefel.etf.NearestEtf;
import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Stiefel;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The generic nearest-ETF closed forms of problems (6) and (7) and the closed-form backward
 * of (7), run unchanged on device matrices (float64), equal the CPU classes on the same inputs
 * at the paper's sizes. Skipped without a CUDA device.
 */
class CudaNearestEtfParityTest {

    /** Relative Frobenius agreement of solutions and gradients, device vs CPU. */
    private static final double TOLERANCE = 1e-10;
    /** The backward solves with the singular values of G, down to about delta: one digit more slack. */
    private static final double BACKWARD_TOLERANCE = 1e-9;

    static Stream<Arguments> sizes() {
        return Stream.of(Arguments.of(512, 10), Arguments.of(1024, 100), Arguments.of(1024, 200));
    }

    /** What one backend computes: (7)'s solution and backward, and (6)'s solution. */
    private record Outcome(DMatrixRMaj regularised, double regularisedCost, DMatrixRMaj gradient,
            DMatrixRMaj unregularised) {
    }

    private static <M> Outcome solve(DenseKernels<M> kernels, DMatrixRMaj means, DMatrixRMaj proximal,
            DMatrixRMaj upstream) {
        int d = means.numRows;
        int c = means.numCols;
        Stiefel<M> stiefel = new Stiefel<>(kernels, d, c, dev.stiefel.manifold.StiefelRetraction.POLAR);
        NearestEtf<M> etf = new NearestEtf<>(kernels, stiefel, d, c, EtfOptions.defaults());
        M meansOnBackend = kernels.fromHost(means);
        M proximalOnBackend = kernels.fromHost(proximal);
        M upstreamOnBackend = kernels.fromHost(upstream);
        M solution = stiefel.allocate();
        M gradient = kernels.create(d, c);
        EtfSolveResult result = etf.solve(meansOnBackend, proximalOnBackend, null, solution);
        new ProcrustesClosedFormBackward<>(kernels).vjp(etf.problem(), solution, upstreamOnBackend, gradient);
        DMatrixRMaj regularised = kernels.toHost(solution, new DMatrixRMaj(1, 1));
        DMatrixRMaj gradientHost = kernels.toHost(gradient, new DMatrixRMaj(1, 1));
        etf.solveUnregularised(meansOnBackend, proximalOnBackend, solution);
        DMatrixRMaj unregularised = kernels.toHost(solution, new DMatrixRMaj(1, 1));
        for (M matrix : java.util.List.of(meansOnBackend, proximalOnBackend, upstreamOnBackend, gradient)) {
            kernels.free(matrix);
        }
        stiefel.free(solution);
        return new Outcome(regularised, result.cost(), gradientHost, unregularised);
    }

    private static void assertRelative(DMatrixRMaj expected, DMatrixRMaj actual, double tolerance, String what) {
        DMatrixRMaj difference = expected.copy();
        CommonOps_DDRM.subtractEquals(difference, actual);
        double error = NormOps_DDRM.normF(difference) / NormOps_DDRM.normF(expected);
        assertTrue(error <= tolerance, what + ": relative error " + error + " > " + tolerance);
    }

    @ParameterizedTest(name = "d = {0}, C = {1}")
    @MethodSource("sizes")
    void closedFormsAndBackwardMatchTheCpu(int d, int c) {
        CudaKernels device = new CudaKernels(CudaTestSupport.binding(), CudaPrecision.FLOAT64);
        SplittableRandom random = new SplittableRandom(d * 7L + c);
        DMatrixRMaj means = new DMatrixRMaj(d, c);
        DMatrixRMaj upstream = new DMatrixRMaj(d, c);
        for (int i = 0; i < means.data.length; i++) {
            means.data[i] = random.nextGaussian();
            upstream.data[i] = random.nextGaussian();
        }
        // Normalised class means: unit columns, as the head feeds them.
        for (int j = 0; j < c; j++) {
            double norm = 0;
            for (int i = 0; i < d; i++) {
                norm += means.get(i, j) * means.get(i, j);
            }
            for (int i = 0; i < d; i++) {
                means.set(i, j, means.get(i, j) / Math.sqrt(norm));
            }
        }
        DMatrixRMaj proximal = new DMatrixRMaj(d, c);
        Stiefel.onCpu(d, c).randomPoint(random, proximal);

        Outcome cpu = solve(Kernels.ejml(), means, proximal, upstream);
        Outcome gpu = solve(device, means, proximal, upstream);
        device.close();

        assertRelative(cpu.regularised(), gpu.regularised(), TOLERANCE, "problem (7) solution");
        assertEquals(cpu.regularisedCost(), gpu.regularisedCost(), TOLERANCE * Math.abs(cpu.regularisedCost()),
                "problem (7) cost");
        assertRelative(cpu.gradient(), gpu.gradient(), BACKWARD_TOLERANCE, "closed-form backward of (7)");
        assertRelative(cpu.unregularised(), gpu.unregularised(), TOLERANCE, "problem (6) solution");
    }
}
