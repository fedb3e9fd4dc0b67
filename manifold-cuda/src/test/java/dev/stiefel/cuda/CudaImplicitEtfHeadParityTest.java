package dev.stiefel.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.etf.EtfOptions;
import dev.stiefel.etf.ImplicitEtfHead;
import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The implicit ETF head with its solve and closed-form backward on the device (float64,
 * {@code U*} and the EMA kept there across steps) against the same head on the CPU
 * ({@link Kernels#ejml()}): logits and feature gradients agree to {@value #PARITY} relative over
 * {@value #STEPS} steps, the first batch missing a class. Skipped without a device.
 */
class CudaImplicitEtfHeadParityTest {

    private static final double PARITY = 1e-10;
    private static final int STEPS = 3;

    @ParameterizedTest
    @CsvSource({"64, 10, 40, 21", "512, 10, 60, 22", "256, 40, 120, 23"})
    void deviceHeadMatchesCpuHead(int dimension, int numClasses, int batch, long seed) {
        CudaBinding binding = CudaTestSupport.binding();
        try (CudaKernels device = new CudaKernels(binding, CudaPrecision.FLOAT64)) {
            ImplicitEtfHead onDevice = head(device, dimension, numClasses);
            ImplicitEtfHead onCpu = head(Kernels.ejml(), dimension, numClasses);
            SplittableRandom random = new SplittableRandom(seed);
            for (int step = 1; step <= STEPS; step++) {
                int[] labels = new int[batch];
                for (int index = 0; index < batch; index++) {
                    // step 1 leaves the last class out: a never-seen EMA column on both sides
                    labels[index] = step == 1 ? index % (numClasses - 1) : random.nextInt(numClasses);
                }
                DMatrixRMaj features = gaussian(batch, dimension, random);
                DMatrixRMaj deviceLogits = onDevice.forward(features, labels, new DMatrixRMaj(1, 1));
                DMatrixRMaj cpuLogits = onCpu.forward(features, labels, new DMatrixRMaj(1, 1));
                assertClose(cpuLogits, deviceLogits, "logits, step " + step);

                DMatrixRMaj logitsGradient = gaussian(batch, numClasses, random);
                DMatrixRMaj deviceGradient = onDevice.backward(logitsGradient, new DMatrixRMaj(1, 1));
                DMatrixRMaj cpuGradient = onCpu.backward(logitsGradient, new DMatrixRMaj(1, 1));
                assertClose(cpuGradient, deviceGradient, "feature gradient, step " + step);
            }
        }
    }

    private static <M> ImplicitEtfHead head(DenseKernels<M> kernels, int dimension, int numClasses) {
        return new ImplicitEtfHead(kernels, new Stiefel<>(kernels, dimension, numClasses, StiefelRetraction.QR),
                dimension, numClasses, EtfOptions.defaults());
    }

    private static DMatrixRMaj gaussian(int rows, int cols, SplittableRandom random) {
        DMatrixRMaj matrix = new DMatrixRMaj(rows, cols);
        for (int index = 0; index < matrix.data.length; index++) {
            matrix.data[index] = gaussianSample(random);
        }
        return matrix;
    }

    /** Box-Muller, so that the stream is the same on every JVM. */
    private static double gaussianSample(SplittableRandom random) {
        double radius = Math.sqrt(-2 * Math.log(1 - random.nextDouble()));
        return radius * Math.cos(2 * Math.PI * random.nextDouble());
    }

    private static void assertClose(DMatrixRMaj expected, DMatrixRMaj actual, String what) {
        DMatrixRMaj difference = new DMatrixRMaj(expected.numRows, expected.numCols);
        CommonOps_DDRM.subtract(actual, expected, difference);
        double error = NormOps_DDRM.normF(difference) / NormOps_DDRM.normF(expected);
        assertTrue(error <= PARITY, () -> what + ": relative error " + error);
    }
}
