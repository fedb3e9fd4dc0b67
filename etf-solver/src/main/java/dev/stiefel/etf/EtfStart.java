package dev.stiefel.etf;

/** Start point of the very first nearest-ETF solve (docs/mathematics.md section 4, step 1). */
public enum EtfStart {
    /** The canonical point {@code [I_C; 0]}. The default. */
    CANONICAL,
    /** A Haar-random point of St(d, C), drawn from {@link EtfOptions#seed()}. */
    HAAR
}
