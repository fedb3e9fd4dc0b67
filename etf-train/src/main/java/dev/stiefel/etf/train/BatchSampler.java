package dev.stiefel.etf.train;

import java.util.SplittableRandom;

/**
 * Draws mini-batches of sample indices of a balanced data set (label of sample {@code i} is
 * {@code i mod C}, as in {@link UnconstrainedFeatureModel}).
 *
 * <ul>
 *   <li>{@link Mode#FULL}: every sample, in order, every step.</li>
 *   <li>{@link Mode#STRATIFIED} (requires {@code B >= C}; the paper's Section 3.3): each batch
 *   holds {@code floor(B/C)} samples of every class plus one more of {@code B mod C} distinct
 *   classes drawn at random, so class counts differ by at most one and every class is present.
 *   Within a class, samples are drawn without replacement from a shuffled order that is
 *   reshuffled when used up (epochs per class).</li>
 *   <li>{@link Mode#UNIFORM} (for {@code B < C}): B samples without replacement from a
 *   shuffled order of all samples, reshuffled when used up; some classes are then missing from
 *   a batch and the head applies the rule for missing classes (docs/mathematics.md section 4.4).</li>
 * </ul>
 *
 * Indices within a batch are distinct. Seeded; allocates nothing per batch.
 */
public final class BatchSampler {

    /** How a batch is drawn. */
    public enum Mode { FULL, STRATIFIED, UNIFORM }

    private final Mode mode;
    private final int numClasses;
    private final int numSamples;
    private final int batchSize;
    private final SplittableRandom random;
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

    /**
     * @param mode how to draw
     * @param numClasses C >= 2
     * @param numSamples N, a positive multiple of C
     * @param batchSize B, in {@code [1, N]}; ignored (taken as N) for FULL; at least C for STRATIFIED
     * @param seed seed of the draws
     * @throws IllegalArgumentException for invalid sizes
     */
    public BatchSampler(Mode mode, int numClasses, int numSamples, int batchSize, long seed) {
        UnconstrainedFeatureModel.validateShape(numClasses, numSamples, 1);
        this.mode = mode;
        this.numClasses = numClasses;
        this.numSamples = numSamples;
        this.batchSize = mode == Mode.FULL ? numSamples : batchSize;
        if (this.batchSize < 1 || this.batchSize > numSamples) {
            throw new IllegalArgumentException("batch size must be in [1, N = " + numSamples + "], got " + batchSize);
        }
        if (mode == Mode.STRATIFIED && batchSize < numClasses) {
            throw new IllegalArgumentException("a stratified batch needs B >= C, got B = " + batchSize
                    + ", C = " + numClasses);
        }
        this.random = new SplittableRandom(seed);
        if (mode == Mode.STRATIFIED) {
            int perClass = numSamples / numClasses;
            classOrder = new int[numClasses][perClass];
            classCursor = new int[numClasses];
            classPermutation = new int[numClasses];
            classExtra = new int[numClasses];
            for (int c = 0; c < numClasses; c++) {
                classPermutation[c] = c;
                for (int r = 0; r < perClass; r++) {
                    classOrder[c][r] = r * numClasses + c;
                }
                shuffle(classOrder[c]);
            }
            sampleOrder = null;
        } else if (mode == Mode.UNIFORM) {
            classOrder = null;
            classCursor = null;
            classPermutation = null;
            classExtra = null;
            sampleOrder = new int[numSamples];
            for (int i = 0; i < numSamples; i++) {
                sampleOrder[i] = i;
            }
            shuffle(sampleOrder);
        } else {
            classOrder = null;
            classCursor = null;
            classPermutation = null;
            classExtra = null;
            sampleOrder = null;
        }
    }

    /**
     * The mode the paper's rules give for a batch size: FULL when asked, STRATIFIED when
     * {@code B >= C}, UNIFORM otherwise.
     */
    public static Mode modeFor(boolean fullBatch, int batchSize, int numClasses) {
        if (fullBatch) {
            return Mode.FULL;
        }
        return batchSize >= numClasses ? Mode.STRATIFIED : Mode.UNIFORM;
    }

    public Mode mode() {
        return mode;
    }

    /** Number of indices each call to {@link #next} writes. */
    public int batchSize() {
        return batchSize;
    }

    /**
     * Writes the next batch's sample indices to {@code indicesOut[0..batchSize)}.
     *
     * @return {@code indicesOut}
     */
    public int[] next(int[] indicesOut) {
        if (indicesOut.length < batchSize) {
            throw new IllegalArgumentException("index buffer holds " + indicesOut.length
                    + " entries, batch size is " + batchSize);
        }
        switch (mode) {
            case FULL -> {
                for (int i = 0; i < numSamples; i++) {
                    indicesOut[i] = i;
                }
            }
            case STRATIFIED -> nextStratified(indicesOut);
            case UNIFORM -> nextUniform(indicesOut);
            default -> throw new IllegalStateException("unhandled mode " + mode);
        }
        return indicesOut;
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

    private void nextUniform(int[] indicesOut) {
        sampleCursor = take(sampleOrder, sampleCursor, batchSize, indicesOut, 0);
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

    private void shuffle(int[] array) {
        for (int i = array.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = array[i];
            array[i] = array[j];
            array[j] = swap;
        }
    }
}
