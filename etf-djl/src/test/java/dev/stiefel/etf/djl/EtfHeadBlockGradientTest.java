package dev.stiefel.etf.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import dev.stiefel.etf.ClassifierHead;
import dev.stiefel.etf.CrossEntropy;
import dev.stiefel.etf.ImplicitEtfHead;
import dev.stiefel.etf.LearnedLinearHead;
import dev.stiefel.etf.train.HeadKind;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The surrogate carries the etf-solver heads' gradients into DJL's autograd exactly: on a tiny
 * float64 model (a DJL {@code Linear} backbone and the head), the gradients DJL leaves on the
 * backbone's weight and bias (and on the learned classifier) equal the chain rule through the
 * etf-solver head's own backward, and both equal central finite differences of the loss
 * computed on the host. The third step is checked, so the implicit head's moving average
 * already holds two earlier batches (constants of the third step, as in training) and the solve
 * sits inside the differentiated function. The forward-only implicit head's gradient is that of
 * the same logits with {@code U*} held fixed, so its finite differences freeze the classifier
 * the third step solved for.
 */
class EtfHeadBlockGradientTest {

    /** DJL (float64) against the host chain rule: rounding only. */
    static final double EXACT_F64 = 1e-11;
    /** Central differences with step {@link #STEP}: truncation {@code O(STEP^2)} plus rounding. */
    static final double FINITE_DIFFERENCE = 1e-6;
    static final double STEP = 1e-5;
    /**
     * The same model in float32 against the float64 host chain rule: the float32 round trip of
     * features, logits and gradients (about 1.5e-7 measured here), with room for longer sums.
     */
    static final double FLOAT32 = 1e-5;

    static final int BATCH = 12;
    static final int INPUTS = 5;
    static final int DIMENSION = 6;
    static final int CLASSES = 3;
    static final int STEPS = 3;
    static final double TAU = 5;
    static final double DELTA = 1e-3;
    static final long SEED = 11;

    NDManager manager;

    @BeforeEach
    void setUp() {
        Engine.getEngine("PyTorch").setRandomSeed(3);
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @ParameterizedTest
    @EnumSource(HeadKind.class)
    void djlGradientsEqualTheHeadBackwardAndFiniteDifferences(HeadKind kind) {
        Model model = new Model(kind, DataType.FLOAT64);
        Gradients djl = model.run();
        Reference reference = new Reference(kind, model);
        Gradients chain = reference.chainRule();

        assertClose(chain.weight, djl.weight, EXACT_F64, kind + " backbone weight, DJL vs head backward");
        assertClose(chain.bias, djl.bias, EXACT_F64, kind + " backbone bias, DJL vs head backward");
        Gradients numeric = reference.finiteDifferences();
        assertClose(numeric.weight, chain.weight, FINITE_DIFFERENCE, kind + " backbone weight vs finite differences");
        assertClose(numeric.bias, chain.bias, FINITE_DIFFERENCE, kind + " backbone bias vs finite differences");
        if (kind == HeadKind.STANDARD) {
            assertClose(chain.classifier, djl.classifier, EXACT_F64, "learned classifier, DJL vs head backward");
            assertClose(numeric.classifier, chain.classifier, FINITE_DIFFERENCE,
                    "learned classifier vs finite differences");
        }
        assertTrue(norm(djl.weight) > 1e-3, kind + ": the checked gradient must not be trivially zero");
    }

    @ParameterizedTest
    @EnumSource(HeadKind.class)
    void float32GradientsStayWithinTheStatedTolerance(HeadKind kind) {
        Model model = new Model(kind, DataType.FLOAT32);
        Gradients djl = model.run();
        Gradients chain = new Reference(kind, model).chainRule();
        assertClose(chain.weight, djl.weight, FLOAT32, kind + " float32 backbone weight");
        assertClose(chain.bias, djl.bias, FLOAT32, kind + " float32 backbone bias");
    }

    @Test
    void theImplicitStateAdvancesOncePerTrainingForwardAndNeverInEvaluation() {
        Model model = new Model(HeadKind.IMPLICIT, DataType.FLOAT64);
        model.run();
        ImplicitEtfHead head = (ImplicitEtfHead) model.head.head();
        assertEquals(STEPS, head.state().step());
        DMatrixRMaj before = head.classifier().copy();
        ParameterStore store = new ParameterStore(manager, false);
        model.network.forward(store, new NDList(model.inputs[0]), false);
        assertEquals(STEPS, head.state().step());
        assertEquals(0, org.ejml.dense.row.SpecializedOps_DDRM.diffNormF(before, head.classifier()));
    }

    @Test
    void aTrainingForwardWithoutLabelsOrABackwardWithoutForwardIsRefused() {
        Model model = new Model(HeadKind.FIXED, DataType.FLOAT64);
        ParameterStore store = new ParameterStore(manager, false);
        IllegalStateException noLabels = assertThrows(IllegalStateException.class,
                () -> model.network.forward(store, new NDList(model.inputs[0]), true));
        assertTrue(noLabels.getMessage().contains("labels"), noLabels.getMessage());
        try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
            IllegalStateException noForward = assertThrows(IllegalStateException.class,
                    () -> model.head.backward(collector));
            assertTrue(noForward.getMessage().contains("forward"), noForward.getMessage());
        }
    }

