package dev.stiefel.etf;

import dev.stiefel.testkit.TestMatrices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Stiefel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The implicit ETF when the first batches miss classes (B < C, docs/mathematics.md section 4.4): the first
 * problem (6) then has rank {@code < C-1} and is completed nearest to the start.
 */
class ImplicitEtfMissingClassesTest {

    private static final double TAU = 5.0;
    private static final double ORTHONORMALITY_TOLERANCE = 1e-12;
    /** Five-point stencil (h = 1e-3) against the analytic chain; G's conditioning is about 1/delta. */
    private static final double GRADIENT_TOLERANCE = 1e-7;

    private static double orthonormalityDefect(DMatrixRMaj point) {
        DMatrixRMaj gram = TestMatrices.gram(point);
        for (int index = 0; index < point.numCols; index++) {
            gram.add(index, index, -1.0);
        }
        return NormOps_DDRM.normF(gram);
    }

    /** Labels drawn from classes {@code 0 .. seenClasses-1} only, each of them present. */
    private static int[] labelsAmong(int batch, int seenClasses, SplittableRandom random) {
        int[] labels = new int[batch];
        for (int index = 0; index < batch; index++) {
            labels[index] = index < seenClasses ? index : random.nextInt(seenClasses);
        }
        return labels;
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

    private static byte[] saved(ImplicitEtfHead head) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream output = new DataOutputStream(bytes)) {
            head.saveState(output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @ParameterizedTest
    @CsvSource({"7, 5, 3, 1", "9, 6, 3, 2", "6, 6, 4, 3"})
    void stateAdvancesWithClassesNeverSeenAndSolvesSixThenSeven(int dimension, int numClasses, int seenClasses,
            long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ImplicitEtfState<DMatrixRMaj> state = new ImplicitEtfState<>(Kernels.cpu(), Stiefel.onCpu(dimension, numClasses), dimension,
                numClasses, EtfOptions.defaults());
        DMatrixRMaj batch = TestMatrices.gaussian(dimension, numClasses, random);
        boolean[] present = new boolean[numClasses];
        for (int label = 0; label < seenClasses; label++) {
            present[label] = true;
        }
        DMatrixRMaj solution = state.advance(batch, present);
        assertTrue(orthonormalityDefect(solution) < ORTHONORMALITY_TOLERANCE);
        assertFalse(state.seen(numClasses - 1));
        // step 1 solves (7) with Uprox = U6, whose solution is U6 itself: compare with (6) directly
        NearestEtf<DMatrixRMaj> reference = NearestEtf.onCpu(dimension, numClasses, EtfOptions.defaults());
        DMatrixRMaj start = reference.startPoint(new DMatrixRMaj(dimension, numClasses));
        DMatrixRMaj unregularised = new DMatrixRMaj(dimension, numClasses);
        reference.solveUnregularised(state.normalisedMeans(), start, unregularised);
        assertTrue(TestMatrices.maxAbsDifference(solution, unregularised) < 1e-10);
        // and the backward pass through (7) is finite
        DMatrixRMaj upstream = TestMatrices.gaussian(dimension, numClasses, random);
        DMatrixRMaj gradient = state.backward(upstream, new DMatrixRMaj(1, 1));
        for (int index = 0; index < gradient.getNumElements(); index++) {
            assertTrue(Double.isFinite(gradient.data[index]));
        }
        for (int label = seenClasses; label < numClasses; label++) {
            for (int row = 0; row < dimension; row++) {
                assertEquals(0.0, gradient.get(row, label), 0.0);
            }
        }
        // the classes turn up later: the state keeps going
        Arrays.fill(present, true);
        DMatrixRMaj later = state.advance(TestMatrices.gaussian(dimension, numClasses, random), present);
        assertTrue(orthonormalityDefect(later) < ORTHONORMALITY_TOLERANCE);
    }

    @ParameterizedTest
    @CsvSource({"6, 4, 3, 2, 1", "8, 5, 4, 3, 2", "5, 5, 4, 2, 3"})
    void forwardOnlyBackwardOfAFirstBatchMissingClassesMatchesFiniteDifferences(int dimension, int numClasses,
            int batch, int seenClasses, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ImplicitEtfHead head = new ImplicitEtfHead(dimension, numClasses,
                EtfOptions.defaults().withBackwardMode(BackwardMode.FORWARD_ONLY));
        // every evaluation is the head's first step: the rank-deficient problem (6) included
        Runnable reset = restorer(head, saved(head));
        DMatrixRMaj features = TestMatrices.gaussian(batch, dimension, random);
        int[] labels = labelsAmong(batch, seenClasses, random);
        DMatrixRMaj logits = head.forward(features, labels, new DMatrixRMaj(1, 1));
        for (int index = 0; index < logits.getNumElements(); index++) {
            assertTrue(Double.isFinite(logits.data[index]));
        }
        DMatrixRMaj analytic = HeadChecks.analyticFeaturesGradient(head, reset, features, labels).copy();
        LearnedLinearHead frozen = new LearnedLinearHead(head.classifier(), TAU,
                FeatureCentring.BATCH_MEAN_DIFFERENTIATED);
        DMatrixRMaj numeric = HeadChecks.numericFeaturesGradient(frozen, () -> { }, features, labels);
        assertTrue(TestMatrices.relativeError(analytic, numeric) < GRADIENT_TOLERANCE,
                () -> "relative error " + TestMatrices.relativeError(analytic, numeric));
    }

    @ParameterizedTest
    @CsvSource({"6, 4, 3, 2, 4", "8, 5, 4, 3, 5"})
    void fullBackwardWhileClassesAreStillUnseenMatchesFiniteDifferences(int dimension, int numClasses, int batch,
            int seenClasses, long seed) {
        // step 1 treats Uprox = U6 as a constant (docs/mathematics.md section 5), so differentiate step 2, classes still unseen
        SplittableRandom random = new SplittableRandom(seed);
        ImplicitEtfHead head = new ImplicitEtfHead(dimension, numClasses, EtfOptions.defaults());
        head.forward(TestMatrices.gaussian(batch, dimension, random), labelsAmong(batch, seenClasses, random),
                new DMatrixRMaj(1, 1));
        Runnable reset = restorer(head, saved(head));
        DMatrixRMaj features = TestMatrices.gaussian(batch, dimension, random);
        int[] labels = labelsAmong(batch, seenClasses, random);
        DMatrixRMaj analytic = HeadChecks.analyticFeaturesGradient(head, reset, features, labels).copy();
        DMatrixRMaj numeric = HeadChecks.numericFeaturesGradient(head, reset, features, labels);
        assertTrue(TestMatrices.relativeError(analytic, numeric) < GRADIENT_TOLERANCE,
                () -> "relative error " + TestMatrices.relativeError(analytic, numeric));
        DMatrixRMaj classifier = head.classifier();
        DMatrixRMaj product = new DMatrixRMaj(numClasses, numClasses);
        CommonOps_DDRM.multTransA(classifier, classifier, product);
        // W = U Mh has unit-norm columns whatever the completion
        for (int label = 0; label < numClasses; label++) {
            assertEquals(1.0, product.get(label, label), ORTHONORMALITY_TOLERANCE);
        }
    }
}
