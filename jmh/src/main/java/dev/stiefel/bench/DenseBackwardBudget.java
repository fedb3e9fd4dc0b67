package dev.stiefel.bench;

/**
 * Whether the dense KKT backward (Gould et al., Prop. 4.5; {@code StiefelDenseBackward}) fits
 * at a size. With {@code m = dC} variables it holds about {@value #DENSE_MATRICES} {@code m x m}
 * float64 matrices at once: the SVD of the constraint Jacobian with its full {@code U} and the
 * copy handed out, the null-space basis, the objective Hessian, the constraint curvature, the
 * Hessian times the null-space basis, the reduced Hessian and the symmetric eigensolver's
 * workspace ({@code DenseKktBackward.solveAdjoint}), plus the SVD's per-call copies.
 * {@link MemoryReport} measured 141 MiB (retained plus allocated per call) at (d, C) = (128, 10),
 * 11.3 such matrices; the estimate rounds up. Its time is {@code O(m^3)}.
 * At (d, C) = (1024, 10) the estimate is about 9.4 GiB, at (1024, 100) about 940 GiB.
 */
final class DenseBackwardBudget {

    /** How many {@code m x m} float64 matrices the dense backward holds at its peak, rounded up (see the class comment). */
    static final int DENSE_MATRICES = 12;

    /** System property overriding the memory budget of the dense backward, in MiB. */
    static final String BUDGET_PROPERTY = "stiefel.bench.denseBudgetMiB";

    /** Default budget: 1 GiB, and never more than half the heap. */
    static final long DEFAULT_BUDGET_MIB = 1024;

    private DenseBackwardBudget() {
    }

    /** Estimated peak bytes of the dense backward at {@code d x C}. */
    static long estimatedBytes(Size size) {
        double m = (double) size.elements();
        return (long) Math.min(Long.MAX_VALUE, DENSE_MATRICES * m * m * Double.BYTES);
    }

    /** The budget in bytes: the property or the default, capped at half the maximal heap. */
    static long budgetBytes() {
        long mebibytes = Long.getLong(BUDGET_PROPERTY, DEFAULT_BUDGET_MIB);
        return Math.min(mebibytes << 20, Runtime.getRuntime().maxMemory() / 2);
    }

    /**
     * @throws IllegalStateException naming the estimate and the budget when the dense backward
     *     does not fit (JMH reports that parameter set as failed with this message and goes on)
     */
    static void requireFits(Size size) {
        long estimate = estimatedBytes(size);
        long budget = budgetBytes();
        if (estimate > budget) {
            throw new IllegalStateException(String.format(
                    "dense backward at %dx%d skipped: it needs about %.1f GiB (%d matrices of (dC)^2 = %d^2"
                            + " doubles) but the budget is %.1f GiB (-D%s, at most half of -Xmx); time grows"
                            + " as (dC)^3 too. Use the closed-form or matrix-free backward at this size.",
                    size.rows(), size.cols(), estimate / (double) (1L << 30), DENSE_MATRICES, size.elements(),
                    budget / (double) (1L << 30), BUDGET_PROPERTY));
        }
    }
}