    @Test
    void featuresOfTheWrongWidthAreRefusedWithTheExpectedShape() {
        EtfHeadBlock head = EtfHeadBlock.create(HeadKind.IMPLICIT, DIMENSION, CLASSES, TAU, DELTA, SEED);
        head.initialize(manager, DataType.FLOAT64, new Shape(BATCH, DIMENSION));
        NDArray wrong = manager.zeros(new Shape(BATCH, DIMENSION + 1), DataType.FLOAT64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> head.forward(new ParameterStore(manager, false), new NDList(wrong), false));
        assertTrue(e.getMessage().contains("(B, " + DIMENSION + ")"), e.getMessage());
    }

    /** A DJL network Linear(INPUTS -> DIMENSION) + head, trained for {@link #STEPS} forward/backward steps without updates. */
    final class Model {
        final HeadKind kind;
        final DataType dataType;
        final EtfHeadBlock head;
        final SequentialBlock network;
        final Linear linear;
        final NDArray[] inputs = new NDArray[STEPS];
        final int[][] labels = new int[STEPS][];
        /** Backbone weight (DIMENSION x INPUTS), bias and learned W^T as initialised, in double. */
        double[] weight;
        double[] bias;
        double[] classifier;

        Model(HeadKind kind, DataType dataType) {
            this.kind = kind;
            this.dataType = dataType;
            SplittableRandom random = new SplittableRandom(SEED);
            for (int step = 0; step < STEPS; step++) {
                double[] x = new double[BATCH * INPUTS];
                for (int k = 0; k < x.length; k++) {
                    x[k] = random.nextGaussian();
                }
                inputs[step] = manager.create(x, new Shape(BATCH, INPUTS)).toType(dataType, false);
                labels[step] = new int[BATCH];
                for (int i = 0; i < BATCH; i++) {
                    labels[step][i] = i < CLASSES ? i : random.nextInt(CLASSES);
                }
            }
            head = EtfHeadBlock.create(kind, DIMENSION, CLASSES, TAU, DELTA, SEED);
            linear = Linear.builder().setUnits(DIMENSION).build();
            network = new SequentialBlock().add(linear).add(head);
            network.initialize(manager, dataType, new Shape(BATCH, INPUTS));
            weight = values(linear.getParameters().get("weight"));
            bias = values(linear.getParameters().get("bias"));
            if (kind == HeadKind.STANDARD) {
                classifier = values(head.getParameters().get("classifier"));
            }
        }

        /** The gradients after the last step (each step's gradient replaces the previous one). */
        Gradients run() {
            ParameterStore store = new ParameterStore(manager, false);
            Gradients last = null;
            for (int step = 0; step < STEPS; step++) {
                for (Parameter parameter : network.getParameters().values()) {
                    NDArray gradient = parameter.getArray().getGradient();
                    gradient.subi(gradient);
                }
                NDList labelList = new NDList(manager.create(labels[step]));
                try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                    NDList logits = network.forward(store, new NDList(inputs[step]), labelList, null);
                    NDArray loss = Loss.softmaxCrossEntropyLoss().evaluate(labelList, logits);
                    collector.backward(loss);
                    head.backward(collector);
                }
                last = new Gradients(gradient(linear.getParameters().get("weight")),
                        gradient(linear.getParameters().get("bias")),
                        kind == HeadKind.STANDARD ? gradient(head.getParameters().get("classifier")) : null);
            }
            return last;
        }

