package dev.stiefel.etf.djl;

import ai.djl.ndarray.NDManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@link SplitPooling} for the splits of a step that run concurrently in threads of one process
 * (one thread per device): a barrier of {@code splits} parties. The last split to arrive sums
 * the statistics on its device and runs the step; the others wait for its result. This is the
 * in-process form of the all-reduce that docs/distributed-etf-head.md describes.
 *
 * <p>The splits must call concurrently: DJL's {@code EasyTrain.trainBatch} runs them one after
 * another unless the trainer has an executor service, and a split waiting for a split that its
 * own thread has still to run would wait for ever; a split therefore gives up after the timeout
 * with an {@link IllegalStateException}, and the pooling refuses every later step (the rounds
 * would no longer line up with the steps). Thread-safe.
 */
public final class ConcurrentSplitPooling implements SplitPooling {

    /** How long a split waits for the others by default. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(1);

    private final int splits;
    private final Duration timeout;
    private Round current = new Round();
    private String broken;

    /** Pooling of {@code splits} concurrent splits with the {@link #DEFAULT_TIMEOUT}. */
    public ConcurrentSplitPooling(int splits) {
        this(splits, DEFAULT_TIMEOUT);
    }

    /**
     * @param splits splits per training step (the trainer's devices), at least 1
     * @param timeout how long a split waits for the others, positive
     * @throws IllegalArgumentException on fewer than one split or a non-positive timeout
     */
    public ConcurrentSplitPooling(int splits, Duration timeout) {
        if (splits < 1) {
            throw new IllegalArgumentException("split pooling needs at least one split per step, got " + splits);
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("split pooling needs a positive timeout, got " + timeout);
        }
        this.splits = splits;
        this.timeout = timeout;
    }

    /** Splits per step. */
    public int splits() {
        return splits;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException when the other splits do not arrive within the timeout, when
     *     the thread is interrupted while waiting, or when an earlier round failed that way
     */
    @Override
    public <R> R poolAndStep(ClassStatistics local, Function<ClassStatistics, R> step) {
        if (local == null || step == null) {
            throw new IllegalArgumentException("split pooling: statistics and step must not be null");
        }
        Round round;
        boolean last;
        synchronized (this) {
            if (broken != null) {
                throw new IllegalStateException("split pooling is out of step since " + broken
                        + "; build a new head or pooling");
            }
            round = current;
            round.parts.add(local);
            last = round.parts.size() == splits;
            if (last) {
                current = new Round();
            }
        }
        if (last) {
            try (NDManager scope = local.classSums().getManager().newSubManager()) {
                ClassStatistics pooled = splits == 1 ? local : ClassStatistics.sum(round.parts, scope);
                round.result = step.apply(pooled);
            } catch (RuntimeException | Error failure) {
                round.failure = failure;
            } finally {
                round.done.countDown();
            }
        } else {
            awaitRound(round);
        }
        return round.outcome();
    }

    private void awaitRound(Round round) {
        boolean arrived;
        try {
            arrived = round.done.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            markBroken("a split was interrupted while waiting for the others");
            throw new IllegalStateException("split pooling: interrupted while waiting for the other splits",
                    interrupted);
        }
        if (!arrived) {
            int present;
            synchronized (this) {
                present = round.parts.size();
            }
            markBroken("a step in which only " + present + " of " + splits + " splits arrived");
            throw new IllegalStateException("split pooling: only " + present + " of " + splits
                    + " splits of the step arrived within " + timeout + "; the splits must run concurrently"
                    + " (one thread each), not one after another");
        }
    }

    private synchronized void markBroken(String why) {
        if (broken == null) {
            broken = why;
        }
    }

    @Override
    public String toString() {
        return "ConcurrentSplitPooling[splits=" + splits + ", timeout=" + timeout + "]";
    }

    /** The splits of one step. */
    private static final class Round {
        final List<ClassStatistics> parts = new ArrayList<>();
        final CountDownLatch done = new CountDownLatch(1);
        volatile Object result;
        volatile Throwable failure;

        @SuppressWarnings("unchecked")
        <R> R outcome() {
            if (failure instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (failure instanceof Error error) {
                throw error;
            }
            return (R) result;
        }
    }
}
