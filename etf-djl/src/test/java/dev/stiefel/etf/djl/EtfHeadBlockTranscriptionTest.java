package dev.stiefel.etf.djl;

import static dev.stiefel.etf.djl.TestBatches.CLASSES;
import static dev.stiefel.etf.djl.TestBatches.DIMENSION;
import static dev.stiefel.etf.djl.TestBatches.STEPS;
import static dev.stiefel.etf.djl.TestBatches.relativeError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import dev.stiefel.etf.BackwardMode;
import dev.stiefel.etf.EtfOptions;
import dev.stiefel.etf.train.HeadKind;
import java.util.function.Function;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every head, trained by DJL's own {@code EasyTrain.trainBatch} and {@code trainer.step()} over
 * five steps (two of them missing classes), against the test's own float64 transcription of the
 * definitions ({@link HeadTranscription}): the logits DJL computes equal the transcription's, and
 * the gradients DJL's autograd leaves on the backbone (and on the standard head's classifier)
 * equal five-point finite differences of the transcription's loss, with the implicit state of the
 * step held as the step leaves it (the previous average and {@code Uprox} constants). Independent
 * of etf-solver's heads.
 */
class EtfHeadBlockTranscriptionTest {

    /** float64 logits against the transcription: rounding, amplified by cond(G) (about 1e3) in the solution. */
    static final double EXACT_F64 = 1e-10;
    /**
     * Five-point differences with step {@link #STEP}: truncation {@code O(STEP^4)} and rounding
     * {@code eps / STEP} times the conditioning of the solve.
     */
    static final double FINITE_DIFFERENCE = 1e-7;
    static final double STEP = 1e-3;
    /** float32 logits and gradients against float64: float32 rounding of features, solve and logits. */
    static final double FLOAT32 = 1e-5;
    /**
     * Logits with {@code delta = 1e-9}: the solution's error is about {@code eps cond(G)}, cond(G)
     * about 1e9; the classifier {@code U* Mh} removes the worst direction ({@code U* 1}), which is
     * why the logits stay far more accurate than that.
     */
    static final double ILL_CONDITIONED = 1e-8;
    static final double LEARNING_RATE = 0.25;
    static final long SEED = 17;

    @ParameterizedTest
    @EnumSource(HeadKind.class)
    void float64LogitsAndGradientsEqualTheTranscriptionAndFiniteDifferences(HeadKind kind) {
        run(kind, DataType.FLOAT64, EXACT_F64, FINITE_DIFFERENCE);
    }

    @ParameterizedTest
    @EnumSource(HeadKind.class)
    void float32LogitsAndGradientsStayWithinTheFloat32Tolerance(HeadKind kind) {
        run(kind, DataType.FLOAT32, FLOAT32, FLOAT32);
    }

    @org.junit.jupiter.api.Test
    void theSvdRouteOfThePolarFactorGivesTheSameLogitsAndGradients() {
        EtfOptions options = options(HeadKind.IMPLICIT);
        EtfHeadBlock head = EtfHeadBlock.implicitOnSvdRoute(DIMENSION, CLASSES, options);
        assertEquals(ImplicitEtfClassifier.Route.SVD,
                run(HeadKind.IMPLICIT, DataType.FLOAT64, EXACT_F64, FINITE_DIFFERENCE, options, head));
    }

    @org.junit.jupiter.api.Test
    void anIllConditionedProblemTakesTheSvdRouteAndStillMatches() {
        // delta = 1e-9 gives cond(G) about 1e9, far past the eigen route's guard (lambda ratio 1e-10)
        EtfOptions options = options(HeadKind.IMPLICIT).withDelta(1e-9);
        EtfHeadBlock head = EtfHeadBlock.implicit(DIMENSION, CLASSES, options);
        assertEquals(ImplicitEtfClassifier.Route.SVD,
                run(HeadKind.IMPLICIT, DataType.FLOAT64, ILL_CONDITIONED, Double.POSITIVE_INFINITY, options, head));
    }

    private static void run(HeadKind kind, DataType type, double logitsTolerance, double gradientTolerance) {
        EtfOptions options = options(kind);
        run(kind, type, logitsTolerance, gradientTolerance, options,
                EtfHeadBlock.create(kind, DIMENSION, CLASSES, options.tau(), options.delta(), SEED));
    }

