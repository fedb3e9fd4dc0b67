package dev.stiefel.etf.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Locale;

/**
 * A validated batch on the device with its features normalised onto the sphere of radius
 * {@code tau} (docs/mathematics.md sections 1 and 3): {@code h~_i = tau h_i / ||h_i||}, in the
 * data type of the features, differentiable with respect to them.
 *
 * <p>The row norm is taken of the row scaled by a power of two near its largest magnitude,
 * {@code 2^e_i}, {@code e_i = floor(log2 max_j |h_ij|)} (a constant of the graph): the scaling
 * is exact, the scaled squares neither overflow nor underflow, and since
 * {@code tau h / ||h|| = tau (h / 2^e) / ||h / 2^e||} for every h, holding the power fixed
 * changes neither the value nor the derivative. The derivative of the normalisation has norm
 * {@code tau / ||h_i||}; a training batch with a row for which that is larger than the data
 * type's largest finite value (for example float32 rows of {@code 1e-44}, float16 rows of
 * {@code 1e-6}) is refused, naming the row, as are zero rows and rows with a NaN or an
 * infinite entry.
 *
 * <p>Labels are read to the host once per batch (B numbers) and checked there: they must be
 * integral class indices in {@code [0, C)}; float labels with a fractional part and NaN labels
 * are refused, naming the row. Not thread-safe; one per forward.
 */
final class NormalisedBatch {

    private final NDArray input;
    private final NDArray normalised;
    private final double tau;
    private final int[] labels;
    private final long[] counts;
    private final int numClasses;
    private NDArray detachedFrom;
    private NDArray labelArray;
    private NDArray oneHot;

    private NormalisedBatch(NDArray input, NDArray normalised, double tau, int[] labels, long[] counts,
            int numClasses) {
        this.input = input;
        this.normalised = normalised;
        this.tau = tau;
        this.labels = labels;
        this.counts = counts;
        this.numClasses = numClasses;
    }

    /**
     * Validates and normalises a batch whose graph starts from a leaf holding the features' values,
     * not from the features: the head's backward then stops at that leaf, and what reaches it is
     * passed on to the features later ({@link SplitBackward}), when the gradients of the other
     * splits' losses are known.
     *
     * @see #of(NDArray, NDArray, int, int, double, boolean, String)
     */
    static NormalisedBatch detached(NDArray features, NDArray labelArray, int dimension, int numClasses, double tau,
            String head) {
        requireFeatures(features, dimension, head);
        NDArray leaf = features.stopGradient();
        leaf.setRequiresGradient(true);
        NormalisedBatch batch = of(leaf, labelArray, dimension, numClasses, tau, true, head);
        batch.detachedFrom = features;
        return batch;
    }

    /**
     * Validates and normalises a batch.
     *
     * @param features {@code B x d}, a floating-point type
     * @param labelArray {@code B} or {@code B x 1} class indices, or null (evaluation, or a head
     *     that needs none)
     * @param training whether the derivative guard applies
     * @param head the head's name for messages
     * @throws IllegalArgumentException on a wrong shape or type, a bad label, a label count that
     *     does not match the rows
     * @throws ArithmeticException on a zero row, a non-finite entry, or (training) a row whose
     *     normalisation's derivative overflows the data type
     */
    static NormalisedBatch of(NDArray features, NDArray labelArray, int dimension, int numClasses, double tau,
            boolean training, String head) {
        requireFeatures(features, dimension, head);
        int rows = (int) features.getShape().get(0);
        int[] labels = null;
        long[] counts = null;
        if (labelArray != null) {
            labels = readLabels(labelArray, rows, numClasses, head);
            counts = new long[numClasses];
            for (int label : labels) {
                counts[label]++;
            }
        }
        NDArray exponent = scaleExponents(features);
        NDArray scaled = features.div(powersOfTwo(features, exponent));
        NDArray scaledNorm = scaled.square().sum(new int[] {1}, true).sqrt();
        NDArray normalised = scaled.div(scaledNorm).mul(scalar(features, tau));
        // log2 ||h_i|| = e_i + log2 ||h_i / 2^e_i||: both read at once (2B numbers) to check every row
        double[] logNorms = exponent.toType(DataType.FLOAT64, false)
                .concat(scaledNorm.stopGradient().toType(DataType.FLOAT64, false).log2(), 1).toDoubleArray();
        checkRows(logNorms, features.getDataType(), tau, training, head);
        NormalisedBatch batch = new NormalisedBatch(features, normalised, tau, labels, counts, numClasses);
        batch.labelArray = labels == null ? null
                : features.getManager().create(toLongs(labels)).toDevice(features.getDevice(), false);
        return batch;
    }

