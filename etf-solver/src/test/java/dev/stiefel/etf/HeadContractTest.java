package dev.stiefel.etf;

import dev.stiefel.ddn.BackwardMethod;
import dev.stiefel.testkit.CountingKernels;
import dev.stiefel.testkit.TestMatrices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.OpenBlasKernels;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every host head promises beyond its own mathematics: rows too small to differentiate are
 * refused in the forward pass with their index (evaluation still normalises them), and
 * {@link ClassifierHead#close()} frees what the head owns.
 */
class HeadContractTest {

    private static final double TAU = 5.0;
    private static final int DIMENSION = 8;
    private static final int CLASSES = 4;
    private static final int BATCH = 8;

    static Stream<Arguments> heads() {
        return Stream.of(
                Arguments.of("learned", (Supplier<ClassifierHead>) () -> new LearnedLinearHead(DIMENSION, CLASSES, TAU, 1)),
                Arguments.of("learned, centred", (Supplier<ClassifierHead>) () -> new LearnedLinearHead(DIMENSION,
                        CLASSES, TAU, 1, FeatureCentring.BATCH_MEAN_DIFFERENTIATED)),
                Arguments.of("fixed", (Supplier<ClassifierHead>) () -> new FixedEtfHead(DIMENSION, CLASSES, TAU)),
                Arguments.of("fixed, differentiated mean", (Supplier<ClassifierHead>) () -> new FixedEtfHead(DIMENSION,
                        CLASSES, TAU, FeatureCentring.BATCH_MEAN_DIFFERENTIATED)),
                Arguments.of("implicit", (Supplier<ClassifierHead>) () -> new ImplicitEtfHead(DIMENSION, CLASSES,
                        EtfOptions.defaults())),
                Arguments.of("implicit, forward only", (Supplier<ClassifierHead>) () -> new ImplicitEtfHead(DIMENSION,
                        CLASSES, EtfOptions.defaults().withBackwardMode(BackwardMode.FORWARD_ONLY))));
    }

    /**
     * A row of norm 1e-309 (or a subnormal one) normalises to finite logits, but the derivative
     * of its normalisation, tau/||h|| > 5e308, overflows, so that a backward pass would return
     * infinite and NaN feature gradients for it. The forward pass refuses it, naming the row;
     * {@link ClassifierHead#evaluate} (no backward) still gives finite logits; and a row of norm
     * 1e-300, whose derivative fits, trains with finite gradients.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("heads")
    void aRowTooSmallToDifferentiateIsRefusedByNameInTheForwardPass(String name, Supplier<ClassifierHead> heads) {
        SplittableRandom random = new SplittableRandom(3);
        int[] labels = TestMatrices.balancedLabels(BATCH, CLASSES);
        for (double norm : new double[] {1e-309, 4.9e-324}) {
            DMatrixRMaj features = withTinyRow(TestMatrices.gaussian(BATCH, DIMENSION, random), 5, norm);
            try (ClassifierHead head = heads.get()) {
                ArithmeticException error = assertThrows(ArithmeticException.class,
                        () -> head.forward(features, labels, new DMatrixRMaj(1, 1)));
                assertTrue(error.getMessage().contains("row 5"), error.getMessage());
                DMatrixRMaj logits = head.evaluate(features, new DMatrixRMaj(1, 1));
                assertAllFinite(logits, "evaluated logits");
            }
        }
        DMatrixRMaj features = withTinyRow(TestMatrices.gaussian(BATCH, DIMENSION, random), 5, 1e-300);
        try (ClassifierHead head = heads.get()) {
            DMatrixRMaj logits = head.forward(features, labels, new DMatrixRMaj(1, 1));
            DMatrixRMaj logitsGradient = new DMatrixRMaj(1, 1);
            CrossEntropy.lossAndGradient(logits, labels, logitsGradient);
            assertAllFinite(head.backward(logitsGradient, new DMatrixRMaj(1, 1)), "feature gradient");
        }
    }

    /** After close every operation refuses, and the native BLAS buffers the head owned are freed. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("heads")
    void aClosedHeadRefusesWorkAndHasFreedItsKernels(String name, Supplier<ClassifierHead> heads) {
        ClassifierHead head = heads.get();
        DMatrixRMaj features = TestMatrices.gaussian(BATCH, DIMENSION, new SplittableRandom(4));
        int[] labels = TestMatrices.balancedLabels(BATCH, CLASSES);
        head.forward(features, labels, new DMatrixRMaj(1, 1));
        head.close();
        head.close();
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> head.forward(features, labels, new DMatrixRMaj(1, 1)));
        assertTrue(error.getMessage().contains("closed"), error.getMessage());
        assertThrows(IllegalStateException.class, () -> head.evaluate(features, new DMatrixRMaj(1, 1)));
        NormalisedLinearHead linear = (NormalisedLinearHead) head;
        assertClosedIfNative(linear.kernels);
        if (head instanceof ImplicitEtfHead implicit) {
            // the CPU constructor's own manifold and kernels close with the head
            @SuppressWarnings("unchecked")
            dev.stiefel.kernel.DenseKernels<DMatrixRMaj> stateKernels =
                    (dev.stiefel.kernel.DenseKernels<DMatrixRMaj>) implicit.backendState().kernels();
            assertClosedIfNative(stateKernels);
            assertThrows(IllegalStateException.class, () -> implicit.state().advance(
                    new DMatrixRMaj(DIMENSION, CLASSES), new boolean[CLASSES]));
        }
    }

    /**
     * The implicit head on caller-owned kernels: after some training steps with every backward
     * method, closing the head and then the caller's manifold returns every matrix created
     * through the kernels (none freed twice) and leaves the kernels open.
     */
    @ParameterizedTest
    @EnumSource(BackwardMethod.class)
    void theImplicitHeadReturnsEveryMatrixItCreated(BackwardMethod method) {
        CountingKernels<DMatrixRMaj> counted = CountingKernels.of(dev.stiefel.kernel.Kernels.ejml());
        Stiefel<DMatrixRMaj> manifold = new Stiefel<>(counted.kernels(), DIMENSION, CLASSES, StiefelRetraction.QR);
        ImplicitEtfHead head = new ImplicitEtfHead(counted.kernels(), manifold, DIMENSION, CLASSES,
                EtfOptions.defaults().withBackwardMethod(method));
        SplittableRandom random = new SplittableRandom(5);
        int[] labels = TestMatrices.balancedLabels(BATCH, CLASSES);
        for (int step = 0; step < 3; step++) {
            DMatrixRMaj logits = head.forward(TestMatrices.gaussian(BATCH, DIMENSION, random), labels,
                    new DMatrixRMaj(1, 1));
            DMatrixRMaj logitsGradient = new DMatrixRMaj(1, 1);
            CrossEntropy.lossAndGradient(logits, labels, logitsGradient);
            head.backward(logitsGradient, new DMatrixRMaj(1, 1));
        }
        assertTrue(counted.live() > 0);
        head.close();
        manifold.close();
        assertEquals(0, counted.live(), "matrices still live after close");
        assertEquals(0, counted.doubleFrees(), "matrices freed twice");
        assertEquals(0, counted.closes(), "the caller's kernels were closed");
    }

    /** A head that was handed its kernels frees every matrix, closes its manifold and then the kernels, once. */
    @Test
    void aHeadOwningItsKernelsClosesThem() {
        CountingKernels<DMatrixRMaj> counted = CountingKernels.of(dev.stiefel.kernel.Kernels.ejml());
        ImplicitEtfHead head = ImplicitEtfHead.owningKernels(counted.kernels(), DIMENSION, CLASSES,
                EtfOptions.defaults());
        int[] labels = TestMatrices.balancedLabels(BATCH, CLASSES);
        DMatrixRMaj logits = head.forward(TestMatrices.gaussian(BATCH, DIMENSION, 8), labels, new DMatrixRMaj(1, 1));
        DMatrixRMaj logitsGradient = new DMatrixRMaj(1, 1);
        CrossEntropy.lossAndGradient(logits, labels, logitsGradient);
        head.backward(logitsGradient, new DMatrixRMaj(1, 1));
        head.close();
        head.close();
        assertEquals(0, counted.live(), "matrices still live after close");
        assertEquals(0, counted.doubleFrees(), "matrices freed twice");
        assertEquals(1, counted.closes(), "the handed-over kernels are closed once");

        CountingKernels<DMatrixRMaj> refused = CountingKernels.of(dev.stiefel.kernel.Kernels.ejml());
        assertThrows(IllegalArgumentException.class,
                () -> ImplicitEtfHead.owningKernels(refused.kernels(), 3, CLASSES, EtfOptions.defaults()));
        assertEquals(1, refused.closes(), "kernels handed over to a refused head are closed too");
    }

    /** The state alone, with the trust-region solver: the same books. */
    @Test
    void theImplicitStateReturnsEveryMatrixItCreated() {
        CountingKernels<DMatrixRMaj> counted = CountingKernels.of(dev.stiefel.kernel.Kernels.ejml());
        Stiefel<DMatrixRMaj> manifold = new Stiefel<>(counted.kernels(), DIMENSION, CLASSES, StiefelRetraction.QR);
        ImplicitEtfState<DMatrixRMaj> state = new ImplicitEtfState<>(counted.kernels(), manifold, DIMENSION, CLASSES,
                EtfOptions.defaults().withMethod(EtfSolverMethod.TRUST_REGIONS));
        SplittableRandom random = new SplittableRandom(6);
        boolean[] present = {true, true, true, true};
        for (int step = 0; step < 3; step++) {
            state.advance(TestMatrices.gaussian(DIMENSION, CLASSES, random), present);
            state.backward(TestMatrices.gaussian(DIMENSION, CLASSES, random), new DMatrixRMaj(1, 1));
        }
        state.close();
        manifold.close();
        assertEquals(0, counted.live(), "matrices still live after close");
        assertEquals(0, counted.doubleFrees(), "matrices freed twice");
        assertEquals(0, counted.closes(), "the caller's kernels were closed");
    }

    /** OpenBLAS kernels refuse work once their native buffers are freed; pure-Java kernels own none. */
    private static void assertClosedIfNative(dev.stiefel.kernel.DenseKernels<DMatrixRMaj> kernels) {
        if (kernels instanceof OpenBlasKernels) {
            DMatrixRMaj a = TestMatrices.gaussian(3, 3, 7);
            assertThrows(IllegalStateException.class,
                    () -> kernels.gemm(1.0, a, false, a, false, 0.0, new DMatrixRMaj(3, 3)));
        }
    }

    private static DMatrixRMaj withTinyRow(DMatrixRMaj features, int row, double norm) {
        for (int col = 0; col < features.numCols; col++) {
            features.set(row, col, 0.0);
        }
        features.set(row, 1, norm);
        return features;
    }

    private static void assertAllFinite(DMatrixRMaj matrix, String what) {
        for (int index = 0; index < matrix.getNumElements(); index++) {
            assertTrue(Double.isFinite(matrix.data[index]), what + " entry " + index + " is " + matrix.data[index]);
        }
    }

    /** The closed-form nearest ETF gives back its workspaces and its polar factorisation on close. */
    @Test
    void theNearestEtfReturnsEveryMatrixItCreated() {
        CountingKernels<DMatrixRMaj> counted = CountingKernels.of(dev.stiefel.kernel.Kernels.ejml());
        Stiefel<DMatrixRMaj> manifold = new Stiefel<>(counted.kernels(), DIMENSION, CLASSES, StiefelRetraction.QR);
        int before = counted.live();
        NearestEtf<DMatrixRMaj> nearest = new NearestEtf<>(counted.kernels(), manifold, DIMENSION, CLASSES,
                EtfOptions.defaults());
        DMatrixRMaj proximal = TestMatrices.stiefelPoint(DIMENSION, CLASSES, 4);
        nearest.solve(TestMatrices.gaussian(DIMENSION, CLASSES, 3), proximal, proximal,
                new DMatrixRMaj(DIMENSION, CLASSES));
        nearest.close();
        nearest.close();
        assertEquals(before, counted.live(), "matrices still live after close");
        assertEquals(0, counted.doubleFrees(), "matrices freed twice");
        manifold.close();
        assertEquals(0, counted.live());
    }
}
