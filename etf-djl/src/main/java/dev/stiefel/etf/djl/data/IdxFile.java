package dev.stiefel.etf.djl.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * An IDX file of unsigned bytes (LeCun, Cortes, Burges, the MNIST database format, used unchanged
 * by Fashion-MNIST, Xiao, Rasul, Vollgraf 2017): the magic {@code 0x00 0x00 0x08 n}, then
 * {@code n} big-endian 32-bit dimensions, then the bytes in row-major order. Plain or gzip
 * compressed (detected from the gzip magic {@code 1f 8b}).
 *
 * @param dimensions the sizes, outermost first (e.g. {@code [60000, 28, 28]})
 * @param data the values, unsigned, {@code product(dimensions)} of them
 */
public record IdxFile(int[] dimensions, byte[] data) {

    /** The type byte of unsigned 8-bit data. */
    public static final int UNSIGNED_BYTE = 0x08;

    /** Number of items: the first dimension. */
    public int count() {
        return dimensions[0];
    }

    /** Values per item: the product of the remaining dimensions (1 for a label file). */
    public int itemSize() {
        int size = 1;
        for (int k = 1; k < dimensions.length; k++) {
            size *= dimensions[k];
        }
        return size;
    }

    /**
     * Reads an unsigned-byte IDX file, gzip compressed or not.
     *
     * @throws IOException naming the file: when it cannot be read, has a bad magic number, a type
     *     other than unsigned byte, a negative or too large dimension, or ends before its data
     */
    public static IdxFile read(Path file) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            raw.mark(2);
            int first = raw.read();
            int second = raw.read();
            raw.reset();
            boolean gzip = first == 0x1f && second == 0x8b;
            InputStream input = gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
            try {
                return read(new DataInputStream(input), file.toString());
            } catch (IOException e) {
                // the decompressor's own exceptions ("Unexpected end of ZLIB input stream") name no file
                if (e.getMessage() != null && e.getMessage().startsWith(file.toString())) {
                    throw e;
                }
                throw new IOException(file + ": " + (gzip ? "the gzip data is truncated or corrupted (" : "cannot be read (")
                        + e + ")", e);
            }
        }
    }

    private static IdxFile read(DataInputStream input, String name) throws IOException {
        int magic;
        try {
            magic = input.readInt();
        } catch (EOFException e) {
            throw new IOException(name + ": not an IDX file, shorter than its 4-byte magic number", e);
        }
        if ((magic >>> 16) != 0) {
            throw new IOException(name + ": not an IDX file, bad magic number 0x" + Integer.toHexString(magic)
                    + " (expected 0x0000TTNN)");
        }
        int type = (magic >>> 8) & 0xff;
        if (type != UNSIGNED_BYTE) {
            throw new IOException(name + ": IDX type 0x" + Integer.toHexString(type)
                    + " is not supported, only unsigned bytes (0x08)");
        }
        int rank = magic & 0xff;
        if (rank < 1) {
            throw new IOException(name + ": IDX file with no dimensions");
        }
        int[] dimensions = new int[rank];
        long size = 1;
        for (int k = 0; k < rank; k++) {
            try {
                dimensions[k] = input.readInt();
            } catch (EOFException e) {
                throw new IOException(name + ": truncated IDX header, " + k + " of " + rank + " dimensions", e);
            }
            if (dimensions[k] < 0) {
                throw new IOException(name + ": negative IDX dimension " + dimensions[k]);
            }
            size *= dimensions[k];
            if (size > Integer.MAX_VALUE - 8) {
                throw new IOException(name + ": IDX data of dimensions " + Arrays.toString(Arrays.copyOf(dimensions, k + 1))
                        + " is too large for one array");
            }
        }
        byte[] data = new byte[(int) size];
        int read = input.readNBytes(data, 0, data.length);
        if (read != data.length) {
            throw new IOException(name + ": truncated IDX file, " + read + " of " + data.length
                    + " data bytes for dimensions " + Arrays.toString(dimensions));
        }
        return new IdxFile(dimensions, data);
    }
}
