package dev.stiefel.etf.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Block;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.EasyTrain;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.listener.TrainingListener.BatchData;
import ai.djl.translate.Batchifier;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * {@link SplitPooling} for the splits of a step that run concurrently in threads of one process
 * (one thread per device): a barrier of {@code splits} parties. The last split to arrive sums
 * the statistics on its device and runs the step; the others wait for its result. This is the
 * in-process form of the all-reduce that docs/distributed-etf-head.md describes.
 *
 * <p>Gradients: a split's loss under the implicit head depends on every split's rows (through
 * the pooled class means and batch mean). Each split's backward stops at its features and is
 * completed by {@link #completeBackward} once every split has run its own, so that the network's
 * gradients are those of the summed loss of all splits, equal to the unsplit step's
 * ({@link SplitBackward}). {@link #trainBatch} is a whole training batch done this way, DJL's
 * {@code EasyTrain.trainBatch} with concurrent, joined splits, and {@link #fit} is
 * {@code EasyTrain.fit} made of it:
 *
 * <pre>{@code
 * ConcurrentSplitPooling pooling = new ConcurrentSplitPooling(devices.length);
 * head.setSplitPooling(pooling);
 * pooling.fit(trainer, epochs, trainingSet, validationSet); // as EasyTrain.fit
 * // or, batch by batch:
 * for (Batch batch : trainer.iterateDataset(trainingSet)) {
 *     pooling.trainBatch(trainer, batch);
 *     trainer.step();
 *     batch.close();
 * }
 * }</pre>
 *
 * <p>The splits must call concurrently: DJL's {@code EasyTrain.trainBatch} runs them one after
 * another unless the trainer has an executor service, and a split waiting for a split that its
 * own thread has still to run would wait for ever; a split therefore gives up when the others
 * have not arrived within the timeout (the step that runs once they have is waited for however
 * long it takes), with an {@link IllegalStateException}, and the pooling refuses every later step
 * (the rounds would no longer line up with the steps). Thread-safe.
 */
public final class ConcurrentSplitPooling implements SplitPooling {

    /** How long a split waits for the others to arrive, by default. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(1);

    private final int splits;
    private final Duration timeout;
    private final List<SplitBackward> deferred = new ArrayList<>();
    private Round current = new Round();
    private ExecutorService ownThreads;
    private String broken;

    /** Pooling of {@code splits} concurrent splits with the {@link #DEFAULT_TIMEOUT}. */
    public ConcurrentSplitPooling(int splits) {
        this(splits, DEFAULT_TIMEOUT);
    }

    /**
     * @param splits splits per training step (the trainer's devices), at least 1
     * @param timeout how long a split waits for the others to arrive, positive
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
     * The pooling's own threads for {@link #trainBatch(Trainer, Batch)}: a thread per split,
     * daemon threads that end after a minute without work, so the pooling needs no closing.
     */
    private synchronized ExecutorService ownThreads() {
        if (ownThreads == null) {
            AtomicInteger created = new AtomicInteger();
            // every task handed to a live thread (a new one if none is idle): no split waits in a queue
            ownThreads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 1, TimeUnit.MINUTES, new SynchronousQueue<>(),
                    task -> {
                        Thread thread = new Thread(task, "split-pooling-" + created.incrementAndGet());
                        thread.setDaemon(true);
                        return thread;
                    });
        }
        return ownThreads;
    }

    /**
     * DJL's {@code EasyTrain.fit} with every training batch trained in splits: for each epoch,
     * every batch of {@code train} through {@link #trainBatch(Trainer, Batch)} followed by the
     * optimiser's step, then validation by {@code EasyTrain.evaluateDataset} (evaluation forwards
     * change no state of the head and need no pooling; on several devices each split is centred
     * by its own rows, as the heads centre any evaluated rows) and the listeners' {@code onEpoch}.
     *
     * @param trainer the trainer of a model whose head pools through this
     * @param epochs passes over {@code train}, not negative
     * @param train the training data
     * @param validate the validation data, or null for none
     * @throws IOException from the datasets
     * @throws TranslateException from the datasets
     */
    public void fit(Trainer trainer, int epochs, Dataset train, Dataset validate)
            throws IOException, TranslateException {
        if (trainer == null || train == null) {
            throw new IllegalArgumentException("split pooling: trainer and training data must not be null");
        }
        if (epochs < 0) {
            throw new IllegalArgumentException("split pooling: epochs must not be negative, got " + epochs);
        }
        for (int epoch = 0; epoch < epochs; epoch++) {
            for (Batch batch : trainer.iterateDataset(train)) {
                try {
                    trainBatch(trainer, batch);
                    trainer.step();
                } finally {
                    batch.close();
                }
            }
            EasyTrain.evaluateDataset(trainer, validate);
            trainer.notifyListeners(listener -> listener.onEpoch(trainer));
        }
    }

    /**
     * {@link #trainBatch(Trainer, Batch, ExecutorService)} on the pooling's own threads, one per
     * split.
     *
     * @param trainer the trainer of a model whose head pools through this
     * @param batch the step's batch, at least {@link #splits()} rows
     */
    public void trainBatch(Trainer trainer, Batch batch) {
        trainBatch(trainer, batch, ownThreads());
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
        return arrive(local, parts -> {
            try (NDManager scope = local.classSums().getManager().newSubManager()) {
                return step.apply(splits == 1 ? local : ClassStatistics.sum(parts, scope));
            }
        });
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException as {@link #poolAndStep}
     */
    @Override
    public void meet(Runnable once) {
        if (once == null) {
            throw new IllegalArgumentException("split pooling: what runs once must not be null");
        }
        arrive(null, parts -> {
            once.run();
            return null;
        });
    }

    /**
     * Joins the step's round with {@code local} (null for a split that brings no statistics): the
     * last split to arrive runs {@code atLast} on the statistics of all, the others wait for its
     * result, and every split returns it.
     */
    private <R> R arrive(ClassStatistics local, Function<List<ClassStatistics>, R> atLast) {
        Round round;
        boolean last;
        synchronized (this) {
            requireInStep();
            if (current.parts.isEmpty() && !deferred.isEmpty()) {
                markBroken("a step whose backward was not completed (completeBackward(collector) was not called)");
                throw new IllegalStateException("split pooling: the backward of the previous step was not completed;"
                        + " call completeBackward(collector) after every split's backward and before the optimiser's"
                        + " step");
            }
            if (!current.parts.isEmpty() && (current.parts.get(0) == null) != (local == null)) {
                markBroken("a step in which some splits pooled statistics and others did not");
                throw new IllegalStateException("split pooling: some splits of the step pool statistics and others"
                        + " only meet; a pooling serves one head");
            }
            round = current;
            round.parts.add(local);
            last = round.parts.size() == splits;
            if (last) {
                current = new Round();
            }
        }
        if (last) {
            try {
                round.result = atLast.apply(round.parts);
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

    /** Splits of the current step that have arrived and wait for the others. */
    synchronized int waitingSplits() {
        return current.parts.size();
    }

    private void requireInStep() {
        if (broken != null) {
            throw new FollowsFailure("split pooling is out of step since " + broken + "; build a new head or pooling",
                    null);
        }
    }

    @Override
    public synchronized void deferBackward(SplitBackward split) {
        if (split == null) {
            throw new IllegalArgumentException("split pooling: the deferred backward must not be null");
        }
        requireInStep();
        deferred.add(split);
    }

    /**
     * Completes the backward of the step whose splits have all run their backward (each its own
     * loss's, in DJL's {@code collector.backward(loss)}): sums the gradients the splits' losses
     * left on the pooled statistics and takes them back to every split's rows and features
     * ({@link SplitBackward}), so that the network's gradients are those of the summed loss of
     * all splits, as if the batch had not been split. Call it once per step, after the splits
     * are joined and before the optimiser's step, inside the same gradient collector. Does
     * nothing for a step whose head needs nothing from the other splits' losses (the standard
     * and fixed heads). Training forwards of the implicit head that no backward follows (outside
     * a gradient collector) are completed too, with a collector of one's own: their leaves hold
     * no gradient and the completion passes zeros on.
     *
     * @param collector the collector the splits' backward passes ran in
     * @throws IllegalStateException when fewer splits than {@link #splits()} handed in their
     *     backward, or when the pooling is out of step (a split failed)
     */
    @Override
    public void completeBackward(GradientCollector collector) {
        if (collector == null) {
            throw new IllegalArgumentException("split pooling: completing the backward needs the gradient collector");
        }
        List<SplitBackward> parts;
        synchronized (this) {
            requireInStep();
            parts = new ArrayList<>(deferred);
            deferred.clear();
        }
        if (parts.isEmpty()) {
            return;
        }
        if (parts.size() != splits) {
            markBroken("a step in which " + parts.size() + " of " + splits + " splits deferred their backward");
            throw new IllegalStateException("split pooling: " + parts.size() + " of " + splits + " splits of the step"
                    + " handed in their backward; every split must run its training forward");
        }
        try (NDManager scope = parts.get(0).manager().newSubManager()) {
            NDArray classSums = parts.get(0).classSumsGradient(scope);
            NDArray featureSum = parts.get(0).featureSumGradient(scope);
            for (SplitBackward part : parts.subList(1, parts.size())) {
                classSums.addi(part.classSumsGradient(scope));
                featureSum.addi(part.featureSumGradient(scope));
            }
            for (SplitBackward part : parts) {
                part.complete(classSums, featureSum, collector);
            }
        } catch (RuntimeException | Error failure) {
            // the step's gradients are not whole (some splits completed, some not)
            markBroken("a step whose backward could not be completed (" + failure + ")");
            throw failure;
        }
    }

    /**
     * One training batch of a data-parallel step, as DJL's {@code EasyTrain.trainBatch} but with
     * the splits run concurrently and joined: the batch is cut into {@link #splits()} splits
     * (split i on the trainer's device {@code i mod devices}), each split's forward, loss and
     * backward run in a task of {@code executor}, then {@link #completeBackward} runs and the
     * trainer's listeners get {@code onTrainingBatch} with the predictions and labels of all
     * splits. The optimiser's step is the caller's ({@code trainer.step()}), as after
     * {@code EasyTrain.trainBatch}.
     *
     * <p>DJL 0.35.1's own multi-device {@code trainBatch} cannot drive a pooling head: without an
     * executor service it runs the splits one after another, and with one it does not wait for
     * them (docs/distributed-etf-head.md section 2).
     *
     * @param trainer the trainer of a model whose head pools through this
     * @param batch the step's batch, at least {@link #splits()} rows
     * @param executor runs the splits, at least {@link #splits()} at a time
     * @throws IllegalArgumentException when the batch has fewer rows than splits, when the
     *     trainer's model does not have exactly one ETF head pooling through this, when a data or
     *     label array does not have the rows on its first axis, or when the executor is a
     *     {@code ThreadPoolExecutor} or {@code ForkJoinPool} that cannot run every split at once
     *     (other executors are not inspected: one that cannot is reported after the timeout)
     * @throws RuntimeException what a split threw (the other splits of the step are released, and the
     *     pooling refuses later steps: build a new head or pooling)
     */
    public void trainBatch(Trainer trainer, Batch batch, ExecutorService executor) {
        if (trainer == null || batch == null || executor == null) {
            throw new IllegalArgumentException("split pooling: trainer, batch and executor must not be null");
        }
        if (batch.getSize() < splits) {
            throw new IllegalArgumentException("split pooling: a batch of " + batch.getSize() + " rows cannot be cut"
                    + " into " + splits + " splits");
        }
        if (trainer.getManager().getEngine() != batch.getManager().getEngine()) {
            throw new IllegalArgumentException("split pooling: the batch's arrays belong to engine "
                    + batch.getManager().getEngine().getEngineName() + ", the trainer's to "
                    + trainer.getManager().getEngine().getEngineName() + "; create the batch with the trainer's engine");
        }
        requireHeadPoolsHere(trainer.getModel().getBlock());
        requireRoomForEverySplit(executor);
        Device[] devices = trainer.getDevices();
        Device[] splitDevices = new Device[splits];
        for (int i = 0; i < splits; i++) {
            splitDevices[i] = devices[i % devices.length];
        }
        requireNoSharedBatchNorm(trainer.getModel().getBlock(), splitDevices);
        Batch[] parts = cut(batch, splitDevices);
        NDList[] predictions = new NDList[parts.length];
        List<Future<?>> running = new ArrayList<>(parts.length);
        try (GradientCollector collector = trainer.newGradientCollector()) {
            try {
                for (int i = 0; i < parts.length; i++) {
                    final int split = i;
                    running.add(executor.submit(() -> {
                        try {
                            NDList labels = parts[split].getLabels();
                            predictions[split] = trainer.forward(parts[split].getData(), labels);
                            collector.backward(trainer.getLoss().evaluate(labels, predictions[split]));
                        } catch (RuntimeException | Error failure) {
                            release(failure);
                            throw failure;
                        }
                    }));
                }
            } catch (RuntimeException | Error rejected) {
                // the splits already running would wait for the one that cannot start
                release(rejected);
                joinAll(running, rejected);
                throw rejected;
            }
            joinAll(running, null);
            completeBackward(collector);
        }
        BatchData data = new BatchData(batch, new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
        for (Device device : new LinkedHashSet<>(List.of(splitDevices))) {
            NDList labels = null;
            NDList outputs = null;
            for (int i = 0; i < parts.length; i++) {
                if (splitDevices[i].equals(device)) {
                    labels = concat(labels, parts[i].getLabels());
                    outputs = concat(outputs, predictions[i]);
                }
            }
            data.getLabels().put(device, labels);
            data.getPredictions().put(device, outputs);
        }
        trainer.notifyListeners(listener -> listener.onTrainingBatch(trainer, data));
    }

    /**
     * Refuses a thread pool that cannot run every split at once: the splits it queued would never
     * start while the others wait for them.
     */
    private void requireRoomForEverySplit(ExecutorService executor) {
        int threads = Integer.MAX_VALUE;
        if (executor instanceof ThreadPoolExecutor pool) {
            boolean handsOver = pool.getQueue() instanceof SynchronousQueue;
            threads = handsOver ? pool.getMaximumPoolSize() : pool.getCorePoolSize();
        } else if (executor instanceof ForkJoinPool pool) {
            threads = pool.getParallelism();
        }
        if (threads < splits) {
            throw new IllegalArgumentException("split pooling: the executor runs " + threads + " tasks at once, but"
                    + " the " + splits + " splits of a batch must run at the same time (trainBatch(trainer, batch)"
                    + " uses a thread per split)");
        }
    }

    /**
     * Refuses a model whose splits would not meet here: one without an ETF head reachable through
     * {@link Block#getChildren()}, one whose head pools elsewhere (or not at all: it would take
     * every split for a step of its own), and one with several ETF heads (one pooling serves one
     * head; a loop of one's own can give each head its pooling and complete each).
     */
    private void requireHeadPoolsHere(Block model) {
        List<EtfHeadBlock> heads = new ArrayList<>();
        collect(model, EtfHeadBlock.class, heads);
        if (heads.size() != 1) {
            throw new IllegalArgumentException("split pooling: trainBatch trains a model with one EtfHeadBlock, found "
                    + heads.size() + (heads.isEmpty() ? " (a head held outside the block tree, which getChildren does"
                    + " not show, cannot be found)" : ""));
        }
        if (heads.get(0).splitPooling() != this) {
            throw new IllegalArgumentException("split pooling: the model's EtfHeadBlock pools through "
                    + heads.get(0).splitPooling() + ", not this pooling; set it with EtfHeadBlock.setSplitPooling"
                    + " before training in splits");
        }
    }

    /**
     * Refuses batch normalisation when two splits share a device: both would update that device's
     * running mean and variance in place at the same time.
     */
    private static void requireNoSharedBatchNorm(Block model, Device[] splitDevices) {
        if (new LinkedHashSet<>(List.of(splitDevices)).size() == splitDevices.length) {
            return;
        }
        List<Block> norms = new ArrayList<>();
        collect(model, BatchNorm.class, norms);
        if (!norms.isEmpty()) {
            throw new IllegalArgumentException("split pooling: the model has batch normalisation and "
                    + splitDevices.length + " splits on " + new LinkedHashSet<>(List.of(splitDevices)).size()
                    + " device(s): splits sharing a device would update its running statistics at the same time;"
                    + " give the trainer a device per split");
        }
    }

    private static <B> void collect(Block block, Class<B> type, List<? super B> found) {
        if (type.isInstance(block)) {
            found.add(type.cast(block));
        }
        for (Block child : block.getChildren().values()) {
            collect(child, type, found);
        }
    }

    /**
     * The batch cut into {@code devices.length} splits of sizes that differ by at most one row
     * (DJL's own cut, in pieces of {@code ceil(B / k)} rows, leaves trailing splits empty for
     * some sizes, 6 rows in 4 for example), split i on {@code devices[i]}, owned by a manager of
     * the batch's. The first axis of every data and label array must be the batch's rows.
     */
    private static Batch[] cut(Batch batch, Device[] devices) {
        int rows = batch.getSize();
        requireRowsFirst(batch.getData(), rows, "data");
        requireRowsFirst(batch.getLabels(), rows, "labels");
        Batch[] parts = new Batch[devices.length];
        for (int i = 0; i < devices.length; i++) {
            int start = (int) ((long) i * rows / devices.length);
            int end = (int) ((long) (i + 1) * rows / devices.length);
            parts[i] = new Batch(batch.getManager().newSubManager(devices[i]),
                    rowsOf(batch.getData(), start, end, devices[i]), rowsOf(batch.getLabels(), start, end, devices[i]),
                    end - start, Batchifier.STACK, Batchifier.STACK, batch.getProgress(), batch.getProgressTotal());
        }
        return parts;
    }

    private static NDList rowsOf(NDList arrays, int start, int end, Device device) {
        NDList rows = new NDList(arrays.size());
        for (NDArray array : arrays) {
            NDArray slice = array.get(new NDIndex("{}:{}", start, end));
            NDArray moved = slice.toDevice(device, false);
            if (moved != slice) {
                slice.close();
            }
            rows.add(moved);
        }
        return rows;
    }

    /** Refuses arrays whose first axis is not the batch's rows: they cannot be cut by rows. */
    private static void requireRowsFirst(NDList arrays, int rows, String what) {
        for (NDArray array : arrays) {
            if (array.getShape().dimension() == 0 || array.getShape().get(0) != rows) {
                throw new IllegalArgumentException("split pooling: a batch of " + rows + " rows has " + what
                        + " of shape " + array.getShape() + "; every data and label array must have the rows on its"
                        + " first axis (DJL's STACK batchifier) to be cut into splits");
            }
        }
    }

    private static NDList concat(NDList sofar, NDList more) {
        if (sofar == null) {
            return more;
        }
        NDList joined = new NDList(sofar.size());
        for (int i = 0; i < sofar.size(); i++) {
            joined.add(sofar.get(i).concat(more.get(i), 0));
        }
        return joined;
    }

    /**
     * Waits for every split, also when interrupted (the splits use the batch and the collector,
     * which the caller closes once this returns), then throws the failure of the split that
     * failed first in its own right ({@code reported} if given), not one a failure released. An
     * interruption releases the waiting splits and is restored on the thread afterwards.
     */
    private void joinAll(List<Future<?>> running, Throwable reported) {
        Throwable first = reported;
        boolean interrupted = false;
        for (Future<?> split : running) {
            while (true) {
                try {
                    split.get();
                    break;
                } catch (CancellationException cancelled) {
                    // the executor dropped the split: the others are released by the failure
                    release(cancelled);
                    if (first == null || first instanceof FollowsFailure) {
                        first = new IllegalStateException("split pooling: the executor cancelled a split", cancelled);
                    }
                    break;
                } catch (ExecutionException failed) {
                    Throwable cause = failed.getCause();
                    if (first == null || first instanceof FollowsFailure && !(cause instanceof FollowsFailure)) {
                        first = cause;
                    }
                    break;
                } catch (InterruptedException interruption) {
                    if (!interrupted) {
                        interrupted = true;
                        release(interruption);
                        if (first == null) {
                            first = new IllegalStateException("split pooling: interrupted while the splits ran; the"
                                    + " step was abandoned", interruption);
                        }
                    }
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (first instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (first instanceof Error error) {
            throw error;
        }
    }

    /** A split failed before or after it arrived: the splits waiting for it are released with the failure. */
    private synchronized void release(Throwable failure) {
        markBroken("a step in which a split failed (" + failure + ")");
        Round round = current;
        if (!round.parts.isEmpty()) {
            round.failure = new FollowsFailure("split pooling: another split of the step failed", failure);
            round.done.countDown();
            current = new Round();
        }
    }

    /**
     * Waits for the round's result: at most the timeout for the other splits to arrive, then, all
     * being there, as long as the step itself takes.
     */
    private void awaitRound(Round round) {
        try {
            boolean done = round.done.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (!done) {
                int present;
                synchronized (this) {
                    present = round.parts.size();
                }
                if (present < splits) {
                    markBroken("a step in which only " + present + " of " + splits + " splits arrived");
                    throw new IllegalStateException("split pooling: only " + present + " of " + splits
                            + " splits of the step arrived within " + timeout + "; the splits must run concurrently"
                            + " (one thread each), not one after another");
                }
                // every split is there and the step runs: it ends (the last split counts down in any case)
                round.done.await();
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            markBroken("a split was interrupted while waiting for the others");
            throw new IllegalStateException("split pooling: interrupted while waiting for the other splits",
                    interrupted);
        }
    }

    /** Falls out of step; the deferred backwards are dropped (their batches may be closed by now). */
    private synchronized void markBroken(String why) {
        if (broken == null) {
            broken = why;
        }
        deferred.clear();
    }

    @Override
    public String toString() {
        return "ConcurrentSplitPooling[splits=" + splits + ", timeout=" + timeout + "]";
    }

    /**
     * What a split throws because another split failed: released while waiting for it, or
     * arriving after the pooling fell out of step.
     */
    private static final class FollowsFailure extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        FollowsFailure(String message, Throwable cause) {
            super(message, cause);
        }
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
