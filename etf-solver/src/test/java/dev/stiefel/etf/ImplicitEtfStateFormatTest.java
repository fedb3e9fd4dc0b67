package dev.stiefel.etf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * {@link ImplicitEtfStateFormat} on its own: what it writes reads back entry by entry, its
 * bytes are the layout documented on {@link ImplicitEtfState#save} (encoded here independently
 * with a {@link ByteBuffer} and {@link CRC32}), and every cut and every corrupted byte of a
 * written state is named.
 */
class ImplicitEtfStateFormatTest {

    private static final int DIMENSION = 5;
    private static final int CLASSES = 3;
    private static final int HEADER_BYTES = 24;
    private static final int CHECKSUM_BYTES = 4;
    /** Step count, hasSolution, the seen flags: the first matrix entry follows. */
    private static final int FIRST_ENTRY = HEADER_BYTES + 8 + 1 + CLASSES;

    private final ImplicitEtfStateFormat format = new ImplicitEtfStateFormat(DIMENSION, CLASSES);

    /** Entries that a lossy encoding would change: signed zero, subnormals, the extremes. */
    private static DMatrixRMaj matrix(SplittableRandom random) {
        DMatrixRMaj matrix = new DMatrixRMaj(DIMENSION, CLASSES);
        for (int index = 0; index < matrix.data.length; index++) {
            matrix.data[index] = random.nextGaussian() * Math.pow(10, random.nextInt(-300, 300));
        }
        matrix.data[0] = -0.0;
        matrix.data[1] = Double.MIN_VALUE;
        matrix.data[2] = -Double.MAX_VALUE;
        matrix.data[3] = Math.nextDown(Double.MIN_NORMAL);
        return matrix;
    }

