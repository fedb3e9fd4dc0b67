package dev.stiefel.etf.train;

import dev.stiefel.kernel.SumsOfSquares;
import org.ejml.data.DMatrixRMaj;

/**
 * A weight tensor the optimiser updates in place, with its gradient and the fans AGD needs.
 *
 * <p>Two layouts of the gradient:
 * <ul>
 *   <li>dense ({@link #dense}): the gradient has the value's shape;</li>
 *   <li>gathered ({@link #gathered}): a mini-batch touches only some rows of the
 *   {@code N x d} feature tensor of an unconstrained feature model, and its gradient is zero
 *   elsewhere. The gradient then holds only those rows, row {@code k} belonging to value row
 *   {@code rows[k]} ({@link #setRows}); the rows must be distinct. Optimisers read and update
 *   only those rows, which equals the dense update with a zero gradient elsewhere, at cost
 *   {@code O(B d)} instead of {@code O(N d)} and without an {@code N x d} gradient buffer.</li>
 * </ul>
 * Both matrices are owned by their producer (the model, the trainer or the head); this class
 * only references them.
 */
public final class TrainableTensor {

    private final String name;
    private final DMatrixRMaj value;
    private final DMatrixRMaj gradient;
    private final int fanOut;
    private final int fanIn;
    private final boolean gathered;
    private int[] rows;
    private int rowCount;


    private TrainableTensor(String name, DMatrixRMaj value, DMatrixRMaj gradient, int fanOut, int fanIn,
            boolean gathered) {
        if (fanOut < 1 || fanIn < 1) {
            throw new IllegalArgumentException("tensor '" + name + "' needs positive fans, got fan_out = "
                    + fanOut + ", fan_in = " + fanIn);
        }
        this.name = name;
        this.value = value;
        this.gradient = gradient;
        this.fanOut = fanOut;
        this.fanIn = fanIn;
        this.gathered = gathered;
    }

    /**
     * A tensor whose gradient has its own shape.
     *
     * @param fanOut output fan in AGD's {@code sqrt(fan_out / fan_in)}
     * @param fanIn input fan
     * @throws IllegalArgumentException on a non-positive fan
     */
    public static TrainableTensor dense(String name, DMatrixRMaj value, DMatrixRMaj gradient, int fanOut,
            int fanIn) {
        return new TrainableTensor(name, value, gradient, fanOut, fanIn, false);
    }

    /**
     * A tensor whose gradient holds only the rows named by {@link #setRows}.
     *
     * @throws IllegalArgumentException on a non-positive fan
     */
    public static TrainableTensor gathered(String name, DMatrixRMaj value, DMatrixRMaj gradient, int fanOut,
            int fanIn) {
        return new TrainableTensor(name, value, gradient, fanOut, fanIn, true);
    }

    /**
     * For a gathered tensor: gradient row {@code k} belongs to value row {@code rows[k]},
     * {@code k < count}. The array is referenced, not copied: keep it unchanged until the step.
     */
    public void setRows(int[] rows, int count) {
        if (!gathered) {
            throw new IllegalStateException("tensor '" + name + "' has a dense gradient");
        }
        if (count < 0 || count > rows.length) {
            throw new IllegalArgumentException("row count " + count + " outside [0, " + rows.length + "]");
        }
        this.rows = rows;
        this.rowCount = count;
    }

    public String name() {
        return name;
    }

    public DMatrixRMaj value() {
        return value;
    }

    public DMatrixRMaj gradient() {
        return gradient;
    }

    public int fanOut() {
        return fanOut;
    }

    public int fanIn() {
        return fanIn;
    }

    /**
     * Checks that the gradient fits the value.
     *
     * @throws IllegalStateException naming the shapes
     */
    void checkShapes() {
        int expectedRows = gathered ? rowCount : value.numRows;
        if (gradient.numRows != expectedRows || gradient.numCols != value.numCols) {
            throw new IllegalStateException("tensor '" + name + "' is " + value.numRows + "x" + value.numCols
                    + (gathered ? " with " + rowCount + " gathered rows" : "") + " but its gradient is "
                    + gradient.numRows + "x" + gradient.numCols);
        }
    }

    /**
     * {@code ||gradient||_F}: plain squares in one pass where their sum neither overflows nor
     * comes near underflow (NaN propagates), else the scaled two-pass sum below.
     */
    public double gradientNorm() {
        checkShapes();
        double[] g = gradient.data;
        double plain = SumsOfSquares.of(g, 0, gradient.getNumElements());
        if (Double.isNaN(plain) || SumsOfSquares.isSafe(plain)) {
            return Math.sqrt(plain);
        }
        double scale = 0;
        double sumOfSquares = 1;
        // Scaled accumulation (as LAPACK's dnrm2) so huge or tiny gradients neither overflow nor underflow.
        for (int k = 0, size = gradient.getNumElements(); k < size; k++) {
            double x = Math.abs(g[k]);
            if (x == 0) {
                continue;
            }
            if (scale < x) {
                double ratio = scale / x;
                sumOfSquares = 1 + sumOfSquares * ratio * ratio;
                scale = x;
            } else {
                double ratio = x / scale;
                sumOfSquares += ratio * ratio;
            }
        }
        return scale * Math.sqrt(sumOfSquares);
    }

    /** {@code value -= factor * gradient} (gathered: on the named rows only). */
    public void subtractScaledGradient(double factor) {
        checkShapes();
        double[] v = value.data;
        double[] g = gradient.data;
        if (!gathered) {
            for (int k = 0, size = value.getNumElements(); k < size; k++) {
                v[k] -= factor * g[k];
            }
            return;
        }
        int cols = value.numCols;
        for (int k = 0; k < rowCount; k++) {
            int target = rows[k] * cols;
            int source = k * cols;
            for (int j = 0; j < cols; j++) {
                v[target + j] -= factor * g[source + j];
            }
        }
    }
}
