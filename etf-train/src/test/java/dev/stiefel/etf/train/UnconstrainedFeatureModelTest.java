package dev.stiefel.etf.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class UnconstrainedFeatureModelTest {

    /** Sample mean and variance of M standard normals have standard errors 1/sqrt(M) and sqrt(2/M). */
    private static final double STANDARD_ERRORS = 5;

    @ParameterizedTest
    @EnumSource(UfmPreset.class)
    void presetsHaveThePaperShapes(UfmPreset preset) {
        int[][] paper = {{10, 1000, 512}, {100, 5000, 1024}, {200, 5000, 1024}, {1000, 10000, 1024}};
        int[] expected = paper[preset.ordinal()];
        assertArrayEquals(expected, new int[] {preset.numClasses(), preset.numSamples(), preset.featureDimension()});
        assertEquals(preset, UfmPreset.parse(preset.commandLineName()));
        assertEquals(preset, UfmPreset.parse(preset.name()));
    }

    @Test
    void unknownPresetIsNamedInTheMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UfmPreset.parse("ufm-7"));
        assertEquals(true, e.getMessage().contains("ufm-7") && e.getMessage().contains("ufm-1000"));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void startIsSeededStandardNormalWithBalancedLabels(long seed) {
        UnconstrainedFeatureModel model = UnconstrainedFeatureModel.standardNormal(4, 400, 50, seed);
        assertEquals(400, model.numSamples());
        assertEquals(50, model.featureDimension());
        int[] counts = new int[4];
        for (int label : model.labels()) {
            counts[label]++;
        }
        assertArrayEquals(new int[] {100, 100, 100, 100}, counts);

        double[] data = model.features().data;
        double mean = Arrays.stream(data).average().orElseThrow();
        double variance = Arrays.stream(data).map(x -> (x - mean) * (x - mean)).sum() / (data.length - 1);
        assertEquals(0, mean, STANDARD_ERRORS / Math.sqrt(data.length));
        assertEquals(1, variance, STANDARD_ERRORS * Math.sqrt(2.0 / data.length));

        UnconstrainedFeatureModel again = UnconstrainedFeatureModel.standardNormal(4, 400, 50, seed);
        assertArrayEquals(data, again.features().data, 0);
        UnconstrainedFeatureModel other = UnconstrainedFeatureModel.standardNormal(4, 400, 50, seed + 100);
        assertFalse(Arrays.equals(data, other.features().data));
    }

    @Test
    void scaledStartIsTheStandardDrawTimesTheDeviation() {
        double std = 1.0 / Math.sqrt(7);
        DMatrixRMaj standard = UnconstrainedFeatureModel.standardNormal(3, 12, 7, 99).features();
        DMatrixRMaj scaled = UnconstrainedFeatureModel.normal(3, 12, 7, 99, std).features();
        for (int k = 0; k < standard.getNumElements(); k++) {
            assertEquals(std * standard.data[k], scaled.data[k], 0.0);
        }
        NeuralCollapseMetricsTest.assertMessage("std", () -> UnconstrainedFeatureModel.normal(3, 12, 7, 99, 0.0));
        NeuralCollapseMetricsTest.assertMessage("std",
                () -> UnconstrainedFeatureModel.normal(3, 12, 7, 99, Double.POSITIVE_INFINITY));
    }

    @Test
    void badShapesAreRejected() {
        NeuralCollapseMetricsTest.assertMessage("at least 2",
                () -> UnconstrainedFeatureModel.standardNormal(1, 10, 5, 0));
        NeuralCollapseMetricsTest.assertMessage("multiple of the number of classes",
                () -> UnconstrainedFeatureModel.standardNormal(3, 10, 5, 0));
        NeuralCollapseMetricsTest.assertMessage("feature dimension",
                () -> UnconstrainedFeatureModel.standardNormal(2, 10, 0, 0));
        DMatrixRMaj bad = new DMatrixRMaj(4, 2);
        bad.set(1, 1, Double.POSITIVE_INFINITY);
        NeuralCollapseMetricsTest.assertMessage("non-finite", () -> UnconstrainedFeatureModel.ofFeatures(2, bad));
    }
}
