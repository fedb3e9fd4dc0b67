package dev.stiefel.etf;

import dev.stiefel.testkit.TestMatrices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Stiefel;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Warm training steps of the implicit head (forward, loss gradient, full backward) on the EJML
 * backend reuse their workspaces: the bytes allocated per step stay far below the size of one
 * {@code d x C} matrix, so nothing of the problem's size is allocated per step.
 */
class HeadAllocationTest {

    private static final int DIMENSION = 128;
    private static final int CLASSES = 16;
    private static final int BATCH = 64;
    private static final int WARM_UP_STEPS = 5;
    private static final int MEASURED_STEPS = 20;
    /** Small per-step objects (result records, iterators) are fine; one d x C matrix is 16 KiB. */
    private static final long BYTES_PER_STEP = 4 * 1024;

    @Test
    void warmStepsAllocateNothingOfTheProblemsSize() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported());
        threads.setThreadAllocatedMemoryEnabled(true);

        ImplicitEtfHead head = new ImplicitEtfHead(Kernels.ejml(), new Stiefel<>(Kernels.ejml(), DIMENSION, CLASSES,
                dev.stiefel.manifold.StiefelRetraction.QR), DIMENSION, CLASSES, EtfOptions.defaults());
        SplittableRandom random = new SplittableRandom(1);
        DMatrixRMaj[] batches = new DMatrixRMaj[4];
        for (int index = 0; index < batches.length; index++) {
            batches[index] = TestMatrices.gaussian(BATCH, DIMENSION, random);
        }
        int[] labels = TestMatrices.balancedLabels(BATCH, CLASSES);
        DMatrixRMaj logits = new DMatrixRMaj(BATCH, CLASSES);
        DMatrixRMaj logitsGradient = new DMatrixRMaj(BATCH, CLASSES);
        DMatrixRMaj featuresGradient = new DMatrixRMaj(BATCH, DIMENSION);
        for (int step = 0; step < WARM_UP_STEPS; step++) {
            step(head, batches[step % batches.length], labels, logits, logitsGradient, featuresGradient);
        }
        long threadId = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(threadId);
        for (int step = 0; step < MEASURED_STEPS; step++) {
            step(head, batches[step % batches.length], labels, logits, logitsGradient, featuresGradient);
        }
        long perStep = (threads.getThreadAllocatedBytes(threadId) - before) / MEASURED_STEPS;
        assertTrue(perStep < BYTES_PER_STEP, () -> "allocated " + perStep + " bytes per warm step");
    }

    private static void step(ImplicitEtfHead head, DMatrixRMaj features, int[] labels, DMatrixRMaj logits,
            DMatrixRMaj logitsGradient, DMatrixRMaj featuresGradient) {
        head.forward(features, labels, logits);
        CrossEntropy.lossAndGradient(logits, labels, logitsGradient);
        head.backward(logitsGradient, featuresGradient);
    }
}
