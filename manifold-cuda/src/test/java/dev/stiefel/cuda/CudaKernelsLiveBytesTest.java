package dev.stiefel.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs everywhere (no device): the bookkeeping of {@link CudaKernels#liveDeviceBytes()} on
 * {@link HostMemoryBinding}, whose memory is host memory and whose routines compute nothing.
 * Matrices count {@code rows * cols} elements of the precision until freed, the workspaces the
 * kernels grow count until {@link CudaKernels#close()}, even when an operation fails half way,
 * and the host round trip keeps every entry in its place (column-major on the device).
 */
class CudaKernelsLiveBytesTest {

    private static final int ROWS = 5;
    private static final int COLUMNS = 3;

    @ParameterizedTest
    @EnumSource(CudaPrecision.class)
    void matricesCountTheirBytesUntilFreed(CudaPrecision precision) {
        HostMemoryBinding binding = new HostMemoryBinding();
        CudaKernels kernels = new CudaKernels(binding, precision);
        CudaKernels sibling = new CudaKernels(binding, precision);
        long matrixBytes = (long) ROWS * COLUMNS * precision.bytes();

        DMatrixRMaj host = gaussian(new Random(3));
        CudaMatrix a = kernels.fromHost(host);
        CudaMatrix b = sibling.create(COLUMNS, ROWS);
        assertEquals(2 * matrixBytes, kernels.liveDeviceBytes());
        assertEquals(kernels.liveDeviceBytes(), sibling.liveDeviceBytes(), "one count per binding");

        DMatrixRMaj back = kernels.toHost(a, new DMatrixRMaj(1, 1));
        for (int row = 0; row < ROWS; row++) {
            for (int column = 0; column < COLUMNS; column++) {
                double expected = stored(precision, host.get(row, column));
                assertEquals(expected, back.get(row, column), 0.0, "toHost(" + row + ", " + column + ")");
                assertEquals(expected, kernels.get(a, row, column), 0.0, "get(" + row + ", " + column + ")");
            }
        }

        sibling.free(a);
        kernels.free(a);
        kernels.free(b);
        assertEquals(0, binding.liveDeviceBytes(), "matrices freed by any kernels of the binding");
        assertThrows(IllegalStateException.class, () -> kernels.toHost(a, new DMatrixRMaj(1, 1)));
    }

    @ParameterizedTest
    @EnumSource(CudaPrecision.class)
    void closeGivesBackTheWorkspacesEvenAfterAFailedOperation(CudaPrecision precision) {
        HostMemoryBinding binding = new HostMemoryBinding();
        CudaKernels kernels = new CudaKernels(binding, precision);
        CudaMatrix tall = kernels.fromHost(gaussian(new Random(4)));
        CudaMatrix q = kernels.create(ROWS, COLUMNS);
        CudaMatrix square = kernels.create(COLUMNS, COLUMNS);
        long matrices = binding.liveDeviceBytes();

        kernels.scaleColumns(tall, new double[] {1.0, 2.0, 3.0}, q);
        kernels.setIdentity(square);
        kernels.symmetricPart(square, square);
        assertTrue(binding.liveDeviceBytes() > matrices, "the operations grew workspaces");
        // the routines compute nothing here, so R is zero and the QR reports a rank-deficient
        // input, after it has grown its own workspaces
        assertThrows(ArithmeticException.class, () -> kernels.qrPositive(tall, q, null));
        long withWorkspaces = binding.liveDeviceBytes();
        assertTrue(withWorkspaces > matrices);

        kernels.close();
        assertEquals(matrices, binding.liveDeviceBytes(), "close() gives back every workspace");
        kernels.close();
        assertEquals(matrices, binding.liveDeviceBytes(), "a second close() frees nothing twice");
        kernels.free(tall);
        kernels.free(q);
        kernels.free(square);
        assertEquals(0, binding.liveDeviceBytes());
    }

    /** The host value as the device stores it: float32 rounds. */
    private static double stored(CudaPrecision precision, double value) {
        return precision == CudaPrecision.FLOAT64 ? value : (float) value;
    }

    private static DMatrixRMaj gaussian(Random random) {
        DMatrixRMaj matrix = new DMatrixRMaj(ROWS, COLUMNS);
        for (int index = 0; index < matrix.data.length; index++) {
            matrix.data[index] = random.nextGaussian();
        }
        return matrix;
    }
}
