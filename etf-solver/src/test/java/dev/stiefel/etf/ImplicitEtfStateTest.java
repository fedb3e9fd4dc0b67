package dev.stiefel.etf;

import dev.stiefel.testkit.TestMatrices;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Stiefel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.Test;

class ImplicitEtfStateTest {

    private static final double EXACT = 0.0;
    private static final double TOLERANCE = 1e-14;
    private static final int DIMENSION = 7;
    private static final int CLASSES = 3;

    private static ImplicitEtfState<DMatrixRMaj> state(EtfOptions options) {
        return new ImplicitEtfState<>(Kernels.cpu(), Stiefel.onCpu(DIMENSION, CLASSES), DIMENSION, CLASSES, options);
    }

    private static byte[] save(ImplicitEtfState<DMatrixRMaj> state) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        state.save(new DataOutputStream(bytes));
        return bytes.toByteArray();
    }

    @Test
    void movingAverageFollowsEquationNineColumnByColumn() {
        double floor = 0.45;
        ImplicitEtfState<DMatrixRMaj> state = state(EtfOptions.defaults().withEmaFloor(floor));
        SplittableRandom random = new SplittableRandom(1);
        DMatrixRMaj expected = new DMatrixRMaj(DIMENSION, CLASSES);
        boolean[][] presence = {
            {true, true, false},   // class 2 never seen yet: neutral 0 column
            {true, false, true},   // class 1 missing but seen: keeps its column; class 2 enters with a_t Hbar
            {true, true, true},
            {false, true, true},
            {true, true, true},
        };
        for (int step = 1; step <= presence.length; step++) {
            DMatrixRMaj batch = TestMatrices.gaussian(DIMENSION, CLASSES, random);
            double rate = Math.max(2.0 / (step + 1), floor);
            for (int label = 0; label < CLASSES; label++) {
                if (presence[step - 1][label]) {
                    for (int row = 0; row < DIMENSION; row++) {
                        expected.set(row, label, rate * batch.get(row, label) + (1 - rate) * expected.get(row, label));
                    }
                }
            }
            state.advance(batch, presence[step - 1]);
            assertEquals(step, state.step());
            assertEquals(rate, state.lastRate(), EXACT);
            assertTrue(TestMatrices.maxAbsDifference(expected, state.movingAverage()) < TOLERANCE);
            if (step == 1) {
                for (int row = 0; row < DIMENSION; row++) {
                    assertEquals(0.0, state.movingAverage().get(row, 2), EXACT);
                }
                assertFalse(state.seen(2));
            }
            DMatrixRMaj normalised = expected.copy();
            CommonOps_DDRM.divide(normalised, NormOps_DDRM.normF(expected));
            assertTrue(TestMatrices.maxAbsDifference(normalised, state.normalisedMeans()) < TOLERANCE);
        }
        assertTrue(state.seen(2));
        assertEquals(0.45, ImplicitEtfState.rate(4, floor), EXACT);
        assertEquals(2.0 / 3, ImplicitEtfState.rate(2, floor), EXACT);
        assertEquals(1.0, ImplicitEtfState.rate(1, 1e-4), EXACT);
        assertEquals(1e-4, ImplicitEtfState.rate(1_000_000, 1e-4), EXACT);
    }

    @Test
    void firstStepSolvesSixThenSevenAndLaterStepsArePulledTowardThePreviousSolution() {
        EtfOptions options = EtfOptions.defaults();
        ImplicitEtfState<DMatrixRMaj> state = state(options);
        NearestEtf<DMatrixRMaj> reference = new NearestEtf<>(Kernels.cpu(), Stiefel.onCpu(DIMENSION, CLASSES),
                DIMENSION, CLASSES, options);
        SplittableRandom random = new SplittableRandom(2);
        boolean[] all = {true, true, true};
        state.advance(TestMatrices.gaussian(DIMENSION, CLASSES, random), all);
        DMatrixRMaj unregularised = new DMatrixRMaj(DIMENSION, CLASSES);
        reference.solveUnregularised(state.normalisedMeans(), reference.startPoint(new DMatrixRMaj(DIMENSION, CLASSES)),
                unregularised);
        DMatrixRMaj expected = new DMatrixRMaj(DIMENSION, CLASSES);
        reference.solve(state.normalisedMeans(), unregularised, null, expected);
        assertTrue(TestMatrices.maxAbsDifference(expected, state.solution()) < TOLERANCE);
        // (7) with Uprox = U6 returns U6: G = Ur (2S/sqrt(C-1) + delta) Vr^T + delta u0 1^T/sqrt(C)
        assertTrue(TestMatrices.maxAbsDifference(unregularised, state.solution()) < 1e-12);

        DMatrixRMaj previous = state.solution().copy();
        state.advance(TestMatrices.gaussian(DIMENSION, CLASSES, random), all);
        reference.solve(state.normalisedMeans(), previous, null, expected);
        assertTrue(TestMatrices.maxAbsDifference(expected, state.solution()) < TOLERANCE);
        assertTrue(TestMatrices.maxAbsDifference(previous, state.solution()) > 1e-3);
    }

    @Test
    void saveAndRestoreRoundTripsAndTheRestoredStateContinuesIdentically() throws IOException {
        SplittableRandom random = new SplittableRandom(3);
        ImplicitEtfState<DMatrixRMaj> original = state(EtfOptions.defaults());
        boolean[] all = {true, true, true};
        for (int step = 0; step < 4; step++) {
            original.advance(TestMatrices.gaussian(DIMENSION, CLASSES, random), step == 1 ? new boolean[] {true, false, true} : all);
        }
        byte[] bytes = save(original);
        ImplicitEtfState<DMatrixRMaj> restored = state(EtfOptions.defaults());
        restored.restore(new DataInputStream(new ByteArrayInputStream(bytes)));
        assertEquals(original.step(), restored.step());
        assertArrayEquals(original.movingAverage().data, restored.movingAverage().data, EXACT);
        assertArrayEquals(original.solution().data, restored.solution().data, EXACT);
        assertArrayEquals(bytes, save(restored));
        assertThrows(IllegalStateException.class, () -> restored.backward(new DMatrixRMaj(DIMENSION, CLASSES),
                new DMatrixRMaj(1, 1)));

        DMatrixRMaj batch = TestMatrices.gaussian(DIMENSION, CLASSES, random);
        original.advance(batch, all);
        restored.advance(batch, all);
        assertArrayEquals(original.solution().data, restored.solution().data, EXACT);
        assertEquals(5, restored.step());

        ImplicitEtfState<DMatrixRMaj> fresh = state(EtfOptions.defaults());
        byte[] freshBytes = save(fresh);
        ImplicitEtfState<DMatrixRMaj> intoFresh = state(EtfOptions.defaults());
        intoFresh.restore(new DataInputStream(new ByteArrayInputStream(freshBytes)));
        assertFalse(intoFresh.hasSolution());
        assertEquals(0, intoFresh.step());
    }

    @Test
    void malformedOrMismatchedStatesAreRejectedAndLeaveTheStateUnchanged() throws IOException {
        ImplicitEtfState<DMatrixRMaj> state = state(EtfOptions.defaults());
        state.advance(TestMatrices.gaussian(DIMENSION, CLASSES, new SplittableRandom(4)), new boolean[] {true, true, true});
        byte[] bytes = save(state);
        byte[] badMagic = bytes.clone();
        badMagic[0] = 'X';
        ImplicitEtfState<DMatrixRMaj> target = state(EtfOptions.defaults());
        assertThrows(IOException.class, () -> target.restore(new DataInputStream(new ByteArrayInputStream(badMagic))));
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 8);
        assertThrows(IOException.class, () -> target.restore(new DataInputStream(new ByteArrayInputStream(truncated))));
        assertEquals(0, target.step());
        ImplicitEtfState<DMatrixRMaj> otherShape = new ImplicitEtfState<>(Kernels.cpu(), Stiefel.onCpu(DIMENSION + 1, CLASSES),
                DIMENSION + 1, CLASSES, EtfOptions.defaults());
        IOException mismatch = assertThrows(IOException.class,
                () -> otherShape.restore(new DataInputStream(new ByteArrayInputStream(bytes))));
        assertTrue(mismatch.getMessage().contains("d = " + DIMENSION), mismatch.getMessage());
        // a stored "solution" that is not orthonormal, with a checksum that matches
        byte[] notOrthonormal = bytes.clone();
        java.nio.ByteBuffer.wrap(notOrthonormal).putDouble(notOrthonormal.length - CHECKSUM_BYTES - 8, 3.0);
        rewriteChecksum(notOrthonormal);
        IOException notAPoint = assertThrows(IOException.class,
                () -> target.restore(new DataInputStream(new ByteArrayInputStream(notOrthonormal))));
        assertTrue(notAPoint.getMessage().contains("not a point of St(d, C)"), notAPoint.getMessage());
    }

    private static final int CHECKSUM_BYTES = 4;

    private static void rewriteChecksum(byte[] state) {
        java.util.zip.CRC32 checksum = new java.util.zip.CRC32();
        checksum.update(state, 0, state.length - CHECKSUM_BYTES);
        java.nio.ByteBuffer.wrap(state).putInt(state.length - CHECKSUM_BYTES, (int) checksum.getValue());
    }

    private static String restoreFailure(byte[] bytes) {
        ImplicitEtfState<DMatrixRMaj> target = state(EtfOptions.defaults());
        IOException error = assertThrows(IOException.class,
                () -> target.restore(new DataInputStream(new ByteArrayInputStream(bytes))));
        assertEquals(0, target.step());
        assertFalse(target.hasSolution());
        assertTrue(error.getMessage() != null, "the exception names the problem");
        return error.getMessage();
    }

    private static byte[] savedAfterTwoSteps() throws IOException {
        ImplicitEtfState<DMatrixRMaj> state = state(EtfOptions.defaults());
        SplittableRandom random = new SplittableRandom(12);
        state.advance(TestMatrices.gaussian(DIMENSION, CLASSES, random), new boolean[] {true, true, true});
        state.advance(TestMatrices.gaussian(DIMENSION, CLASSES, random), new boolean[] {true, true, true});
        return save(state);
    }

    /** The step count sits after magic, version, d, C and the payload length: bytes 24 to 31. */
    private static final int STEP_OFFSET = 24;

    @Test
    void aStepCountThatCannotAdvanceIsRefused() throws IOException {
        byte[] bytes = savedAfterTwoSteps();
        assertEquals(2, java.nio.ByteBuffer.wrap(bytes).getLong(STEP_OFFSET), "the offset of the step count");
        java.nio.ByteBuffer.wrap(bytes).putLong(STEP_OFFSET, Long.MAX_VALUE);
        rewriteChecksum(bytes);
        String message = restoreFailure(bytes);
        assertTrue(message.contains("step count " + Long.MAX_VALUE), message);
    }

    @Test
    void anEmptyStateIsNamed() {
        String message = restoreFailure(new byte[0]);
        assertTrue(message.contains("empty"), message);
    }

    @Test
    void aTruncatedStateIsNamedWhereverItIsCut() throws IOException {
        byte[] bytes = savedAfterTwoSteps();
        for (int length : new int[] {2, 10, 30, bytes.length / 2, bytes.length - 1}) {
            String message = restoreFailure(java.util.Arrays.copyOf(bytes, length));
            assertTrue(message.contains("truncated"), length + ": " + message);
        }
    }

    @Test
    void aFlippedByteFailsTheChecksum() throws IOException {
        byte[] bytes = savedAfterTwoSteps();
        // one bit of the EMA's first entry's mantissa: still a finite double
        int index = 24 + 8 + 1 + CLASSES + 7;
        bytes[index] ^= 0x01;
        String message = restoreFailure(bytes);
        assertTrue(message.contains("corrupted") && message.contains("CRC-32"), message);
    }

    @Test
    void trailingBytesAreNamed() throws IOException {
        byte[] bytes = savedAfterTwoSteps();
        byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 3);
        String message = restoreFailure(longer);
        assertTrue(message.contains("3 unexpected byte(s) after the checksum"), message);
    }

    @Test
    void aWrongMagicIsNamed() throws IOException {
        byte[] bytes = savedAfterTwoSteps();
        bytes[0] = 'X';
        String message = restoreFailure(bytes);
        assertTrue(message.contains("not an implicit ETF state") && message.contains("magic"), message);
    }

    @Test
    void aSingleClassFirstBatchIsRejectedWithTheReason() {
        ImplicitEtfState<DMatrixRMaj> state = state(EtfOptions.defaults());
        DMatrixRMaj batch = TestMatrices.gaussian(DIMENSION, CLASSES, new SplittableRandom(13));
        ArithmeticException error = assertThrows(ArithmeticException.class,
                () -> state.advance(batch, new boolean[] {false, true, false}));
        assertTrue(error.getMessage().contains("only one class (1)"), error.getMessage());
        assertTrue(error.getMessage().contains("nothing to align"), error.getMessage());
        assertEquals(0, state.step());
    }

    @Test
    void centredMeansAtTheRoundingLevelOfTheFeaturesAreRejected() {
        ImplicitEtfState<DMatrixRMaj> state = state(EtfOptions.defaults());
        // what centring equal class means of features of norm 5 leaves: noise of order eps * 5
        DMatrixRMaj noise = TestMatrices.gaussian(DIMENSION, CLASSES, new SplittableRandom(14));
        CommonOps_DDRM.scale(5.0 * Math.ulp(1.0) / NormOps_DDRM.normF(noise), noise);
        boolean[] all = {true, true, true};
        ArithmeticException error = assertThrows(ArithmeticException.class, () -> state.advance(noise, all, 5.0));
        assertTrue(error.getMessage().contains("feature scale 5.0"), error.getMessage());
        assertTrue(error.getMessage().contains("nothing to align"), error.getMessage());
        assertEquals(0, state.step());
        // the same directions at the features' own scale are a signal
        CommonOps_DDRM.scale(1.0 / Math.ulp(1.0), noise);
        state.advance(noise, all, 5.0);
        assertEquals(1, state.step());
    }

    @Test
    void degenerateBatchesAreRejectedWithoutAdvancing() {
        ImplicitEtfState<DMatrixRMaj> state = state(EtfOptions.defaults());
        assertThrows(ArithmeticException.class,
                () -> state.advance(new DMatrixRMaj(DIMENSION, CLASSES), new boolean[] {true, true, true}));
        assertEquals(0, state.step());
        DMatrixRMaj nan = new DMatrixRMaj(DIMENSION, CLASSES);
        nan.set(0, 0, Double.NaN);
        assertThrows(IllegalArgumentException.class, () -> state.advance(nan, new boolean[] {true, true, true}));
        assertThrows(IllegalArgumentException.class,
                () -> state.advance(new DMatrixRMaj(DIMENSION, CLASSES + 1), new boolean[] {true, true, true, true}));
        assertThrows(IllegalArgumentException.class,
                () -> state.advance(new DMatrixRMaj(DIMENSION, CLASSES), new boolean[] {true}));
    }

    @Test
    void closedStateRefusesToAdvanceAndClosesOnce() {
        ImplicitEtfState<DMatrixRMaj> state = state(EtfOptions.defaults());
        DMatrixRMaj means = new DMatrixRMaj(DIMENSION, CLASSES);
        for (int i = 0; i < means.data.length; i++) {
            means.data[i] = Math.sin(i + 1.0);
        }
        boolean[] present = {true, true, true};
        state.advance(means, present);
        state.close();
        state.close();
        IllegalStateException error = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> state.advance(means, present));
        org.junit.jupiter.api.Assertions.assertTrue(error.getMessage().contains("closed"), error.getMessage());
    }
}
