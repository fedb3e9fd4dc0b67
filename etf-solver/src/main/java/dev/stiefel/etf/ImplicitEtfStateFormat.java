package dev.stiefel.etf;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;
import org.ejml.data.DMatrixRMaj;

/**
 * The binary format of {@link ImplicitEtfState}'s persistent part, for one shape
 * {@code d x C}; the layout is documented on {@link ImplicitEtfState#save}. Reading checks
 * everything the bytes alone can show (empty or truncated input, magic number, version, shape,
 * payload length, CRC-32, bytes after the checksum, step count, boolean bytes, finite
 * entries) and names what is wrong; whether a stored solution is a point of St(d, C) is the
 * state's to check.
 */
final class ImplicitEtfStateFormat {

    /** First int: the ASCII bytes {@code "ETFS"}. */
    static final int MAGIC = 0x45544653;
    /** Version written: 2 adds the payload length and a CRC-32. */
    static final int VERSION = 2;
    /** Magic, version, d, C and the payload length. */
    private static final int HEADER_BYTES = 4 * Integer.BYTES + Long.BYTES;

    /**
     * The persistent part of a state, on the host.
     *
     * @param step steps taken, in {@code [0, Long.MAX_VALUE)}
     * @param seen the C flags of the classes seen
     * @param movingAverage the EMA, {@code d x C}, finite
     * @param solution {@code U*}, {@code d x C}, finite, or null before the first step
     */
    record Saved(long step, boolean[] seen, DMatrixRMaj movingAverage, DMatrixRMaj solution) {

        boolean hasSolution() {
            return solution != null;
        }
    }

    private final int dimension;
    private final int numClasses;

    ImplicitEtfStateFormat(int dimension, int numClasses) {
        this.dimension = dimension;
        this.numClasses = numClasses;
    }

    /**
     * Writes {@code saved} (whose matrices are {@code d x C} and {@code seen} has C flags),
     * header and payload through a CRC-32, then the checksum.
     */
    void write(DataOutputStream output, Saved saved) throws IOException {
        CRC32 checksum = new CRC32();
        DataOutputStream checked = new DataOutputStream(new CheckedOutputStream(output, checksum));
        checked.writeInt(MAGIC);
        checked.writeInt(VERSION);
        checked.writeInt(dimension);
        checked.writeInt(numClasses);
        checked.writeLong(payloadBytes(saved.hasSolution()));
        checked.writeLong(saved.step());
        checked.writeBoolean(saved.hasSolution());
        for (boolean flag : saved.seen()) {
            checked.writeBoolean(flag);
        }
        writeMatrix(checked, saved.movingAverage());
        if (saved.hasSolution()) {
            writeMatrix(checked, saved.solution());
        }
        checked.flush();
        output.writeInt((int) checksum.getValue());
        output.flush();
    }

