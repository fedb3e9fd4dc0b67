package dev.stiefel.etf;

import dev.stiefel.ddn.BackwardMethod;
import dev.stiefel.testkit.TestMatrices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImplicitEtfHeadTest {

    private static final double TAU = 5.0;
    private static final double BOUND_TOLERANCE = 1e-10;
    /** Five-point stencil (h = 1e-3) against the analytic chain; G's conditioning is about 1/delta. */
    private static final double GRADIENT_TOLERANCE = 1e-7;
    private static final int WARM_UP_STEPS = 3;

    private static int[] randomLabels(int batch, int numClasses, SplittableRandom random) {
        int[] labels = new int[batch];
        for (int index = 0; index < batch; index++) {
            labels[index] = random.nextInt(numClasses);
        }
        return labels;
    }

    private static byte[] saved(ImplicitEtfHead head) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream output = new DataOutputStream(bytes)) {
            head.saveState(output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static Runnable restorer(ImplicitEtfHead head, byte[] state) {
        return () -> {
            try {
                head.restoreState(new DataInputStream(new ByteArrayInputStream(state)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    @ParameterizedTest
    @CsvSource({"10, 10, 3, 1", "12, 5, 2, 2", "512, 10, 2, 3", "64, 20, 1, 4"})
    void perfectEtfFeaturesReachTheLowerBound(int dimension, int numClasses, int perClass, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ImplicitEtfHead head = new ImplicitEtfHead(dimension, numClasses, EtfOptions.defaults());
        DMatrixRMaj etf = new DMatrixRMaj(dimension, numClasses);
        DMatrixRMaj rotation = TestMatrices.haarStiefel(dimension, numClasses, random);
        CommonOps_DDRM.mult(rotation, SimplexEtf.normalised(numClasses, new DMatrixRMaj(1, 1)), etf);
        int[] labels = TestMatrices.balancedLabels(numClasses * perClass, numClasses);
        double bound = SimplexEtf.crossEntropyLowerBound(numClasses, TAU);
        for (int step = 0; step < 2; step++) {
            DMatrixRMaj features = HeadChecks.etfFeatures(etf, labels, random);
            DMatrixRMaj logits = head.forward(features, labels, new DMatrixRMaj(1, 1));
            assertEquals(bound, CrossEntropy.loss(logits, labels), BOUND_TOLERANCE);
            assertTrue(TestMatrices.maxAbsDifference(head.classifier(), etf) < 1e-10);
        }
    }

    @ParameterizedTest
    @CsvSource({"6, 3, 9, 1", "8, 4, 10, 2", "5, 5, 12, 3"})
    void forwardOnlyBackwardMatchesFiniteDifferencesWithTheSolutionHeldFixed(int dimension, int numClasses,
            int batch, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ImplicitEtfHead head = new ImplicitEtfHead(dimension, numClasses,
                EtfOptions.defaults().withBackwardMode(BackwardMode.FORWARD_ONLY));
        DMatrixRMaj features = TestMatrices.gaussian(batch, dimension, random);
        int[] labels = randomLabels(batch, numClasses, random);
        DMatrixRMaj analytic = HeadChecks.analyticFeaturesGradient(head, () -> { }, features, labels).copy();
        // the same W frozen: a linear head initialised with it (its columns already have unit norm)
        LearnedLinearHead frozen = new LearnedLinearHead(head.classifier(), TAU,
                FeatureCentring.BATCH_MEAN_DIFFERENTIATED);
        assertTrue(TestMatrices.maxAbsDifference(frozen.classifier(), head.classifier()) < 1e-14);
        DMatrixRMaj numeric = HeadChecks.numericFeaturesGradient(frozen, () -> { }, features, labels);
        assertTrue(TestMatrices.relativeError(analytic, numeric) < GRADIENT_TOLERANCE,
                () -> "relative error " + TestMatrices.relativeError(analytic, numeric));
    }

    @ParameterizedTest
    @CsvSource({
        "6, 3, 9, 1, CLOSED_FORM", "8, 4, 10, 2, CLOSED_FORM", "5, 5, 12, 3, CLOSED_FORM",
        "6, 3, 9, 4, MATRIX_FREE", "8, 4, 10, 5, DENSE", "8, 4, 10, 6, DENSE_KRONECKER"})
    void fullBackwardMatchesFiniteDifferencesThroughTheSolutionAndTheMovingAverage(int dimension, int numClasses,
            int batch, long seed, BackwardMethod method) {
        SplittableRandom random = new SplittableRandom(seed);
        ImplicitEtfHead head = new ImplicitEtfHead(dimension, numClasses,
                EtfOptions.defaults().withBackwardMethod(method));
        // warm up: step 1 treats Uprox = U6(Ht) as a constant (docs/mathematics.md section 5), so differentiate a later step
        for (int step = 0; step < WARM_UP_STEPS; step++) {
            int[] labels = TestMatrices.balancedLabels(batch, numClasses);
            head.forward(TestMatrices.gaussian(batch, dimension, random), labels, new DMatrixRMaj(1, 1));
        }
        Runnable reset = restorer(head, saved(head));
        DMatrixRMaj features = TestMatrices.gaussian(batch, dimension, random);
        int[] labels = randomLabels(batch, numClasses, random);
        labels[0] = 0;
        for (int index = 1; index < batch; index++) {
            // class C-1 missing from this batch: its EMA column is kept, it carries no gradient
            labels[index] = labels[index] == numClasses - 1 ? 0 : labels[index];
        }
        DMatrixRMaj analytic = HeadChecks.analyticFeaturesGradient(head, reset, features, labels).copy();
        DMatrixRMaj numeric = HeadChecks.numericFeaturesGradient(head, reset, features, labels);
        assertTrue(TestMatrices.relativeError(analytic, numeric) < GRADIENT_TOLERANCE,
                () -> "relative error " + TestMatrices.relativeError(analytic, numeric));
        // and the solution's path matters: FORWARD_ONLY differs
        ImplicitEtfHead forwardOnly = new ImplicitEtfHead(dimension, numClasses,
                EtfOptions.defaults().withBackwardMode(BackwardMode.FORWARD_ONLY));
        Runnable resetForwardOnly = restorer(forwardOnly, saved(head));
        DMatrixRMaj partial = HeadChecks.analyticFeaturesGradient(forwardOnly, resetForwardOnly, features, labels);
        assertTrue(TestMatrices.relativeError(partial, numeric) > 100 * GRADIENT_TOLERANCE);
    }

    @Test
    void trustRegionStepsSolveEachStepsProblemLikeTheClosedForm() {
        SplittableRandom random = new SplittableRandom(13);
        int dimension = 30;
        int numClasses = 6;
        ImplicitEtfHead head = new ImplicitEtfHead(dimension, numClasses,
                EtfOptions.defaults().withMethod(EtfSolverMethod.TRUST_REGIONS));
        NearestEtf<DMatrixRMaj> closedForm = new NearestEtf<>(dev.stiefel.kernel.Kernels.cpu(),
                dev.stiefel.manifold.Stiefel.onCpu(dimension, numClasses), dimension, numClasses, EtfOptions.defaults());
        DMatrixRMaj expected = new DMatrixRMaj(dimension, numClasses);
        for (int step = 0; step < 3; step++) {
            int[] labels = TestMatrices.balancedLabels(12, numClasses);
            head.forward(TestMatrices.gaussian(12, dimension, random), labels, new DMatrixRMaj(1, 1));
            NearestEtfProblem<DMatrixRMaj> problem = head.state().solver().problem();
            closedForm.solve(problem.target(), problem.proximalPoint(), null, expected);
            assertTrue(TestMatrices.maxAbsDifference(expected, head.state().solution()) < 1e-8);
            assertEquals(EtfSolverMethod.TRUST_REGIONS, head.state().lastSolveResult().method());
            // at step 1, (7) starts at its own solution: Uprox = U6 minimises both of its terms
            assertTrue(head.state().lastSolveResult().iterations() > (step == 0 ? -1 : 0));
        }
    }

    @Test
    void classifierIsTheScaledCentredSolutionAndEvaluateLeavesTheStateAlone() {
        SplittableRandom random = new SplittableRandom(8);
        ImplicitEtfHead head = new ImplicitEtfHead(9, 4, EtfOptions.defaults());
        DMatrixRMaj features = TestMatrices.gaussian(8, 9, random);
        int[] labels = TestMatrices.balancedLabels(8, 4);
        DMatrixRMaj logits = head.forward(features, labels, new DMatrixRMaj(1, 1)).copy();
        DMatrixRMaj expected = new DMatrixRMaj(9, 4);
        CommonOps_DDRM.mult(head.state().solution(), SimplexEtf.normalised(4, new DMatrixRMaj(1, 1)), expected);
        assertTrue(TestMatrices.maxAbsDifference(expected, head.classifier()) < 1e-15);
        long step = head.state().step();
        DMatrixRMaj evaluated = head.evaluate(features, new DMatrixRMaj(1, 1));
        assertEquals(0.0, TestMatrices.maxAbsDifference(logits, evaluated));
        assertEquals(step, head.state().step());
    }

    @Test
    void badInputIsRejected() {
        EtfOptions options = EtfOptions.defaults();
        assertThrows(IllegalArgumentException.class, () -> new ImplicitEtfHead(4, 5, options));
        assertThrows(IllegalArgumentException.class, () -> new ImplicitEtfHead(4, 1, options));
        assertThrows(IllegalArgumentException.class, () -> new ImplicitEtfHead(4, 3, null));
        ImplicitEtfHead head = new ImplicitEtfHead(6, 3, options);
        DMatrixRMaj logits = new DMatrixRMaj(1, 1);
        assertThrows(IllegalArgumentException.class, () -> head.forward(new DMatrixRMaj(3, 5), new int[] {0, 1, 2}, logits));
        DMatrixRMaj features = TestMatrices.gaussian(3, 6, new SplittableRandom(3));
        IllegalArgumentException label = assertThrows(IllegalArgumentException.class,
                () -> head.forward(features, new int[] {0, 1, 3}, logits));
        assertTrue(label.getMessage().contains("outside"), label.getMessage());
        DMatrixRMaj infinite = features.copy();
        infinite.set(2, 5, Double.NEGATIVE_INFINITY);
        assertThrows(IllegalArgumentException.class, () -> head.forward(infinite, new int[] {0, 1, 2}, logits));
        // identical features in every class: all centred class means are zero
        DMatrixRMaj identical = new DMatrixRMaj(3, 6);
        for (int row = 0; row < 3; row++) {
            for (int col = 0; col < 6; col++) {
                identical.set(row, col, col + 1.0);
            }
        }
        ArithmeticException zero = assertThrows(ArithmeticException.class,
                () -> head.forward(identical, new int[] {0, 1, 2}, logits));
        assertTrue(zero.getMessage().contains("zero"), zero.getMessage());
        assertEquals(0, head.state().step());
        assertThrows(IllegalStateException.class, () -> head.backward(new DMatrixRMaj(3, 3), new DMatrixRMaj(1, 1)));
    }

    @Test
    void restoringANeverSteppedStateResetsTheClassifierToANewHeads() {
        int dimension = 6;
        int numClasses = 3;
        SplittableRandom random = new SplittableRandom(21);
        ImplicitEtfHead trained = new ImplicitEtfHead(dimension, numClasses, EtfOptions.defaults());
        int[] labels = TestMatrices.balancedLabels(9, numClasses);
        DMatrixRMaj features = TestMatrices.gaussian(9, dimension, random);
        DMatrixRMaj initialClassifier = trained.classifier().copy();
        for (int step = 0; step < WARM_UP_STEPS; step++) {
            trained.forward(TestMatrices.gaussian(9, dimension, random), labels, new DMatrixRMaj(1, 1));
        }
        assertTrue(TestMatrices.maxAbsDifference(initialClassifier, trained.classifier()) > 1e-3);

        ImplicitEtfHead fresh = new ImplicitEtfHead(dimension, numClasses, EtfOptions.defaults());
        restorer(trained, saved(fresh)).run();
        assertEquals(0, trained.state().step());
        assertEquals(0.0, TestMatrices.maxAbsDifference(fresh.classifier(), trained.classifier()));
        DMatrixRMaj expected = fresh.evaluate(features, new DMatrixRMaj(1, 1));
        DMatrixRMaj actual = trained.evaluate(features, new DMatrixRMaj(1, 1));
        assertEquals(0.0, TestMatrices.maxAbsDifference(expected, actual));
    }

    @Test
    void aFirstBatchOfOneClassIsRejectedWithTheReason() {
        int dimension = 6;
        int numClasses = 3;
        ImplicitEtfHead head = new ImplicitEtfHead(dimension, numClasses, EtfOptions.defaults());
        DMatrixRMaj features = TestMatrices.gaussian(5, dimension, new SplittableRandom(22));
        int[] onlyClassTwo = {2, 2, 2, 2, 2};
        ArithmeticException error = assertThrows(ArithmeticException.class,
                () -> head.forward(features, onlyClassTwo, new DMatrixRMaj(1, 1)));
        assertTrue(error.getMessage().contains("only one class (2)"), error.getMessage());
        assertTrue(error.getMessage().contains("nothing to align"), error.getMessage());
    }
}