    /** {@code e_i = floor(log2 max_j |h_ij|)}, {@code B x 1}, a constant of the graph. */
    private static NDArray scaleExponents(NDArray features) {
        return features.abs().max(new int[] {1}, true).stopGradient().log2().floor();
    }

    private static NDArray powersOfTwo(NDArray features, NDArray exponent) {
        return features.getManager().create(2.0).toType(features.getDataType(), false).pow(exponent);
    }

    /**
     * The same batch normalised once more from the same input, the rows already checked: a second
     * graph from the input, which a backward through the first leaves intact.
     */
    NormalisedBatch again() {
        NDArray scaled = input.div(powersOfTwo(input, scaleExponents(input)));
        NDArray normalised = scaled.div(scaled.square().sum(new int[] {1}, true).sqrt()).mul(scalar(input, tau));
        NormalisedBatch batch = new NormalisedBatch(input, normalised, tau, labels, counts, numClasses);
        batch.labelArray = labelArray;
        batch.detachedFrom = detachedFrom;
        return batch;
    }

    /** The array the normalisation started from: the features, or the leaf holding their values. */
    NDArray input() {
        return input;
    }

    /**
     * The features this batch's graph was cut from ({@link #detached}), or null when the graph
     * starts from the features themselves.
     */
    NDArray detachedFrom() {
        return detachedFrom;
    }

    /** The normalised features {@code h~}, {@code B x d}, in the features' type, differentiable. */
    NDArray normalised() {
        return normalised;
    }

    /** Number of classes C. */
    int numClasses() {
        return numClasses;
    }

    /** Whether the batch came with labels. */
    boolean hasLabels() {
        return labels != null;
    }

    /** Rows of each class (host); the batch must have labels. */
    long[] counts() {
        requireLabels();
        return counts;
    }

    /** The batch mean {@code hG = (1/B) sum_i h~_i}, {@code 1 x d}, differentiable. */
    NDArray mean() {
        return normalised.mean(new int[] {0}, true);
    }

    /** {@code sum_i h~_i}, {@code 1 x d}, differentiable. */
    NDArray featureSum() {
        return normalised.sum(new int[] {0}, true);
    }

    /** Per-class sums of the normalised rows, {@code C x d}, differentiable. */
    NDArray classSums() {
        requireLabels();
        if (oneHot == null) {
            oneHot = labelArray.oneHot(numClasses, normalised.getDataType());
        }
        return oneHot.transpose().matMul(normalised);
    }

    /** This batch's statistics as float64 values without gradient, from sums already formed. */
    ClassStatistics statistics(NDArray classSums, NDArray featureSum) {
        return new ClassStatistics(classSums.stopGradient().toType(DataType.FLOAT64, false),
                featureSum.stopGradient().toType(DataType.FLOAT64, false), counts());
    }

    private void requireLabels() {
        if (labels == null) {
            throw new IllegalStateException("the batch has no labels");
        }
    }

    static void requireFeatures(NDArray features, int dimension, String head) {
        Shape shape = features.getShape();
        if (shape.dimension() != 2 || shape.get(1) != dimension || shape.get(0) < 1) {
            throw new IllegalArgumentException("the " + head + " head expects features of shape (B, " + dimension
                    + ") with B >= 1, got " + shape);
        }
        DataType type = features.getDataType();
        if (!type.isFloating()) {
            throw new IllegalArgumentException("the " + head + " head expects floating-point features (float16,"
                    + " bfloat16, float32 or float64), got " + type + ": the logits would be cast to that type");
        }
    }