        double[] input(int step) {
            return inputs[step].toType(DataType.FLOAT64, false).toDoubleArray();
        }
    }

    /** The same function on the host: H = X Wb^T + b, the etf-solver head, mean cross-entropy. */
    final class Reference {
        final HeadKind kind;
        final Model model;

        Reference(HeadKind kind, Model model) {
            this.kind = kind;
            this.model = model;
        }

        /** A fresh head that has seen the first STEPS - 1 batches, with the learned classifier given. */
        ClassifierHead replayed(double[] classifier) {
            ClassifierHead head = kind.create(DIMENSION, CLASSES, TAU, DELTA, SEED, dev.stiefel.etf.train.ComputeDevice.CPU);
            if (classifier != null) {
                DMatrixRMaj w = head.classifier();
                for (int c = 0; c < CLASSES; c++) {
                    for (int k = 0; k < DIMENSION; k++) {
                        w.unsafe_set(k, c, classifier[c * DIMENSION + k]);
                    }
                }
            }
            for (int step = 0; step < STEPS - 1; step++) {
                head.forward(features(model.input(step), model.weight, model.bias), model.labels[step],
                        new DMatrixRMaj(1, 1));
            }
            return head;
        }

        double loss(double[] weight, double[] bias, double[] classifier) {
            ClassifierHead head = kind == HeadKind.IMPLICIT_FORWARD_ONLY
                    ? new LearnedLinearHead(solvedClassifier(), TAU) : replayed(classifier);
            int last = STEPS - 1;
            DMatrixRMaj logits = head.forward(features(model.input(last), weight, bias), model.labels[last],
                    new DMatrixRMaj(1, 1));
            return CrossEntropy.loss(logits, model.labels[last]);
        }

        /** The implicit head's classifier W = U* Mh of the third step. */
        DMatrixRMaj solvedClassifier() {
            ClassifierHead head = replayed(null);
            int last = STEPS - 1;
            head.forward(features(model.input(last), model.weight, model.bias), model.labels[last],
                    new DMatrixRMaj(1, 1));
            return head.classifier().copy();
        }

        Gradients chainRule() {
            ClassifierHead head = replayed(model.classifier);
            int last = STEPS - 1;
            double[] x = model.input(last);
            DMatrixRMaj logits = head.forward(features(x, model.weight, model.bias), model.labels[last],
                    new DMatrixRMaj(1, 1));
            DMatrixRMaj logitsGradient = new DMatrixRMaj(1, 1);
            CrossEntropy.lossAndGradient(logits, model.labels[last], logitsGradient);
            DMatrixRMaj g = head.backward(logitsGradient, new DMatrixRMaj(1, 1));
            double[] weight = new double[DIMENSION * INPUTS];
            double[] bias = new double[DIMENSION];
            for (int i = 0; i < BATCH; i++) {
                for (int k = 0; k < DIMENSION; k++) {
                    bias[k] += g.get(i, k);
                    for (int j = 0; j < INPUTS; j++) {
                        weight[k * INPUTS + j] += g.get(i, k) * x[i * INPUTS + j];
                    }
                }
            }
            double[] classifier = null;
            if (kind == HeadKind.STANDARD) {
                DMatrixRMaj dw = head.parameters().get(0).gradient();
                classifier = new double[CLASSES * DIMENSION];
                for (int c = 0; c < CLASSES; c++) {
                    for (int k = 0; k < DIMENSION; k++) {
                        classifier[c * DIMENSION + k] = dw.get(k, c);
                    }
                }
            }
            return new Gradients(weight, bias, classifier);
        }

        Gradients finiteDifferences() {
            double[] weight = model.weight.clone();
            double[] bias = model.bias.clone();
            double[] classifier = model.classifier == null ? null : model.classifier.clone();
            return new Gradients(central(weight, () -> loss(weight, bias, classifier)),
                    central(bias, () -> loss(weight, bias, classifier)),
                    classifier == null ? null : central(classifier, () -> loss(weight, bias, classifier)));
        }

        double[] central(double[] variable, java.util.function.DoubleSupplier loss) {
            double[] gradient = new double[variable.length];
            for (int k = 0; k < variable.length; k++) {
                double saved = variable[k];
                variable[k] = saved + STEP;
                double plus = loss.getAsDouble();
                variable[k] = saved - STEP;
                double minus = loss.getAsDouble();
                variable[k] = saved;
                gradient[k] = (plus - minus) / (2 * STEP);
            }
            return gradient;
        }
    }

    record Gradients(double[] weight, double[] bias, double[] classifier) {
    }

    static DMatrixRMaj features(double[] x, double[] weight, double[] bias) {
        DMatrixRMaj h = new DMatrixRMaj(BATCH, DIMENSION);
        for (int i = 0; i < BATCH; i++) {
            for (int k = 0; k < DIMENSION; k++) {
                double sum = bias[k];
                for (int j = 0; j < INPUTS; j++) {
                    sum += x[i * INPUTS + j] * weight[k * INPUTS + j];
                }
                h.set(i, k, sum);
            }
        }
        return h;
    }

    static double[] values(Parameter parameter) {
        return parameter.getArray().toType(DataType.FLOAT64, false).toDoubleArray();
    }

    static double[] gradient(Parameter parameter) {
        return parameter.getArray().getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
    }

    static double norm(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v * v;
        }
        return Math.sqrt(sum);
    }

    static void assertClose(double[] expected, double[] actual, double relative, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double difference = 0;
        for (int k = 0; k < expected.length; k++) {
            difference += (expected[k] - actual[k]) * (expected[k] - actual[k]);
        }
        double error = Math.sqrt(difference) / Math.max(norm(expected), Double.MIN_NORMAL);
        assertTrue(error <= relative, what + ": relative error " + error + " > " + relative);
    }
}
