package dev.stiefel.etf.train;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Draws mini-batches of sample indices (docs/mathematics.md section 7, "Batches").
 *
 * <ul>
 *   <li>{@link Mode#FULL}: every sample, in order, every step.</li>
 *   <li>{@link Mode#STRATIFIED_K_FOLD} (the default for {@code B >= C}; the authors' sampler):
 *   an epoch is {@code K = floor(N/B)} batches, the test folds of scikit-learn's
 *   {@code StratifiedKFold(n_splits=K, shuffle=True)} with a fresh random state per epoch.
 *   Its fold assignment ({@code _make_test_folds}, scikit-learn 0.22 and later), transcribed:
 *   classes are numbered in order of first appearance among the labels; the labels sorted by
 *   that number are dealt round robin, position {@code p} to fold {@code p mod K}, which fixes
 *   how many samples of each class each fold gets (the same every epoch); then, class by class,
 *   the list of fold numbers of that class (fold 0 repeated its count, then fold 1, ...) is
 *   shuffled and given to the class's samples in index order. Batch {@code k} of the epoch is
 *   fold {@code k}, its indices ascending. Fold sizes are {@code ceil((N - k)/K)}, i.e.
 *   {@code N/K} give or take one, and each class's counts differ by at most one across folds.
 *   For {@code B > N/2}, where scikit-learn refuses to split ({@code K = 1}), the one fold is
 *   the whole data set, every step. The random state differs from the authors' (numpy's Mersenne Twister seeded per epoch from
 *   PyTorch's generator); the shuffles are uniform in both.</li>
 *   <li>{@link Mode#STRATIFIED} (exact batch size): each batch holds {@code floor(B/C)} samples
 *   of every class plus one more of {@code B mod C} distinct classes drawn at random, so class
 *   counts differ by at most one and every class is present. Within a class, samples are drawn
 *   without replacement from a shuffled order that is reshuffled when used up (epochs per
 *   class).</li>
 *   <li>{@link Mode#UNIFORM} (for {@code B < C}): B samples without replacement from a
 *   shuffled order of all samples, reshuffled when used up; some classes are then missing from
 *   a batch and the head applies the rule for missing classes (docs/mathematics.md section 4.4).</li>
 * </ul>
 *
 * Indices within a batch are distinct. Seeded; allocates nothing per batch.
 */
public final class BatchSampler {

    /** How a batch is drawn (see the class comment). */
    public enum Mode {
        /** Every sample, every step. */
        FULL,
        /** The folds of scikit-learn's {@code StratifiedKFold}, {@code floor(N/B)} per epoch. */
        STRATIFIED_K_FOLD,
        /** Exactly B samples, {@code floor(B/C)} or one more of every class. */
        STRATIFIED,
        /** B samples without replacement, classes ignored. */
        UNIFORM
    }

    private final Mode mode;
    private final int numClasses;
    private final int numSamples;
    /** The requested B (N for FULL). */
    private final int batchSize;
    private final int largestBatchSize;
    private final SplittableRandom random;

    /** STRATIFIED and STRATIFIED_K_FOLD: the sample indices of each class, ascending. */
    private final int[][] classMembers;

    /** STRATIFIED: for each class, a permutation of its sample indices. */
    private final int[][] classOrder;
    /** STRATIFIED: 1 for the classes that get one extra sample in the batch being drawn. */
    private final int[] classExtra;
    private final int[] classCursor;
    /** STRATIFIED: permutation of classes, to choose who gets the remainder samples. */
    private final int[] classPermutation;

    /** UNIFORM: permutation of all samples. */
    private final int[] sampleOrder;
    private int sampleCursor;

    /** STRATIFIED_K_FOLD: K, the folds (batches) per epoch. */
    private final int folds;
    /** STRATIFIED_K_FOLD: classes in order of first appearance (scikit-learn's encoding). */
    private final int[] classesByAppearance;
    /** STRATIFIED_K_FOLD: {@code allocation[k][c]}, samples of class c in fold k. */
    private final int[][] allocation;
    /** STRATIFIED_K_FOLD: the shuffled fold numbers of each class's samples. */
    private final int[][] foldsForClass;
    private final int[] foldOf;
    /** STRATIFIED_K_FOLD: the epoch's samples grouped by fold, ascending within a fold. */
    private final int[] epochOrder;
    private final int[] foldStart;
    private final int[] foldFill;
    private int foldCursor;
    /** Whether an epoch was dealt: one fold holds every sample every epoch, so it is dealt once. */
    private boolean dealt;

    /**
     * A sampler over balanced labels: sample {@code i} has label {@code i mod C}, as in
     * {@link UnconstrainedFeatureModel}.
     *
     * @param mode how to draw
     * @param numClasses C >= 2
     * @param numSamples N, a positive multiple of C
     * @param batchSize B, in {@code [1, N]}; ignored (taken as N) for FULL; at least C for
     *     STRATIFIED
     * @param seed seed of the draws
     * @throws IllegalArgumentException for invalid sizes
     */
    public BatchSampler(Mode mode, int numClasses, int numSamples, int batchSize, long seed) {
        this(mode, balancedLabels(numClasses, numSamples), numClasses, batchSize, seed);
    }

    /**
     * A sampler over the given labels.
     *
     * @param mode how to draw
     * @param labels the label of each sample, in {@code [0, C)} (copied)
     * @param numClasses C >= 2
     * @param batchSize B, in {@code [1, N]}; ignored (taken as N) for FULL. STRATIFIED needs
     *     {@code B >= C} and every class to hold at least {@code ceil(B/C)} samples.
     *     STRATIFIED_K_FOLD needs some class with at least {@code K = floor(N/B)} samples, as
     *     scikit-learn's {@code StratifiedKFold} does (a class with fewer than K samples is then
     *     missing from some folds); {@code K = 1} gives one batch of every sample.
     * @param seed seed of the draws
     * @throws IllegalArgumentException for invalid sizes or labels, naming the problem
     */
    public BatchSampler(Mode mode, int[] labels, int numClasses, int batchSize, long seed) {
        if (mode == null) {
            throw new IllegalArgumentException("mode must not be null");
        }
        if (numClasses < 2) {
            throw new IllegalArgumentException("number of classes C must be at least 2, got " + numClasses);
        }
        if (labels == null || labels.length == 0) {
            throw new IllegalArgumentException("labels: at least one sample is needed");
        }
        int[] counts = new int[numClasses];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("labels: label " + labels[i] + " of sample " + i
                        + " is outside [0, " + numClasses + ")");
            }
            counts[labels[i]]++;
        }
        this.mode = mode;
        this.numClasses = numClasses;
        this.numSamples = labels.length;
        this.batchSize = mode == Mode.FULL ? numSamples : batchSize;
        if (this.batchSize < 1 || this.batchSize > numSamples) {
            throw new IllegalArgumentException("batch size must be in [1, N = " + numSamples + "], got " + batchSize);
        }
        this.random = new SplittableRandom(seed);
        classMembers = mode == Mode.STRATIFIED || mode == Mode.STRATIFIED_K_FOLD ? members(labels, counts) : null;

        if (mode == Mode.STRATIFIED) {
            if (batchSize < numClasses) {
                throw new IllegalArgumentException("a stratified batch needs B >= C, got B = " + batchSize
                        + ", C = " + numClasses);
            }
            int needed = (batchSize + numClasses - 1) / numClasses;
            for (int c = 0; c < numClasses; c++) {
                if (counts[c] < needed) {
                    throw new IllegalArgumentException("a stratified batch of B = " + batchSize + " takes up to "
                            + needed + " samples of a class, but class " + c + " has " + counts[c]);
                }
            }
            classOrder = new int[numClasses][];
            classCursor = new int[numClasses];
            classPermutation = new int[numClasses];
            classExtra = new int[numClasses];
            for (int c = 0; c < numClasses; c++) {
                classPermutation[c] = c;
                classOrder[c] = classMembers[c].clone();
                shuffle(classOrder[c]);
            }
        } else {
            classOrder = null;
            classCursor = null;
            classPermutation = null;
            classExtra = null;
        }

        if (mode == Mode.UNIFORM) {
            sampleOrder = new int[numSamples];
            for (int i = 0; i < numSamples; i++) {
                sampleOrder[i] = i;
            }
            shuffle(sampleOrder);
        } else {
            sampleOrder = null;
        }

        if (mode == Mode.STRATIFIED_K_FOLD) {
            // one fold (B > N/2) is the whole data set, where scikit-learn refuses to split
            folds = numSamples / this.batchSize;
            int largestClass = Arrays.stream(counts).max().orElse(0);
            if (folds > largestClass) {
                throw new IllegalArgumentException("stratified k-fold batches: " + folds + " folds (floor(N/B) = floor("
                        + numSamples + "/" + this.batchSize + ")) cannot be more than the samples of every class"
                        + " (at most " + largestClass + "); use a larger batch or uniform batches");
            }
            classesByAppearance = classesByAppearance(labels, counts);
            allocation = allocate(classesByAppearance, counts, folds, numClasses);
            foldsForClass = new int[numClasses][];
            for (int c = 0; c < numClasses; c++) {
                foldsForClass[c] = new int[counts[c]];
            }
            foldOf = new int[numSamples];
            epochOrder = new int[numSamples];
            foldStart = new int[folds + 1];
            foldFill = new int[folds];
            for (int k = 0; k < folds; k++) {
                int size = 0;
                for (int c = 0; c < numClasses; c++) {
                    size += allocation[k][c];
                }
                foldStart[k + 1] = foldStart[k] + size;
            }
        } else {
            folds = 0;
            classesByAppearance = null;
            allocation = null;
            foldsForClass = null;
            foldOf = null;
            epochOrder = null;
            foldStart = null;
            foldFill = null;
        }
        largestBatchSize = mode == Mode.STRATIFIED_K_FOLD ? largestFold() : this.batchSize;
    }

    /**
     * The mode for a batch size: FULL when asked; for {@code B >= C} the stratification asked
     * for ({@link Stratification#K_FOLD}: {@link Mode#STRATIFIED_K_FOLD}, {@link Stratification#EXACT}:
     * {@link Mode#STRATIFIED}); UNIFORM for {@code B < C}, where no batch can hold every class.
     *
     * @param fullBatch whether every step takes every sample
     * @param batchSize B
     * @param numClasses C
     * @param stratification how to stratify batches of {@code B >= C}
     * @return the mode
     */
    public static Mode modeFor(boolean fullBatch, int batchSize, int numClasses, Stratification stratification) {
        if (fullBatch) {
            return Mode.FULL;
        }
        if (batchSize < numClasses) {
            return Mode.UNIFORM;
        }
        return stratification == Stratification.EXACT ? Mode.STRATIFIED : Mode.STRATIFIED_K_FOLD;
    }

    /**
     * {@link #modeFor(boolean, int, int, Stratification)} with the default, {@link Stratification#K_FOLD}.
     *
     * @param fullBatch whether every step takes every sample
     * @param batchSize B
     * @param numClasses C
     * @return the mode
     */
    public static Mode modeFor(boolean fullBatch, int batchSize, int numClasses) {
        return modeFor(fullBatch, batchSize, numClasses, Stratification.K_FOLD);
    }

    /** @return how batches are drawn */
    public Mode mode() {
        return mode;
    }

    /** The batch size asked for (N for FULL); k-fold batches hold about {@code N / floor(N/B)}. */
    public int batchSize() {
        return batchSize;
    }

    /** The most indices one call to {@link #next} writes. */
    public int largestBatchSize() {
        return largestBatchSize;
    }

    /** STRATIFIED_K_FOLD: the folds (batches) of an epoch, {@code floor(N/B)}; 0 for the other modes. */
    public int foldCount() {
        return folds;
    }

    /**
     * Writes the next batch's sample indices to {@code indicesOut[0..count)}.
     *
     * @param indicesOut at least {@link #largestBatchSize()} long
     * @return {@code count}, the size of this batch
     */
    public int next(int[] indicesOut) {
        if (indicesOut.length < largestBatchSize) {
            throw new IllegalArgumentException("index buffer holds " + indicesOut.length
                    + " entries, batches hold up to " + largestBatchSize);
        }
        switch (mode) {
            case FULL -> {
                for (int i = 0; i < numSamples; i++) {
                    indicesOut[i] = i;
                }
                return numSamples;
            }
            case STRATIFIED -> {
                nextStratified(indicesOut);
                return batchSize;
            }
            case UNIFORM -> {
                sampleCursor = take(sampleOrder, sampleCursor, batchSize, indicesOut, 0);
                return batchSize;
            }
            case STRATIFIED_K_FOLD -> {
                return nextFold(indicesOut);
            }
            default -> throw new IllegalStateException("unhandled mode " + mode);
        }
    }

    private int nextFold(int[] indicesOut) {
        if (foldCursor == 0 && (folds > 1 || !dealt)) {
            dealEpoch();
            dealt = true;
        }
        int from = foldStart[foldCursor];
        int count = foldStart[foldCursor + 1] - from;
        System.arraycopy(epochOrder, from, indicesOut, 0, count);
        foldCursor = (foldCursor + 1) % folds;
        return count;
    }

    /**
     * One epoch's fold of every sample: per class (in order of first appearance), its fold
     * numbers in blocks, shuffled, given to its samples in index order; then the samples
     * grouped by fold, ascending within each fold.
     */
    private void dealEpoch() {
        for (int label : classesByAppearance) {
            int[] classFolds = foldsForClass[label];
            int position = 0;
            for (int k = 0; k < folds; k++) {
                for (int r = 0; r < allocation[k][label]; r++) {
                    classFolds[position++] = k;
                }
            }
            shuffle(classFolds);
            int[] samples = classMembers[label];
            for (int r = 0; r < samples.length; r++) {
                foldOf[samples[r]] = classFolds[r];
            }
        }
        System.arraycopy(foldStart, 0, foldFill, 0, folds);
        for (int i = 0; i < numSamples; i++) {
            epochOrder[foldFill[foldOf[i]]++] = i;
        }
    }

    private int largestFold() {
        int largest = 0;
        for (int k = 0; k < folds; k++) {
            largest = Math.max(largest, foldStart[k + 1] - foldStart[k]);
        }
        return largest;
    }

    private void nextStratified(int[] indicesOut) {
        int perClassInBatch = batchSize / numClasses;
        int remainder = batchSize % numClasses;
        // A partial Fisher–Yates pass picks `remainder` distinct classes for the extra samples.
        for (int k = 0; k < remainder; k++) {
            int j = k + random.nextInt(numClasses - k);
            int swap = classPermutation[k];
            classPermutation[k] = classPermutation[j];
            classPermutation[j] = swap;
            classExtra[classPermutation[k]] = 1;
        }
        int position = 0;
        for (int c = 0; c < numClasses; c++) {
            int count = perClassInBatch + classExtra[c];
            classCursor[c] = take(classOrder[c], classCursor[c], count, indicesOut, position);
            position += count;
            classExtra[c] = 0;
        }
    }

    /**
     * Copies {@code count} entries of {@code order} from {@code cursor} to
     * {@code out[start..start+count)}. When the order is used up it is reshuffled with the
     * entries already taken in this call placed last, so a batch never holds an entry twice
     * and every entry still comes once per pass. Requires {@code count <= order.length}.
     *
     * @return the new cursor
     */
    private int take(int[] order, int cursor, int count, int[] out, int start) {
        int taken = 0;
        while (taken < count) {
            if (cursor == order.length) {
                reshuffleKeepingLast(order, out, start, taken);
                cursor = 0;
            }
            out[start + taken++] = order[cursor++];
        }
        return cursor;
    }

    private void reshuffleKeepingLast(int[] order, int[] out, int start, int taken) {
        int length = order.length;
        for (int k = 0; k < taken; k++) {
            int target = length - 1 - k;
            int value = out[start + k];
            for (int i = 0; i <= target; i++) {
                if (order[i] == value) {
                    order[i] = order[target];
                    order[target] = value;
                    break;
                }
            }
        }
        for (int i = length - taken - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
    }

    /** Fisher–Yates from the last entry down, as numpy's {@code shuffle}. */
    private void shuffle(int[] array) {
        for (int i = array.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = array[i];
            array[i] = array[j];
            array[j] = swap;
        }
    }

    private static int[] balancedLabels(int numClasses, int numSamples) {
        UnconstrainedFeatureModel.validateShape(numClasses, numSamples, 1);
        int[] labels = new int[numSamples];
        for (int i = 0; i < numSamples; i++) {
            labels[i] = i % numClasses;
        }
        return labels;
    }

    /** The sample indices of each class, ascending. */
    private static int[][] members(int[] labels, int[] counts) {
        int[][] members = new int[counts.length][];
        int[] filled = new int[counts.length];
        for (int c = 0; c < counts.length; c++) {
            members[c] = new int[counts[c]];
        }
        for (int i = 0; i < labels.length; i++) {
            members[labels[i]][filled[labels[i]]++] = i;
        }
        return members;
    }

    /** The classes that occur, in order of their first sample. */
    private static int[] classesByAppearance(int[] labels, int[] counts) {
        int present = 0;
        for (int count : counts) {
            present += count > 0 ? 1 : 0;
        }
        int[] order = new int[present];
        boolean[] listed = new boolean[counts.length];
        int next = 0;
        for (int label : labels) {
            if (!listed[label]) {
                listed[label] = true;
                order[next++] = label;
            }
        }
        return order;
    }

    /**
     * scikit-learn's allocation: the labels sorted by class number (order of appearance) are
     * dealt round robin, position p to fold p mod K; {@code allocation[k][c]} counts the
     * samples of class c dealt to fold k.
     */
    private static int[][] allocate(int[] classesByAppearance, int[] counts, int folds, int numClasses) {
        int[][] allocation = new int[folds][numClasses];
        int position = 0;
        for (int label : classesByAppearance) {
            for (int r = 0; r < counts[label]; r++) {
                allocation[position % folds][label]++;
                position++;
            }
        }
        return allocation;
    }
}
