package dev.stiefel.etf.djl.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The IDX parser on small files written here, plain and gzip, and its errors. */
class IdxFileTest {

    @TempDir
    Path folder;

    /** IDX bytes: magic 0x0000 type rank, big-endian dimensions, data. */
    static byte[] idx(int type, int[] dimensions, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt((type << 8) | dimensions.length);
            for (int dimension : dimensions) {
                out.writeInt(dimension);
            }
            out.write(data);
        }
        return bytes.toByteArray();
    }

    static Path write(Path file, byte[] content, boolean gzip) throws IOException {
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            out.write(content);
        }
        return file;
    }

    static byte[] ramp(int count) {
        byte[] data = new byte[count];
        for (int k = 0; k < count; k++) {
            data[k] = (byte) (k * 37 + 200);
        }
        return data;
    }

    @Test
    void readsPlainAndGzipFilesWithTheirDimensionsAndUnsignedData() throws IOException {
        byte[] data = ramp(3 * 4 * 5);
        byte[] content = idx(IdxFile.UNSIGNED_BYTE, new int[] {3, 4, 5}, data);
        for (boolean gzip : new boolean[] {false, true}) {
            IdxFile file = IdxFile.read(write(folder.resolve("images" + gzip), content, gzip));
            assertArrayEquals(new int[] {3, 4, 5}, file.dimensions());
            assertArrayEquals(data, file.data());
            assertEquals(3, file.count());
            assertEquals(20, file.itemSize());
        }
    }

    @Test
    void aLabelFileHasItemSizeOne() throws IOException {
        IdxFile labels = IdxFile.read(write(folder.resolve("labels"), idx(8, new int[] {4}, new byte[] {0, 9, 3, 1}),
                true));
        assertEquals(1, labels.itemSize());
        assertArrayEquals(new byte[] {0, 9, 3, 1}, labels.data());
    }

    @Test
    void aBadMagicNumberIsReportedWithTheFileName() throws IOException {
        byte[] content = idx(8, new int[] {2}, new byte[] {1, 2});
        content[0] = 0x12;
        Path file = write(folder.resolve("bad-magic"), content, false);
        IOException e = assertThrows(IOException.class, () -> IdxFile.read(file));
        assertTrue(e.getMessage().contains("bad magic") && e.getMessage().contains("bad-magic"), e.getMessage());
    }

    @Test
    void anUnsupportedTypeIsReported() throws IOException {
        Path file = write(folder.resolve("floats"), idx(0x0d, new int[] {1}, new byte[4]), false);
        IOException e = assertThrows(IOException.class, () -> IdxFile.read(file));
        assertTrue(e.getMessage().contains("0xd"), e.getMessage());
    }

    @Test
    void truncatedDataAndHeadersAreReported() throws IOException {
        byte[] content = idx(8, new int[] {2, 3, 3}, ramp(18));
        for (boolean gzip : new boolean[] {false, true}) {
            Path data = write(folder.resolve("short-data" + gzip), Arrays.copyOf(content, content.length - 5), gzip);
            IOException e = assertThrows(IOException.class, () -> IdxFile.read(data));
            assertTrue(e.getMessage().contains("truncated IDX file, 13 of 18"), e.getMessage());
        }
        Path header = write(folder.resolve("short-header"), Arrays.copyOf(content, 9), false);
        IOException e = assertThrows(IOException.class, () -> IdxFile.read(header));
        assertTrue(e.getMessage().contains("truncated IDX header, 1 of 3"), e.getMessage());
        Path empty = write(folder.resolve("empty"), new byte[2], false);
        IOException tooShort = assertThrows(IOException.class, () -> IdxFile.read(empty));
        assertTrue(tooShort.getMessage().contains("magic"), tooShort.getMessage());
    }

    @Test
    void aTruncatedGzipFileIsNamed() throws IOException {
        Path whole = write(folder.resolve("whole.gz"), idx(0x08, new int[] {50, 28, 28}, ramp(50 * 28 * 28)), true);
        byte[] bytes = Files.readAllBytes(whole);
        Path truncated = folder.resolve("train-images-idx3-ubyte.gz");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        IOException error = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> IdxFile.read(truncated));
        org.junit.jupiter.api.Assertions.assertTrue(error.getMessage().startsWith(truncated.toString()), error::getMessage);
        org.junit.jupiter.api.Assertions.assertTrue(error.getMessage().contains("truncated"), error::getMessage);
    }
}