    private static int[] readLabels(NDArray labelArray, int rows, int numClasses, String head) {
        Shape shape = labelArray.getShape();
        boolean column = shape.dimension() == 2 && shape.get(1) == 1;
        if (!(shape.dimension() == 1 || column) || shape.get(0) != rows) {
            throw new IllegalArgumentException("the " + head + " head got labels of shape " + shape + " for " + rows
                    + " feature rows; expected (" + rows + ") or (" + rows + ", 1)");
        }
        DataType type = labelArray.getDataType();
        if (type == DataType.BOOLEAN || !(type.isFloating() || type.isInteger())) {
            throw new IllegalArgumentException("the " + head + " head expects integer class labels (or floats with"
                    + " integral values), got labels of type " + type);
        }
        double[] values = labelArray.toType(DataType.FLOAT64, false).toDoubleArray();
        int[] labels = new int[rows];
        for (int row = 0; row < rows; row++) {
            double value = values[row];
            if (Double.isNaN(value)) {
                throw new IllegalArgumentException("the " + head + " head got label NaN in row " + row
                        + "; labels must be class indices in [0, " + numClasses + ")");
            }
            if (value != Math.rint(value)) {
                throw new IllegalArgumentException("the " + head + " head got label " + value + " in row " + row
                        + ", which is not an integer; labels must be class indices in [0, " + numClasses + ")");
            }
            if (!(value >= 0 && value < numClasses)) {
                throw new IllegalArgumentException("the " + head + " head got label " + format(value) + " in row "
                        + row + "; labels must be class indices in [0, " + numClasses + ")");
            }
            labels[row] = (int) value;
        }
        return labels;
    }

    /** {@code exponentsAndLogs}: per row {@code e_i} and {@code log2 ||h_i / 2^e_i||}. */
    private static void checkRows(double[] exponentsAndLogs, DataType type, double tau, boolean training, String head) {
        double limit = Math.log(tau / largestFinite(type)) / Math.log(2);
        for (int row = 0; row < exponentsAndLogs.length / 2; row++) {
            double exponent = exponentsAndLogs[2 * row];
            if (exponent == Double.NEGATIVE_INFINITY) {
                throw new ArithmeticException("the " + head + " head got the zero vector in feature row " + row
                        + "; its direction is undefined");
            }
            double value = exponent + exponentsAndLogs[2 * row + 1];
            if (!Double.isFinite(value)) {
                throw new ArithmeticException("the " + head + " head got a NaN or infinite entry in feature row " + row);
            }
            if (training && value < limit) {
                throw new ArithmeticException(String.format(Locale.ROOT, "the %s head got feature row %d of norm"
                        + " 2^%.1f: the derivative of its normalisation, tau/||h|| = 2^%.1f, exceeds the largest"
                        + " %s (2^%.1f)", head, row, value, Math.log(tau) / Math.log(2) - value, type,
                        Math.log(largestFinite(type)) / Math.log(2)));
            }
        }
    }

    /**
     * {@code value} as a 0-dimensional array of {@code like}'s type on its device, attached to its
     * manager. DJL's operations with a {@code Number} operand ({@code mul(Number)},
     * {@code div(Number)}) wrap the number in an array backed by a Java buffer that they close at
     * once, while PyTorch's autograd keeps the array for the backward pass: after a garbage
     * collection the backward reads freed memory (the gradient comes out silently wrong). Every
     * scalar of the graph is therefore an array that lives as long as the batch's manager.
     */
    static NDArray scalar(NDArray like, double value) {
        return like.getManager().create(value).toType(like.getDataType(), false).toDevice(like.getDevice(), false);
    }

    /** The largest finite value of a floating-point type. */
    static double largestFinite(DataType type) {
        return switch (type) {
            case FLOAT16 -> 65504.0;
            case BFLOAT16 -> 3.3895313892515355e38;
            case FLOAT32 -> Float.MAX_VALUE;
            case FLOAT64 -> Double.MAX_VALUE;
            default -> throw new IllegalArgumentException("not a floating-point type: " + type);
        };
    }

    private static long[] toLongs(int[] values) {
        long[] longs = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            longs[i] = values[i];
        }
        return longs;
    }

    private static String format(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }
}
