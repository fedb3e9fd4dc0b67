package dev.stiefel.etf;

import dev.stiefel.testkit.TestMatrices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The backend-generic {@link ImplicitEtfState} on {@link Kernels#ejml()} against the host
 * implementation it replaced ({@link HostReferenceEtfState}): EMA, normalised means and solution
 * bitwise equal (same entrywise products, same solver inputs), {@code dL/dHbar} to
 * {@value #BACKWARD_TOLERANCE} relative (the generic path scales by {@code a_t / ||E||} in one
 * factor where the host loop multiplied and divided), over several steps with classes missing
 * from batches.
 */
class ImplicitEtfStateGenericPathTest {

    private static final double EXACT = 0.0;
    private static final double BACKWARD_TOLERANCE = 1e-14;
    private static final int STEPS = 5;

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(9, 4, EtfBackwardMethod.CLOSED_FORM, 11L),
                Arguments.of(16, 6, EtfBackwardMethod.CLOSED_FORM, 12L),
                Arguments.of(12, 5, EtfBackwardMethod.MATRIX_FREE, 13L),
                Arguments.of(5, 5, EtfBackwardMethod.CLOSED_FORM, 14L));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void genericPathOnEjmlEqualsTheHostImplementation(int dimension, int numClasses, EtfBackwardMethod method,
            long seed) {
        EtfOptions options = EtfOptions.defaults().withBackwardMethod(method);
        DenseKernels<DMatrixRMaj> genericKernels = Kernels.ejml();
        DenseKernels<DMatrixRMaj> referenceKernels = Kernels.ejml();
        ImplicitEtfState<DMatrixRMaj> generic = new ImplicitEtfState<>(genericKernels,
                new Stiefel<>(genericKernels, dimension, numClasses, StiefelRetraction.QR), dimension, numClasses,
                options);
        HostReferenceEtfState reference = new HostReferenceEtfState(referenceKernels,
                new Stiefel<>(referenceKernels, dimension, numClasses, StiefelRetraction.QR), dimension, numClasses,
                options);
        SplittableRandom random = new SplittableRandom(seed);
        DMatrixRMaj genericGradient = new DMatrixRMaj(1, 1);
        DMatrixRMaj referenceGradient = new DMatrixRMaj(1, 1);
        for (int step = 1; step <= STEPS; step++) {
            DMatrixRMaj batch = TestMatrices.gaussian(dimension, numClasses, random);
            boolean[] present = new boolean[numClasses];
            for (int label = 0; label < numClasses; label++) {
                // the first step sees every class but the last; later steps drop one at random
                present[label] = step == 1 ? label < numClasses - 1 : random.nextInt(4) != 0;
            }
            present[0] = true;
            generic.advance(batch, present);
            reference.advance(batch, present);
            assertEquals(EXACT, TestMatrices.maxAbsDifference(reference.movingAverage(), generic.movingAverage()));
            assertEquals(EXACT, TestMatrices.maxAbsDifference(reference.normalisedMeans(),
                    generic.normalisedMeans()));
            assertEquals(EXACT, TestMatrices.maxAbsDifference(reference.solution(), generic.solution()));
            assertEquals(reference.lastRate(), generic.lastRate(), EXACT);

            DMatrixRMaj upstream = TestMatrices.gaussian(dimension, numClasses, random);
            generic.backward(upstream, genericGradient);
            reference.backward(upstream, referenceGradient);
            assertTrue(TestMatrices.relativeError(genericGradient, referenceGradient) <= BACKWARD_TOLERANCE,
                    () -> "dL/dHbar relative error " + TestMatrices.relativeError(genericGradient, referenceGradient));
            for (int label = 0; label < numClasses; label++) {
                if (!present[label]) {
                    for (int row = 0; row < dimension; row++) {
                        assertEquals(0.0, genericGradient.get(row, label), EXACT, "absent class gets no gradient");
                    }
                }
            }
        }
    }
}