    /** @return the implicit head's route of the last step (null for the other heads) */
    private static ImplicitEtfClassifier.Route run(HeadKind kind, DataType type, double logitsTolerance,
            double gradientTolerance, EtfOptions options, EtfHeadBlock head) {
        Engine.getEngine("PyTorch").setRandomSeed(1);
        DMatrixRMaj weight = TestBatches.roundedToFloat(TestBatches.weight(SEED));
        double[] bias = TestBatches.roundedToFloat(TestBatches.bias(SEED));
        DMatrixRMaj initialClassifier = kind == HeadKind.STANDARD ? TestBatches.roundedToFloat(new DMatrixRMaj(CLASSES,
                DIMENSION, true, LearnedClassifier.initialValues(DIMENSION, CLASSES, SEED))) : null;
        HeadTranscription transcription = new HeadTranscription(kind, DIMENSION, CLASSES, options, weight, bias,
                initialClassifier);
        try (TinyNetwork network = new TinyNetwork(head, type, weight, bias, LEARNING_RATE, TestBatches.BATCH)) {
            if (initialClassifier != null) {
                TinyNetwork.set(head.getParameters().get("classifier"), initialClassifier.data);
            }
            for (int step = 1; step <= STEPS; step++) {
                DMatrixRMaj inputs = TestBatches.inputs(step);
                int[] labels = TestBatches.labels(step);
                HeadTranscription.Forward expected = transcription.forward(inputs, labels);
                network.trainBatch(inputs, labels);
                String where = kind + " " + type + " step " + step;
                assertTrue(relativeError(expected.logits, network.logits) < logitsTolerance,
                        where + " logits: relative error " + relativeError(expected.logits, network.logits));

                if (gradientTolerance == Double.POSITIVE_INFINITY) {
                    network.step();
                    transcription.step(expected, network.weightGradient, network.biasGradient,
                            network.classifierGradient, LEARNING_RATE);
                    continue;
                }
                Differences numeric = new Differences(transcription, inputs, labels);
                assertTrue(relativeError(numeric.weight, network.weightGradient) < gradientTolerance,
                        where + " backbone weight gradient vs finite differences: "
                                + relativeError(numeric.weight, network.weightGradient));
                assertTrue(relativeError(numeric.bias, network.biasGradient) < gradientTolerance,
                        where + " backbone bias gradient vs finite differences: "
                                + relativeError(numeric.bias, network.biasGradient));
                if (kind == HeadKind.STANDARD) {
                    assertTrue(relativeError(numeric.classifier, network.classifierGradient) < gradientTolerance,
                            where + " classifier gradient vs finite differences: "
                                    + relativeError(numeric.classifier, network.classifierGradient));
                }
                assertTrue(normF(network.weightGradient) > 1e-4, where + ": the gradient must not vanish");

                network.step();
                transcription.step(expected, network.weightGradient, network.biasGradient, network.classifierGradient,
                        LEARNING_RATE);
                assertEquals(kind.isImplicit() ? step : 0, head.step(), where + ": state steps");
            }
            if (kind.isImplicit()) {
                return ((ImplicitEtfClassifier) head.headClassifier()).lastRoute();
            }
            if (kind == HeadKind.STANDARD) {
                // the stored weight is re-normalised lazily; what a forward uses is the transcription's
                assertTrue(relativeError(transposed(transcription.classifier), head.classifier()) < logitsTolerance,
                        "the standard head's classifier after the last step");
            }
            return null;
        }
    }

    static EtfOptions options(HeadKind kind) {
        return EtfOptions.defaults().withBackwardMode(kind == HeadKind.IMPLICIT_FORWARD_ONLY ? BackwardMode.FORWARD_ONLY
                : BackwardMode.FULL);
    }

    static DMatrixRMaj transposed(DMatrixRMaj matrix) {
        DMatrixRMaj out = new DMatrixRMaj(matrix.numCols, matrix.numRows);
        org.ejml.dense.row.CommonOps_DDRM.transpose(matrix, out);
        return out;
    }

    static double normF(DMatrixRMaj matrix) {
        return org.ejml.dense.row.NormOps_DDRM.normF(matrix);
    }

    /**
     * Five-point differences of the transcription's loss in the backbone's weight and bias and the
     * standard head's classifier, with the head's state as the step starts and the step's constants
     * held ({@link HeadTranscription#withConstantsOf}): the fixed head's batch mean, the forward-only
     * head's {@code U*}, the first step's {@code Uprox}.
     */
    static final class Differences {
        final DMatrixRMaj weight;
        final double[] bias;
        final DMatrixRMaj classifier;

        Differences(HeadTranscription transcription, DMatrixRMaj inputs, int[] labels) {
            Function<HeadTranscription.Forward, Double> loss = forward -> forward.loss;
            HeadTranscription frozenHead = transcription.withConstantsOf(transcription.forward(inputs, labels));
            weight = new DMatrixRMaj(transcription.weight.numRows, transcription.weight.numCols);
            for (int i = 0; i < weight.data.length; i++) {
                final int index = i;
                weight.data[i] = stencil(h -> {
                    DMatrixRMaj shifted = transcription.weight.copy();
                    shifted.data[index] += h;
                    return loss.apply(frozenHead.forward(inputs, labels, shifted, transcription.bias,
                            transcription.classifier));
                });
            }
            bias = new double[transcription.bias.length];
            for (int i = 0; i < bias.length; i++) {
                final int index = i;
                bias[i] = stencil(h -> {
                    double[] shifted = transcription.bias.clone();
                    shifted[index] += h;
                    return loss.apply(frozenHead.forward(inputs, labels, transcription.weight, shifted,
                            transcription.classifier));
                });
            }
            if (transcription.classifier != null) {
                classifier = new DMatrixRMaj(transcription.classifier.numRows, transcription.classifier.numCols);
                for (int i = 0; i < classifier.data.length; i++) {
                    final int index = i;
                    classifier.data[i] = stencil(h -> {
                        DMatrixRMaj shifted = transcription.classifier.copy();
                        shifted.data[index] += h;
                        return loss.apply(frozenHead.forward(inputs, labels, transcription.weight, transcription.bias,
                                shifted));
                    });
                }
            } else {
                classifier = null;
            }
        }

        private static double stencil(Function<Double, Double> function) {
            return (-function.apply(2 * STEP) + 8 * function.apply(STEP) - 8 * function.apply(-STEP)
                    + function.apply(-2 * STEP)) / (12 * STEP);
        }
    }

}
