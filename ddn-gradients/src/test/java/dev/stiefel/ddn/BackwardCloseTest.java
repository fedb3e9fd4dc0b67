package dev.stiefel.ddn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import dev.stiefel.testkit.CountingKernels;
import dev.stiefel.testkit.TestMatrices;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every backward owns the matrices it makes through its backend and gives them all back on
 * {@code close()}: counted by a backend that records each matrix made and not freed (on a GPU
 * backend these are device buffers). A second {@code close()} is harmless.
 */
class BackwardCloseTest {

    private static final int ROWS = 9;
    private static final int COLUMNS = 3;

    @ParameterizedTest
    @EnumSource(BackwardMethod.class)
    void closeGivesBackEveryMatrixTheBackwardMade(BackwardMethod method) {
        CountingKernels<DMatrixRMaj> counting = CountingKernels.of(Kernels.ejml());
        Random random = new Random(11);
        DMatrixRMaj g = TestMatrices.gaussian(ROWS, COLUMNS, random);
        DMatrixRMaj upstream = TestMatrices.gaussian(ROWS, COLUMNS, random);
        DMatrixRMaj solution = PolarBackwardTest.polar(g);
        try (Stiefel<DMatrixRMaj> stiefel = new Stiefel<>(counting.kernels(), ROWS, COLUMNS, StiefelRetraction.QR)) {
            TestProblems.MaxInnerProduct problem = new TestProblems.MaxInnerProduct(stiefel, g);
            int before = counting.live();
            DeclarativeBackward<DMatrixRMaj> backward = method.create(counting.kernels());
            DMatrixRMaj out = new DMatrixRMaj(ROWS, COLUMNS);
            backward.vjp(problem, solution, upstream, out);
            backward.vjp(problem, solution, upstream, out);
            backward.close();
            assertEquals(before, counting.live(), method + " kept matrices after close()");
            backward.close();
            assertEquals(before, counting.live());
        }
        assertEquals(0, counting.live(), "the manifold kept matrices after close()");
    }

    @org.junit.jupiter.api.Test
    void polarBackwardGivesBackItsFactorisation() {
        CountingKernels<DMatrixRMaj> counting = CountingKernels.of(Kernels.ejml());
        Random random = new Random(12);
        DMatrixRMaj g = TestMatrices.gaussian(ROWS, COLUMNS, random);
        PolarBackward<DMatrixRMaj> polar = new PolarBackward<>(counting.kernels());
        DMatrixRMaj factor = new DMatrixRMaj(ROWS, COLUMNS);
        polar.forward(g, factor);
        polar.backward(TestMatrices.gaussian(ROWS, COLUMNS, random), new DMatrixRMaj(ROWS, COLUMNS));
        assertTrue(counting.live() > 0, "the factorisation lives in the backend's matrices");
        polar.close();
        assertEquals(0, counting.live());
        // usable again after close: the next forward allocates afresh
        polar.forward(g, factor);
        polar.close();
        assertEquals(0, counting.live());
    }
}
