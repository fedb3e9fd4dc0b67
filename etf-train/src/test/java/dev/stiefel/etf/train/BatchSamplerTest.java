package dev.stiefel.etf.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BatchSamplerTest {

    /** Every class in every batch, counts within one of each other, samples distinct, epochs per class. */
    @ParameterizedTest
    @CsvSource({"10, 1000, 256, 1", "10, 1000, 250, 2", "3, 12, 6, 3", "7, 70, 7, 4", "5, 50, 13, 5"})
    void stratifiedBatchesHoldEveryClass(int numClasses, int numSamples, int batchSize, long seed) {
        BatchSampler sampler = new BatchSampler(BatchSampler.Mode.STRATIFIED, numClasses, numSamples, batchSize, seed);
        int[] batch = new int[batchSize];
        int[] timesDrawn = new int[numSamples];
        int batches = 3 * numSamples / batchSize + 1;
        for (int t = 0; t < batches; t++) {
            assertEquals(batchSize, sampler.next(batch));
            int[] counts = new int[numClasses];
            for (int index : batch) {
                assertTrue(index >= 0 && index < numSamples);
                counts[index % numClasses]++;
                timesDrawn[index]++;
            }
            int min = Arrays.stream(counts).min().orElseThrow();
            int max = Arrays.stream(counts).max().orElseThrow();
            assertEquals(batchSize / numClasses, min == max ? max : min);
            assertTrue(max - min <= 1 && min >= 1);
            assertEquals(batchSize, Arrays.stream(batch).distinct().count());
        }
        // Within a class, draws cycle through all its samples before repeating one.
        int perClass = numSamples / numClasses;
        for (int c = 0; c < numClasses; c++) {
            int least = Integer.MAX_VALUE;
            int most = 0;
            for (int r = 0; r < perClass; r++) {
                least = Math.min(least, timesDrawn[r * numClasses + c]);
                most = Math.max(most, timesDrawn[r * numClasses + c]);
            }
            assertTrue(most - least <= 1, "class " + c + " draws range " + least + ".." + most);
        }
    }

    @ParameterizedTest
    @CsvSource({"100, 1000, 64, 6", "10, 30, 7, 7", "10, 20, 9, 8"})
    void uniformBatchesAreDistinctAcrossReshuffles(int numClasses, int numSamples, int batchSize, long seed) {
        BatchSampler sampler = new BatchSampler(BatchSampler.Mode.UNIFORM, numClasses, numSamples, batchSize, seed);
        int[] batch = new int[batchSize];
        int[] timesDrawn = new int[numSamples];
        int batches = 5 * numSamples / batchSize;
        for (int t = 0; t < batches; t++) {
            sampler.next(batch);
            assertEquals(batchSize, Arrays.stream(batch).distinct().count());
            for (int index : batch) {
                timesDrawn[index]++;
            }
        }
        int least = Arrays.stream(timesDrawn).min().orElseThrow();
        int most = Arrays.stream(timesDrawn).max().orElseThrow();
        assertTrue(most - least <= 2, "draw counts range " + least + ".." + most);
    }

    @Test
    void fullBatchIsEverySampleInOrder() {
        BatchSampler sampler = new BatchSampler(BatchSampler.Mode.FULL, 3, 9, 4, 1);
        assertEquals(9, sampler.batchSize());
        int[] batch = new int[9];
        assertEquals(9, sampler.next(batch));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8}, batch);
    }

    @Test
    void seedFixesTheSequence() {
        for (BatchSampler.Mode mode : new BatchSampler.Mode[] {BatchSampler.Mode.STRATIFIED,
            BatchSampler.Mode.STRATIFIED_K_FOLD, BatchSampler.Mode.UNIFORM}) {
            BatchSampler first = new BatchSampler(mode, 4, 40, 10, 9);
            BatchSampler second = new BatchSampler(mode, 4, 40, 10, 9);
            BatchSampler other = new BatchSampler(mode, 4, 40, 10, 10);
            int[] a = new int[10];
            int[] b = new int[10];
            int[] c = new int[10];
            boolean differs = false;
            for (int t = 0; t < 8; t++) {
                first.next(a);
                second.next(b);
                other.next(c);
                assertArrayEquals(a, b, mode + ": same seed, same batches");
                differs |= !Arrays.equals(a, c);
            }
            assertTrue(differs, mode + ": another seed, other batches");
        }
    }

    @Test
    void modeFollowsThePaperRule() {
        assertEquals(BatchSampler.Mode.FULL, BatchSampler.modeFor(true, 5, 10));
        assertEquals(BatchSampler.Mode.STRATIFIED_K_FOLD, BatchSampler.modeFor(false, 10, 10));
        assertEquals(BatchSampler.Mode.STRATIFIED,
                BatchSampler.modeFor(false, 10, 10, Stratification.EXACT));
        assertEquals(BatchSampler.Mode.UNIFORM, BatchSampler.modeFor(false, 9, 10));
        assertEquals(BatchSampler.Mode.UNIFORM, BatchSampler.modeFor(false, 9, 10, Stratification.EXACT));
    }

    /**
     * The k-fold batches against scikit-learn's {@code StratifiedKFold._make_test_folds}
     * (sklearn/model_selection/_split.py, 0.22 and later), transcribed below independently of
     * the sampler: every epoch is {@code K = floor(N/B)} batches; batch k holds exactly
     * {@code allocation[k][c]} samples of each class c, where {@code allocation[k]} is the
     * bincount of {@code sort(y_encoded)[k::K]}; every sample appears once per epoch; a batch's
     * indices ascend; and two epochs deal the samples differently. Balanced and unbalanced
     * classes, classes first appearing out of label order, and classes smaller than K.
     */
    @ParameterizedTest
    @CsvSource({
        "balanced UFM-10, 1000, 10, 256, 0, 1",
        "balanced, 100, 7, 30, 0, 2",
        "balanced UFM-1000 shape, 2000, 100, 200, 0, 3",
        "class c has c + 1 samples, 55, 10, 9, 1, 4",
        "shuffled unbalanced, 97, 5, 20, 2, 5",
        "a class smaller than K, 60, 4, 6, 3, 6"})
    void kFoldBatchesHaveScikitLearnsSizesAndClassCounts(String name, int numSamples, int numClasses,
            int batchSize, int labelling, long seed) {
        int[] labels = labels(numSamples, numClasses, labelling, new java.util.SplittableRandom(seed));
        BatchSampler sampler = new BatchSampler(BatchSampler.Mode.STRATIFIED_K_FOLD, labels, numClasses, batchSize,
                seed);
        int[][] expected = scikitLearnAllocation(labels, numClasses, numSamples / batchSize);
        int folds = expected.length;
        assertEquals(folds, sampler.foldCount());
        int largest = Arrays.stream(expected).mapToInt(row -> Arrays.stream(row).sum()).max().orElseThrow();
        assertEquals(largest, sampler.largestBatchSize());
        int[] batch = new int[largest];
        int[][] firstEpochFold = new int[2][numSamples];
        for (int epoch = 0; epoch < 2; epoch++) {
            int[] timesDrawn = new int[numSamples];
            for (int k = 0; k < folds; k++) {
                int count = sampler.next(batch);
                assertEquals(Arrays.stream(expected[k]).sum(), count, name + ": size of batch " + k);
                int[] classCounts = new int[numClasses];
                for (int position = 0; position < count; position++) {
                    int index = batch[position];
                    classCounts[labels[index]]++;
                    timesDrawn[index]++;
                    firstEpochFold[epoch][index] = k;
                    if (position > 0) {
                        assertTrue(batch[position - 1] < index, name + ": indices ascend within a batch");
                    }
                }
                assertArrayEquals(expected[k], classCounts, name + ": class counts of batch " + k);
            }
            for (int index = 0; index < numSamples; index++) {
                assertEquals(1, timesDrawn[index], name + ": sample " + index + " once per epoch");
            }
        }
        assertTrue(!Arrays.equals(firstEpochFold[0], firstEpochFold[1]), name + ": each epoch deals anew");
    }

    /** At UFM-10 (N = 1000, B = 256): three batches per epoch of 334, 333 and 333 samples. */
    @Test
    void ufmTenBatchesHoldAboutAThirdOfTheData() {
        BatchSampler sampler = new BatchSampler(BatchSampler.Mode.STRATIFIED_K_FOLD, 10, 1000, 256, 1);
        int[] batch = new int[sampler.largestBatchSize()];
        assertEquals(334, sampler.next(batch));
        assertEquals(333, sampler.next(batch));
        assertEquals(333, sampler.next(batch));
        assertEquals(334, sampler.next(batch));
    }

    /** More folds than any class has samples is refused, as scikit-learn refuses it. */
    @Test
    void moreFoldsThanTheLargestClassIsRejected() {
        NeuralCollapseMetricsTest.assertMessage("cannot be more than the samples of every class",
                () -> new BatchSampler(BatchSampler.Mode.STRATIFIED_K_FOLD, 10, 100, 5, 0));
    }

    /** {@code B > N/2}: scikit-learn refuses one fold; here the one fold is every sample, each step. */
    @Test
    void oneFoldIsTheWholeDataSet() {
        BatchSampler sampler = new BatchSampler(BatchSampler.Mode.STRATIFIED_K_FOLD, 10, 100, 60, 0);
        assertEquals(1, sampler.foldCount());
        assertEquals(100, sampler.largestBatchSize());
        int[] batch = new int[100];
        for (int t = 0; t < 3; t++) {
            assertEquals(100, sampler.next(batch));
            for (int i = 0; i < 100; i++) {
                assertEquals(i, batch[i]);
            }
        }
    }

    /**
     * Labels for the k-fold cases: 0 balanced ({@code i mod C}); 1 class c with c + 1 samples in
     * blocks, last class first; 2 random classes with unequal weights, shuffled; 3 class 0 with
     * only 3 samples (fewer than the folds), the others balanced.
     */
    private static int[] labels(int numSamples, int numClasses, int labelling, java.util.SplittableRandom random) {
        int[] labels = new int[numSamples];
        switch (labelling) {
            case 0 -> {
                for (int i = 0; i < numSamples; i++) {
                    labels[i] = i % numClasses;
                }
            }
            case 1 -> {
                int position = 0;
                for (int c = numClasses - 1; c >= 0; c--) {
                    for (int r = 0; r <= c; r++) {
                        labels[position++] = c;
                    }
                }
                assertEquals(numSamples, position);
            }
            case 2 -> {
                for (int i = 0; i < numSamples; i++) {
                    // weights 1 : 2 : 3 : ... by class, then every class at least once
                    labels[i] = (int) Math.floor(numClasses * Math.sqrt(random.nextDouble()));
                }
                for (int c = 0; c < numClasses; c++) {
                    labels[c * 3] = c;
                }
            }
            default -> {
                for (int i = 0; i < numSamples; i++) {
                    labels[i] = i < 3 ? 0 : 1 + i % (numClasses - 1);
                }
            }
        }
        return labels;
    }

    /**
     * scikit-learn's {@code _make_test_folds} allocation, line by line:
     * {@code _, y_idx, y_inv = np.unique(y, return_index=True, return_inverse=True)};
     * {@code _, class_perm = np.unique(y_idx, return_inverse=True)};
     * {@code y_encoded = class_perm[y_inv]}; {@code y_order = np.sort(y_encoded)};
     * {@code allocation = [np.bincount(y_order[i::n_splits], minlength=n_classes) for i in range(n_splits)]}.
     * Returned with columns by the original labels.
     */
    private static int[][] scikitLearnAllocation(int[] y, int numClasses, int splits) {
        // np.unique(y, return_index=True): sorted unique labels and the first index of each
        int[] unique = Arrays.stream(y).distinct().sorted().toArray();
        int[] firstIndex = new int[unique.length];
        for (int u = 0; u < unique.length; u++) {
            for (int i = 0; i < y.length; i++) {
                if (y[i] == unique[u]) {
                    firstIndex[u] = i;
                    break;
                }
            }
        }
        // class_perm: the rank of each unique label's first index
        int[] classPerm = new int[unique.length];
        for (int u = 0; u < unique.length; u++) {
            for (int v = 0; v < unique.length; v++) {
                classPerm[u] += firstIndex[v] < firstIndex[u] ? 1 : 0;
            }
        }
        int[] encoded = new int[y.length];
        for (int i = 0; i < y.length; i++) {
            encoded[i] = classPerm[Arrays.binarySearch(unique, y[i])];
        }
        int[] order = encoded.clone();
        Arrays.sort(order);
        int[][] allocationByEncoded = new int[splits][unique.length];
        for (int split = 0; split < splits; split++) {
            for (int p = split; p < order.length; p += splits) {
                allocationByEncoded[split][order[p]]++;
            }
        }
        int[][] allocation = new int[splits][numClasses];
        for (int u = 0; u < unique.length; u++) {
            for (int split = 0; split < splits; split++) {
                allocation[split][unique[u]] = allocationByEncoded[split][classPerm[u]];
            }
        }
        return allocation;
    }

    @Test
    void badSizesAreRejected() {
        NeuralCollapseMetricsTest.assertMessage("B >= C",
                () -> new BatchSampler(BatchSampler.Mode.STRATIFIED, 10, 100, 5, 0));
        NeuralCollapseMetricsTest.assertMessage("batch size",
                () -> new BatchSampler(BatchSampler.Mode.UNIFORM, 10, 100, 101, 0));
        NeuralCollapseMetricsTest.assertMessage("batch size",
                () -> new BatchSampler(BatchSampler.Mode.UNIFORM, 10, 100, 0, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new BatchSampler(BatchSampler.Mode.UNIFORM, 10, 100, 10, 0).next(new int[5]));
    }
}
