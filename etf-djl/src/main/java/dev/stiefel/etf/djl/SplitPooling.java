package dev.stiefel.etf.djl;

import ai.djl.training.GradientCollector;
import java.util.function.Function;

/**
 * How a head with batch statistics (the fixed and the implicit ETF heads) meets the other splits
 * of a data-parallel training step: every split hands in its {@link ClassStatistics}, the head's
 * step runs exactly once on their sum, and every split gets the step's result, so that the
 * state advances once per step, every split uses the same {@code U*} and batch mean, and these
 * equal those of the unsplit step (docs/distributed-etf-head.md).
 *
 * <p>{@link #single()} is the default: no other splits, the step runs on this split's own
 * statistics. {@link ConcurrentSplitPooling} pools splits that run at the same time in threads of
 * one process; a multi-process implementation all-reduces the sums and counts, as PyTorch's
 * {@code SyncBatchNorm} does its statistics, and runs the step on every rank.
 */
public interface SplitPooling {

    /**
     * Pools this split's statistics with those of the other splits of the same step, runs
     * {@code step} once on the sums and returns its result (the same object or an equal value in
     * every split).
     *
     * @param local this split's statistics
     * @param step the head's step on the pooled statistics; it is called once per training step.
     *     The pooled statistics' arrays are valid while it runs: what it keeps, it attaches to
     *     a manager of its own
     * @param <R> the step's result
     * @return the step's result
     * @throws RuntimeException what {@code step} threw (in every split of the step), or an
     *     {@link IllegalStateException} when the other splits do not arrive
     */
    <R> R poolAndStep(ClassStatistics local, Function<ClassStatistics, R> step);

    /**
     * Meets the other splits of the same step without statistics: {@code once} runs exactly once
     * per step, after every split has arrived and before any goes on (the standard head
     * re-normalises its rows there, which splits sharing a device share).
     *
     * @param once what runs once per step
     * @throws RuntimeException what {@code once} threw (in every split of the step), or an
     *     {@link IllegalStateException} when the other splits do not arrive
     */
    void meet(Runnable once);

    /**
     * Takes the part of a split's backward that needs the gradients of the other splits' losses
     * ({@link SplitBackward}); the pooling completes it once every split of the step has run its
     * backward. A head hands one in from each training forward whose loss depends
     * differentiably on the other splits' rows, after {@link #poolAndStep}.
     *
     * @param split the split's deferred backward
     */
    void deferBackward(SplitBackward split);

    /**
     * Completes the backward of a step once every split has run its own: the gradients the
     * splits' losses left on the pooled statistics are summed (across processes, all-reduced)
     * and every deferred {@link SplitBackward} is completed with the sums. Called once per step,
     * after the splits' backward passes and before the optimiser's step, inside the same gradient
     * collector; nothing to do for {@link #single()}.
     *
     * @param collector the collector the splits' backward passes ran in
     */
    void completeBackward(GradientCollector collector);

    /**
     * Whether other splits take part: false for {@link #single()}, where a head can use its own
     * statistics directly.
     */
    default boolean poolsSplits() {
        return true;
    }

    /** No splits: the step runs on the split's own statistics. */
    static SplitPooling single() {
        return SinglePooling.INSTANCE;
    }

    /** The pooling of one split. */
    enum SinglePooling implements SplitPooling {
        /** The only instance. */
        INSTANCE;

        @Override
        public <R> R poolAndStep(ClassStatistics local, Function<ClassStatistics, R> step) {
            return step.apply(local);
        }

        @Override
        public void meet(Runnable once) {
            once.run();
        }

        @Override
        public void deferBackward(SplitBackward split) {
            throw new IllegalStateException("without splits a head's backward needs nothing from other splits");
        }

        @Override
        public void completeBackward(GradientCollector collector) {
            // a split's loss depends only on its own rows: its backward was complete
        }

        @Override
        public boolean poolsSplits() {
            return false;
        }

        @Override
        public String toString() {
            return "SplitPooling.single()";
        }
    }
}
