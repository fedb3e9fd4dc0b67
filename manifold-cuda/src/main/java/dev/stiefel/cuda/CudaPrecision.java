package dev.stiefel.cuda;

/** Floating-point type of device storage; scalars still cross the API as {@code double}. */
public enum CudaPrecision {
    /** IEEE binary64, cuBLAS/cuSOLVER {@code D} routines. */
    FLOAT64(Double.BYTES, 0x1.0p-52),
    /** IEEE binary32, cuBLAS/cuSOLVER {@code S} routines. */
    FLOAT32(Float.BYTES, 0x1.0p-23);

    private final int bytes;
    private final double epsilon;

    CudaPrecision(int bytes, double epsilon) {
        this.bytes = bytes;
        this.epsilon = epsilon;
    }

    /** Bytes of one element. */
    public int bytes() {
        return bytes;
    }

    /** Machine epsilon, the distance from 1 to the next representable number. */
    public double epsilon() {
        return epsilon;
    }

    /** Bits of one element: 64 or 32. */
    public int bits() {
        return bytes * Byte.SIZE;
    }
}
