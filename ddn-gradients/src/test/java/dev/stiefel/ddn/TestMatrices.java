package dev.stiefel.ddn;

import java.util.Random;
import java.util.function.ToDoubleFunction;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;

/** Seeded random matrices, the five-point finite-difference stencil and error measures. */
final class TestMatrices {

    /** Step of the five-point stencil; docs/mathematics.md section 5 (reaches 1e-10 at condition 1e3). */
    static final double STENCIL_STEP = 1e-3;

    private TestMatrices() {
    }

    /** Standard-normal entries. */
    static DMatrixRMaj gaussian(int rows, int cols, Random random) {
        DMatrixRMaj out = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < out.getNumElements(); i++) {
            out.data[i] = random.nextGaussian();
        }
        return out;
    }

    /** Centring matrix {@code Mc = I - (1/C) 1 1^T}. */
    static DMatrixRMaj centring(int c) {
        DMatrixRMaj mc = CommonOps_DDRM.identity(c);
        CommonOps_DDRM.add(mc, -1.0 / c);
        return mc;
    }

    /** {@code (a^T b)}: the Frobenius inner product. */
    static double dot(DMatrixRMaj a, DMatrixRMaj b) {
        double sum = 0.0;
        for (int i = 0; i < a.getNumElements(); i++) {
            sum += a.data[i] * b.data[i];
        }
        return sum;
    }

    /** {@code ||a - b||_F / ||b||_F}. */
    static double relativeError(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj difference = a.copy();
        CommonOps_DDRM.subtractEquals(difference, b);
        return NormOps_DDRM.normF(difference) / NormOps_DDRM.normF(b);
    }

    /**
     * Gradient of a scalar function of a matrix, entry by entry, by the five-point stencil
     * {@code (-f(x+2h) + 8 f(x+h) - 8 f(x-h) + f(x-2h)) / 12h}.
     */
    static DMatrixRMaj fivePointGradient(ToDoubleFunction<DMatrixRMaj> function, DMatrixRMaj at) {
        DMatrixRMaj x = at.copy();
        DMatrixRMaj gradient = new DMatrixRMaj(at.numRows, at.numCols);
        double h = STENCIL_STEP;
        for (int k = 0; k < x.getNumElements(); k++) {
            double original = x.data[k];
            x.data[k] = original + 2 * h;
            double plus2 = function.applyAsDouble(x);
            x.data[k] = original + h;
            double plus1 = function.applyAsDouble(x);
            x.data[k] = original - h;
            double minus1 = function.applyAsDouble(x);
            x.data[k] = original - 2 * h;
            double minus2 = function.applyAsDouble(x);
            x.data[k] = original;
            gradient.data[k] = (-plus2 + 8 * plus1 - 8 * minus1 + minus2) / (12 * h);
        }
        return gradient;
    }

    /** {@code ||a^T a - I||_max}. */
    static double orthonormalityError(DMatrixRMaj a) {
        DMatrixRMaj gram = new DMatrixRMaj(a.numCols, a.numCols);
        CommonOps_DDRM.multTransA(a, a, gram);
        double worst = 0.0;
        for (int i = 0; i < a.numCols; i++) {
            for (int j = 0; j < a.numCols; j++) {
                worst = Math.max(worst, Math.abs(gram.get(i, j) - (i == j ? 1.0 : 0.0)));
            }
        }
        return worst;
    }

    /** {@code ||a + a^T||_max}: zero for a skew-symmetric matrix. */
    static double skewError(DMatrixRMaj a) {
        double worst = 0.0;
        for (int i = 0; i < a.numRows; i++) {
            for (int j = 0; j < a.numCols; j++) {
                worst = Math.max(worst, Math.abs(a.get(i, j) + a.get(j, i)));
            }
        }
        return worst;
    }
}
