package dev.stiefel.etf;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/** Seeded test data and derivative stencils shared by the tests of this package. */
final class TestMatrices {

    private TestMatrices() {
    }

    static DMatrixRMaj gaussian(int rows, int cols, SplittableRandom random) {
        DMatrixRMaj out = new DMatrixRMaj(rows, cols);
        for (int index = 0; index < rows * cols; index++) {
            out.data[index] = random.nextGaussian();
        }
        return out;
    }

    /** Haar-distributed point of St(n, p): Q of a Gaussian matrix with diag(R) > 0, by Gram-Schmidt twice. */
    static DMatrixRMaj haarStiefel(int rows, int cols, SplittableRandom random) {
        return haarStiefelFrom(gaussian(rows, cols, random));
    }

    /** Q of {@code a = Q R} with diag(R) > 0 (full column rank), by Gram-Schmidt twice; a new matrix. */
    static DMatrixRMaj haarStiefelFrom(DMatrixRMaj a) {
        DMatrixRMaj q = a.copy();
        int rows = q.numRows;
        int cols = q.numCols;
        for (int col = 0; col < cols; col++) {
            for (int pass = 0; pass < 2; pass++) {
                for (int previous = 0; previous < col; previous++) {
                    double dot = 0;
                    for (int row = 0; row < rows; row++) {
                        dot += q.get(row, previous) * q.get(row, col);
                    }
                    for (int row = 0; row < rows; row++) {
                        q.set(row, col, q.get(row, col) - dot * q.get(row, previous));
                    }
                }
            }
            double norm = 0;
            for (int row = 0; row < rows; row++) {
                norm += q.get(row, col) * q.get(row, col);
            }
            norm = Math.sqrt(norm);
            for (int row = 0; row < rows; row++) {
                q.set(row, col, q.get(row, col) / norm);
            }
        }
        return q;
    }

    /** Balanced labels 0, 1, ..., C-1, 0, 1, ... */
    static int[] balancedLabels(int batch, int numClasses) {
        int[] labels = new int[batch];
        for (int index = 0; index < batch; index++) {
            labels[index] = index % numClasses;
        }
        return labels;
    }

    /** {@code (-f(x+2h) + 8f(x+h) - 8f(x-h) + f(x-2h)) / 12h}: error O(h^4). */
    static double fivePoint(DoubleUnaryOperator f, double step) {
        return (-f.applyAsDouble(2 * step) + 8 * f.applyAsDouble(step) - 8 * f.applyAsDouble(-step)
                + f.applyAsDouble(-2 * step)) / (12 * step);
    }

    static double maxAbsDifference(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj difference = new DMatrixRMaj(a.numRows, a.numCols);
        CommonOps_DDRM.subtract(a, b, difference);
        return CommonOps_DDRM.elementMaxAbs(difference);
    }

    /** {@code ||a - b||_F / max(||b||_F, tiny)}. */
    static double relativeError(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj difference = new DMatrixRMaj(a.numRows, a.numCols);
        CommonOps_DDRM.subtract(a, b, difference);
        return org.ejml.dense.row.NormOps_DDRM.normF(difference)
                / Math.max(org.ejml.dense.row.NormOps_DDRM.normF(b), Double.MIN_NORMAL);
    }

    /** Frobenius inner product {@code tr(a^T b)}. */
    static double dot(DMatrixRMaj a, DMatrixRMaj b) {
        double sum = 0;
        for (int index = 0; index < a.getNumElements(); index++) {
            sum += a.data[index] * b.data[index];
        }
        return sum;
    }

    static DMatrixRMaj gram(DMatrixRMaj a) {
        DMatrixRMaj out = new DMatrixRMaj(a.numCols, a.numCols);
        CommonOps_DDRM.multTransA(a, a, out);
        return out;
    }
}
