package dev.stiefel.autodiff;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stiefel.manifold.ProductPoint;
import org.ejml.data.DMatrixRMaj;

/** Test inputs and comparisons shared by this module's tests. */
final class Fixtures {

    /** Agreement of automatic and hand-written derivatives, relative in the Frobenius norm. */
    static final double EXACT = 1e-12;

    /** Agreement of finite-difference and exact Hessian-vector products. */
    static final double FINITE_DIFFERENCE = 1e-8;

    private Fixtures() {
    }

    /** {@code a} as a float64 array of {@code manager}. */
    static NDArray constant(NDManager manager, DMatrixRMaj a) {
        double[] data = java.util.Arrays.copyOf(a.data, a.numRows * a.numCols);
        return manager.create(data, new Shape(a.numRows, a.numCols));
    }

    /** The entries of a matrix or of a product point's components, concatenated. */
    static double[] flatten(Object point) {
        if (point instanceof DMatrixRMaj matrix) {
            return java.util.Arrays.copyOf(matrix.data, matrix.numRows * matrix.numCols);
        }
        ProductPoint<?> product = (ProductPoint<?>) point;
        double[][] parts = new double[product.size()][];
        int total = 0;
        for (int i = 0; i < parts.length; i++) {
            parts[i] = flatten(product.component(i));
            total += parts[i].length;
        }
        double[] out = new double[total];
        int offset = 0;
        for (double[] part : parts) {
            System.arraycopy(part, 0, out, offset, part.length);
            offset += part.length;
        }
        return out;
    }

    /** {@code ||a - b|| / ||b||} over all entries. */
    static double relativeError(Object a, Object b) {
        double[] x = flatten(a);
        double[] y = flatten(b);
        double difference = 0;
        double norm = 0;
        for (int i = 0; i < x.length; i++) {
            difference += (x[i] - y[i]) * (x[i] - y[i]);
            norm += y[i] * y[i];
        }
        return Math.sqrt(difference / norm);
    }

    /** {@code |a - b| / |b|}. */
    static double relativeError(double a, double b) {
        return Math.abs(a - b) / Math.abs(b);
    }
}
