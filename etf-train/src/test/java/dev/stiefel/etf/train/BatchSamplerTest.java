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
            sampler.next(batch);
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
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8}, sampler.next(new int[9]));
    }

    @Test
    void seedFixesTheSequence() {
        int[] a = new BatchSampler(BatchSampler.Mode.STRATIFIED, 4, 40, 10, 9).next(new int[10]);
        int[] b = new BatchSampler(BatchSampler.Mode.STRATIFIED, 4, 40, 10, 9).next(new int[10]);
        assertArrayEquals(a, b);
    }

    @Test
    void modeFollowsThePaperRule() {
        assertEquals(BatchSampler.Mode.FULL, BatchSampler.modeFor(true, 5, 10));
        assertEquals(BatchSampler.Mode.STRATIFIED, BatchSampler.modeFor(false, 10, 10));
        assertEquals(BatchSampler.Mode.UNIFORM, BatchSampler.modeFor(false, 9, 10));
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
