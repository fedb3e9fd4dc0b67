package dev.stiefel.etf.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;

/**
 * The sums a split of a training batch contributes to the step of a head with batch statistics
 * (docs/mathematics.md section 4.1 and docs/distributed-etf-head.md): per class the sum of the
 * normalised feature rows {@code sum_{i: y_i = c} h~_i} ({@code C x d}, float64, row c), the sum
 * of all rows {@code sum_i h~_i} ({@code 1 x d}, float64) and the number of rows of each class.
 * Sums rather than means, so that the statistics of the splits of a step add up to those of the
 * whole batch: the batch mean is {@code featureSum / rows} and the centred mean of class c is
 * {@code classSums_c / counts_c - featureSum / rows}.
 *
 * <p>The arrays carry no gradient (they are values; a head differentiates its own split's share
 * separately). Instances are immutable; the arrays belong to the manager that created them.
 */
public final class ClassStatistics {

    private final NDArray classSums;
    private final NDArray featureSum;
    private final long[] counts;
    private final long rows;

    /**
     * @param classSums {@code C x d} float64, row c the sum of the rows of class c
     * @param featureSum {@code 1 x d} float64, the sum of all rows
     * @param counts rows of each class ({@code C} entries, none negative; copied)
     * @throws IllegalArgumentException on null arguments, other shapes or types, negative counts
     *     or no rows at all
     */
    public ClassStatistics(NDArray classSums, NDArray featureSum, long[] counts) {
        if (classSums == null || featureSum == null || counts == null) {
            throw new IllegalArgumentException("class statistics: classSums, featureSum and counts must not be null");
        }
        Shape sums = classSums.getShape();
        if (sums.dimension() != 2 || sums.get(0) != counts.length) {
            throw new IllegalArgumentException("class statistics: classSums must be C x d with C = " + counts.length
                    + " (the length of counts), got " + sums);
        }
        if (!featureSum.getShape().equals(new Shape(1, sums.get(1)))) {
            throw new IllegalArgumentException("class statistics: featureSum must be 1 x " + sums.get(1) + ", got "
                    + featureSum.getShape());
        }
        if (classSums.getDataType() != DataType.FLOAT64 || featureSum.getDataType() != DataType.FLOAT64) {
            throw new IllegalArgumentException("class statistics: the sums must be float64, got "
                    + classSums.getDataType() + " and " + featureSum.getDataType());
        }
        long total = 0;
        for (int label = 0; label < counts.length; label++) {
            if (counts[label] < 0) {
                throw new IllegalArgumentException("class statistics: count of class " + label + " is negative ("
                        + counts[label] + ")");
            }
            total += counts[label];
        }
        if (total == 0) {
            throw new IllegalArgumentException("class statistics: no rows");
        }
        this.classSums = classSums;
        this.featureSum = featureSum;
        this.counts = counts.clone();
        this.rows = total;
    }

    /** Per-class sums of the normalised rows, {@code C x d}, float64. */
    public NDArray classSums() {
        return classSums;
    }

    /** Sum of all normalised rows, {@code 1 x d}, float64. */
    public NDArray featureSum() {
        return featureSum;
    }

    /** Rows of class c. */
    public long count(int label) {
        return counts[label];
    }

    /** Rows of each class (a copy). */
    public long[] counts() {
        return counts.clone();
    }

    /** Number of classes C. */
    public int numClasses() {
        return counts.length;
    }

    /** Rows of all classes together. */
    public long rows() {
        return rows;
    }

    /**
     * The statistics of the union of the splits: sums added on {@code manager}'s device, the new
     * arrays belonging to {@code manager}.
     *
     * @throws IllegalArgumentException on an empty list or splits of other shapes
     */
    public static ClassStatistics sum(List<ClassStatistics> splits, NDManager manager) {
        if (splits == null || splits.isEmpty()) {
            throw new IllegalArgumentException("class statistics: nothing to sum");
        }
        ClassStatistics first = splits.get(0);
        NDArray classSums = manager.zeros(first.classSums.getShape(), DataType.FLOAT64);
        NDArray featureSum = manager.zeros(first.featureSum.getShape(), DataType.FLOAT64);
        long[] counts = new long[first.counts.length];
        for (ClassStatistics split : splits) {
            if (!split.classSums.getShape().equals(first.classSums.getShape())) {
                throw new IllegalArgumentException("class statistics: splits of shapes " + first.classSums.getShape()
                        + " and " + split.classSums.getShape() + " cannot be summed");
            }
            try (NDArray sums = split.classSums.toDevice(manager.getDevice(), true);
                    NDArray features = split.featureSum.toDevice(manager.getDevice(), true)) {
                classSums.addi(sums);
                featureSum.addi(features);
            }
            for (int label = 0; label < counts.length; label++) {
                counts[label] += split.counts[label];
            }
        }
        return new ClassStatistics(classSums, featureSum, counts);
    }

    @Override
    public String toString() {
        return "ClassStatistics[rows=" + rows + ", counts=" + Arrays.toString(counts) + ", d="
                + classSums.getShape().get(1) + "]";
    }
}