    /**
     * Reads a state written by {@link #write}, which must be the whole rest of {@code input}
     * (it is read to its end, so that bytes after the state are noticed).
     *
     * @throws IOException on a read failure, or naming what is wrong: an empty or truncated
     *     input, another magic number or version, another d or C, a payload length that fits
     *     no state, a checksum that does not match (a corrupted byte), bytes after the checksum,
     *     a step count out of range, a flag that is not a boolean byte or a non-finite entry
     */
    Saved read(DataInputStream input) throws IOException {
        byte[] header = input.readNBytes(HEADER_BYTES);
        if (header.length == 0) {
            throw new IOException("implicit ETF state: the input is empty");
        }
        ByteBuffer headerFields = ByteBuffer.wrap(header);
        if (header.length >= Integer.BYTES) {
            int magic = headerFields.getInt();
            if (magic != MAGIC) {
                throw new IOException("not an implicit ETF state: magic 0x" + Integer.toHexString(magic)
                        + ", expected 0x" + Integer.toHexString(MAGIC) + " (\"ETFS\")");
            }
        }
        if (header.length < HEADER_BYTES) {
            throw new IOException("implicit ETF state is truncated: " + header.length + " of the header's "
                    + HEADER_BYTES + " bytes");
        }
        int version = headerFields.getInt();
        if (version != VERSION) {
            throw new IOException("unsupported implicit ETF state version " + version + ", expected "
                    + VERSION);
        }
        int storedDimension = headerFields.getInt();
        int storedClasses = headerFields.getInt();
        if (storedDimension != dimension || storedClasses != numClasses) {
            throw new IOException("implicit ETF state is for d = " + storedDimension + ", C = " + storedClasses
                    + ", this head has d = " + dimension + ", C = " + numClasses);
        }
        long payloadLength = headerFields.getLong();
        if (payloadLength != payloadBytes(false) && payloadLength != payloadBytes(true)) {
            throw new IOException("implicit ETF state: payload length " + payloadLength + " fits no state of d = "
                    + dimension + ", C = " + numClasses + " (expected " + payloadBytes(false)
                    + " without a solution or " + payloadBytes(true) + " with one)");
        }
        if (payloadLength > Integer.MAX_VALUE - 8) {
            throw new IOException("implicit ETF state of d = " + dimension + ", C = " + numClasses + " has "
                    + payloadLength + " payload bytes, more than one array holds");
        }
        byte[] payload = input.readNBytes((int) payloadLength);
        if (payload.length < payloadLength) {
            throw new IOException("implicit ETF state is truncated: " + payload.length + " of " + payloadLength
                    + " payload bytes");
        }
        byte[] trailer = input.readNBytes(Integer.BYTES);
        if (trailer.length < Integer.BYTES) {
            throw new IOException("implicit ETF state is truncated: " + trailer.length + " of the checksum's "
                    + Integer.BYTES + " bytes");
        }
        CRC32 checksum = new CRC32();
        checksum.update(header);
        checksum.update(payload);
        int stored = ByteBuffer.wrap(trailer).getInt();
        if (stored != (int) checksum.getValue()) {
            throw new IOException("implicit ETF state is corrupted: CRC-32 0x" + Integer.toHexString(stored)
                    + " stored, 0x" + Integer.toHexString((int) checksum.getValue()) + " computed");
        }
        long extra = 0;
        while (input.read() >= 0) {
            extra++;
        }
        if (extra > 0) {
            throw new IOException("implicit ETF state: " + extra + " unexpected byte(s) after the checksum");
        }

        ByteBuffer fields = ByteBuffer.wrap(payload);
        long storedStep = fields.getLong();
        if (storedStep < 0) {
            throw new IOException("implicit ETF state: negative step count " + storedStep);
        }
        if (storedStep == Long.MAX_VALUE) {
            throw new IOException("implicit ETF state: step count " + storedStep
                    + " is the largest a long holds, so the next step cannot be counted");
        }
        boolean storedHasSolution = readBoolean(fields, "hasSolution");
        if (payloadLength != payloadBytes(storedHasSolution)) {
            throw new IOException("implicit ETF state: payload length " + payloadLength + " does not match"
                    + (storedHasSolution ? " a state with" : " a state without") + " a solution ("
                    + payloadBytes(storedHasSolution) + " bytes)");
        }
        boolean[] storedSeen = new boolean[numClasses];
        for (int label = 0; label < numClasses; label++) {
            storedSeen[label] = readBoolean(fields, "seen[" + label + "]");
        }
        DMatrixRMaj storedAverage = readMatrix(fields, "moving average");
        DMatrixRMaj storedSolution = storedHasSolution ? readMatrix(fields, "solution") : null;
        return new Saved(storedStep, storedSeen, storedAverage, storedSolution);
    }

    /** Bytes of the payload. */
    private long payloadBytes(boolean withSolution) {
        long matrixBytes = (long) Double.BYTES * dimension * numClasses;
        return Long.BYTES + 1L + numClasses + (withSolution ? 2 : 1) * matrixBytes;
    }

    private static boolean readBoolean(ByteBuffer fields, String name) throws IOException {
        byte value = fields.get();
        if (value != 0 && value != 1) {
            throw new IOException("implicit ETF state: " + name + " is byte " + value + ", not a boolean");
        }
        return value == 1;
    }

    private static void writeMatrix(DataOutputStream output, DMatrixRMaj matrix) throws IOException {
        int size = matrix.numRows * matrix.numCols;
        for (int index = 0; index < size; index++) {
            output.writeDouble(matrix.data[index]);
        }
    }

    private DMatrixRMaj readMatrix(ByteBuffer fields, String name) throws IOException {
        DMatrixRMaj matrix = new DMatrixRMaj(dimension, numClasses);
        for (int index = 0; index < dimension * numClasses; index++) {
            double value = fields.getDouble();
            if (!Double.isFinite(value)) {
                throw new IOException("implicit ETF state: " + name + " entry " + index + " is not finite");
            }
            matrix.data[index] = value;
        }
        return matrix;
    }
}
