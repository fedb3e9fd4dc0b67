package dev.stiefel.solver;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;

/**
 * Per-iteration history of one solve, stored column-wise in primitive arrays that grow
 * geometrically (amortised constant cost, no boxing per iteration). Read-only to users; the
 * solver that produced it never touches it again.
 */
public final class IterationHistory {

    private static final int INITIAL_CAPACITY = 16;

    private int size;
    private double[] cost;
    private double[] gradientNorm;
    private double[] stepSize;
    private double[] trustRadius;
    private int[] innerIterations;
    private double[] elapsedSeconds;

    IterationHistory(int capacity) {
        int c = Math.max(0, capacity);
        cost = new double[c];
        gradientNorm = new double[c];
        stepSize = new double[c];
        trustRadius = new double[c];
        innerIterations = new int[c];
        elapsedSeconds = new double[c];
    }

    /** An empty history (for solves that do not record one, and closed-form solutions). */
    public static IterationHistory empty() {
        return new IterationHistory(0);
    }

    void add(double costValue, double gradientNormValue, double stepSizeValue,
            double trustRadiusValue, int inner, double elapsed) {
        if (size == cost.length) {
            grow();
        }
        cost[size] = costValue;
        gradientNorm[size] = gradientNormValue;
        stepSize[size] = stepSizeValue;
        trustRadius[size] = trustRadiusValue;
        innerIterations[size] = inner;
        elapsedSeconds[size] = elapsed;
        size++;
    }

    private void grow() {
        int capacity = Math.max(INITIAL_CAPACITY, 2 * cost.length);
        cost = Arrays.copyOf(cost, capacity);
        gradientNorm = Arrays.copyOf(gradientNorm, capacity);
        stepSize = Arrays.copyOf(stepSize, capacity);
        trustRadius = Arrays.copyOf(trustRadius, capacity);
        innerIterations = Arrays.copyOf(innerIterations, capacity);
        elapsedSeconds = Arrays.copyOf(elapsedSeconds, capacity);
    }

    /** Number of rows: iterations + 1 (row 0 is the start point). */
    public int size() {
        return size;
    }

    public double cost(int iteration) {
        return cost[checkIndex(iteration)];
    }

    public double gradientNorm(int iteration) {
        return gradientNorm[checkIndex(iteration)];
    }

    public double stepSize(int iteration) {
        return stepSize[checkIndex(iteration)];
    }

    public double trustRadius(int iteration) {
        return trustRadius[checkIndex(iteration)];
    }

    public int innerIterations(int iteration) {
        return innerIterations[checkIndex(iteration)];
    }

    public double elapsedSeconds(int iteration) {
        return elapsedSeconds[checkIndex(iteration)];
    }

    /** Copy of the cost column. */
    public double[] costs() {
        return Arrays.copyOf(cost, size);
    }

    /** Copy of the gradient-norm column. */
    public double[] gradientNorms() {
        return Arrays.copyOf(gradientNorm, size);
    }

    /** A read-only list view; each {@code get} builds its record on demand. */
    public List<IterationRecord> asList() {
        return new AbstractList<>() {
            @Override
            public IterationRecord get(int index) {
                checkIndex(index);
                return new IterationRecord(index, cost[index], gradientNorm[index], stepSize[index],
                        trustRadius[index], innerIterations[index], elapsedSeconds[index]);
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    private int checkIndex(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("iteration " + index + " of a history with " + size + " rows");
        }
        return index;
    }
}
