package dev.stiefel.cli.ufm;

import dev.stiefel.etf.train.UfmPreset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ParallelRunsTest {

    @ParameterizedTest
    @CsvSource({
        // runs, cores, requested trainers, requested BLAS threads, trainers, BLAS threads
        "9, 2, 0, 0, 2, 1",
        "2, 2, 0, 0, 2, 1",
        "1, 2, 0, 0, 1, 2",
        "1, 16, 0, 0, 1, 16",
        "3, 16, 0, 0, 3, 5",
        "9, 2, 1, 0, 1, 2",
        "9, 2, 0, 2, 2, 2",
        "4, 8, 2, 0, 2, 4"})
    void automaticChoicesFillTheCoresWithoutOversubscribing(int runs, int cores, int trainers, int blas,
            int expectedTrainers, int expectedBlas) {
        ParallelRuns parallel = ParallelRuns.resolve(runs, cores, trainers, blas);
        assertEquals(expectedTrainers, parallel.trainers());
        assertEquals(expectedBlas, parallel.blasThreads());
    }

    @Test
    void invalidRequestsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ParallelRuns.resolve(0, 2, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> ParallelRuns.resolve(2, 2, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> ParallelRuns.resolve(2, 2, 0, -1));
    }

    @ParameterizedTest
    @CsvSource({"UFM_10, 10", "UFM_100, 25", "UFM_200, 25", "UFM_1000, 50"})
    void evaluationIntervalGrowsWithThePreset(UfmPreset preset, int interval) {
        assertEquals(interval, preset.evaluationInterval());
    }
}