    private byte[] write(ImplicitEtfStateFormat.Saved saved) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        format.write(new DataOutputStream(bytes), saved);
        return bytes.toByteArray();
    }

    private ImplicitEtfStateFormat.Saved read(byte[] bytes) throws IOException {
        return format.read(new DataInputStream(new ByteArrayInputStream(bytes)));
    }

    private String failure(byte[] bytes) {
        IOException error = assertThrows(IOException.class, () -> read(bytes));
        assertTrue(error.getMessage() != null, "the exception names the problem");
        return error.getMessage();
    }

    private byte[] withSolution() throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        return write(new ImplicitEtfStateFormat.Saved(12, new boolean[] {true, false, true}, matrix(random),
                matrix(random)));
    }

    @Test
    void whatIsWrittenReadsBackEntryByEntry() throws IOException {
        SplittableRandom random = new SplittableRandom(3);
        for (long step : new long[] {0, 1, 4, Long.MAX_VALUE - 1}) {
            for (boolean hasSolution : new boolean[] {false, true}) {
                boolean[] seen = {random.nextBoolean(), random.nextBoolean(), random.nextBoolean()};
                DMatrixRMaj average = matrix(random);
                DMatrixRMaj solution = hasSolution ? matrix(random) : null;
                ImplicitEtfStateFormat.Saved back = read(write(
                        new ImplicitEtfStateFormat.Saved(step, seen, average, solution)));
                assertEquals(step, back.step());
                assertArrayEquals(seen, back.seen());
                assertSameEntries(average, back.movingAverage());
                if (hasSolution) {
                    assertSameEntries(solution, back.solution());
                } else {
                    assertNull(back.solution());
                }
            }
        }
    }

    private static void assertSameEntries(DMatrixRMaj expected, DMatrixRMaj actual) {
        assertEquals(DIMENSION, actual.numRows);
        assertEquals(CLASSES, actual.numCols);
        for (int index = 0; index < expected.data.length; index++) {
            assertEquals(Double.doubleToRawLongBits(expected.data[index]),
                    Double.doubleToRawLongBits(actual.data[index]), "entry " + index);
        }
    }

    /**
     * Header {@code "ETFS", 2, d, C, payloadLength}, payload {@code step, hasSolution, seen,
     * EMA, U*}, all big-endian, then the CRC-32 of both.
     */
    @Test
    void theBytesAreTheDocumentedLayout() throws IOException {
        SplittableRandom random = new SplittableRandom(5);
        boolean[] seen = {true, true, false};
        DMatrixRMaj average = matrix(random);
        DMatrixRMaj solution = matrix(random);
        for (boolean hasSolution : new boolean[] {false, true}) {
            int entries = DIMENSION * CLASSES * (hasSolution ? 2 : 1);
            int payload = 8 + 1 + CLASSES + 8 * entries;
            ByteBuffer expected = ByteBuffer.allocate(HEADER_BYTES + payload + CHECKSUM_BYTES);
            expected.put("ETFS".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(2)
                    .putInt(DIMENSION).putInt(CLASSES).putLong(payload);
            expected.putLong(9).put((byte) (hasSolution ? 1 : 0)).put((byte) 1).put((byte) 1).put((byte) 0);
            for (double value : average.data) {
                expected.putDouble(value);
            }
            if (hasSolution) {
                for (double value : solution.data) {
                    expected.putDouble(value);
                }
            }
            CRC32 checksum = new CRC32();
            checksum.update(expected.array(), 0, expected.position());
            expected.putInt((int) checksum.getValue());

            byte[] written = write(new ImplicitEtfStateFormat.Saved(9, seen, average, hasSolution ? solution : null));
            assertArrayEquals(expected.array(), written);
        }
    }

    @Test
    void everyCutIsNamed() throws IOException {
        byte[] bytes = withSolution();
        assertTrue(failure(new byte[0]).contains("empty"));
        for (int length = 1; length < bytes.length; length++) {
            String message = failure(Arrays.copyOf(bytes, length));
            String part = length < HEADER_BYTES ? "of the header's 24 bytes"
                    : length < bytes.length - CHECKSUM_BYTES ? "payload bytes" : "of the checksum's 4 bytes";
            assertTrue(message.contains("truncated") && message.contains(part), length + ": " + message);
        }
    }

    /** A flipped bit in the header names the field it lands in; anywhere after it, the checksum. */
    @Test
    void everyCorruptedByteIsNamed() throws IOException {
        byte[] bytes = withSolution();
        for (int index = 0; index < bytes.length; index++) {
            byte[] corrupted = bytes.clone();
            corrupted[index] ^= 0x01;
            String message = failure(corrupted);
            String expected = index < 4 ? "magic" : index < 8 ? "version" : index < 16 ? "is for d = "
                    : index < HEADER_BYTES ? "payload length" : "is corrupted: CRC-32";
            assertTrue(message.contains(expected), index + ": " + message);
        }
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 2);
        assertTrue(failure(longer).contains("2 unexpected byte(s) after the checksum"));
    }

    /** Fields that the checksum cannot vouch for, rewritten with a matching checksum. */
    @Test
    void badFieldsUnderAValidChecksumAreNamed() throws IOException {
        byte[] flag = withSolution();
        flag[HEADER_BYTES + 8 + 1 + 1] = 2;
        assertTrue(failure(rewriteChecksum(flag)).contains("seen[1] is byte 2, not a boolean"));

        byte[] notFinite = withSolution();
        ByteBuffer.wrap(notFinite).putDouble(FIRST_ENTRY + 8 * 4, Double.NaN);
        assertTrue(failure(rewriteChecksum(notFinite)).contains("moving average entry 4 is not finite"));
        byte[] infiniteSolution = withSolution();
        ByteBuffer.wrap(infiniteSolution).putDouble(FIRST_ENTRY + 8 * (DIMENSION * CLASSES + 2),
                Double.NEGATIVE_INFINITY);
        assertTrue(failure(rewriteChecksum(infiniteSolution)).contains("solution entry 2 is not finite"));

        byte[] negative = withSolution();
        ByteBuffer.wrap(negative).putLong(HEADER_BYTES, -1);
        assertTrue(failure(rewriteChecksum(negative)).contains("negative step count -1"));

        byte[] noSolutionFlag = withSolution();
        noSolutionFlag[HEADER_BYTES + 8] = 0;
        assertTrue(failure(rewriteChecksum(noSolutionFlag)).contains("does not match a state without a solution"));
    }

    private static byte[] rewriteChecksum(byte[] state) {
        CRC32 checksum = new CRC32();
        checksum.update(state, 0, state.length - CHECKSUM_BYTES);
        ByteBuffer.wrap(state).putInt(state.length - CHECKSUM_BYTES, (int) checksum.getValue());
        return state;
    }
}
