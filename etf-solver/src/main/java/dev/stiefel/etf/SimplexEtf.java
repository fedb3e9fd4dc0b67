package dev.stiefel.etf;

import org.ejml.data.DMatrixRMaj;

/**
 * Simplex equiangular tight frames (Markou, Ajanthan, Gould, "Guiding Neural Collapse",
 * NeurIPS 2024, eq. 1; {@code docs/mathematics.md} section 1) on the host.
 *
 * <ul>
 *   <li>centring matrix {@code Mc = I_C - (1/C) 1 1^T} (symmetric, idempotent, rank C-1);</li>
 *   <li>standard ETF {@code Mt = Mc / sqrt(C-1)}, unit Frobenius norm;</li>
 *   <li>normalised ETF {@code Mh = sqrt(C/(C-1)) Mc}, unit-norm columns;</li>
 *   <li>canonical classifier {@code [I_C; 0] Mh} ({@code d x C}).</li>
 * </ul>
 * Every method writes into {@code out}, reshapes it and returns it.
 */
public final class SimplexEtf {

    private SimplexEtf() {
    }

    /** {@code out = Mc = I_C - (1/C) 1 1^T}, {@code C x C}. */
    public static DMatrixRMaj centring(int numClasses, DMatrixRMaj out) {
        return scaledCentring(numClasses, 1.0, out);
    }

    /** {@code out = Mt = Mc / sqrt(C-1)}, the standard simplex ETF (unit Frobenius norm). */
    public static DMatrixRMaj standard(int numClasses, DMatrixRMaj out) {
        requireClasses(numClasses);
        return scaledCentring(numClasses, 1.0 / Math.sqrt(numClasses - 1.0), out);
    }

    /** {@code out = Mh = sqrt(C/(C-1)) Mc}, the simplex ETF with unit-norm columns. */
    public static DMatrixRMaj normalised(int numClasses, DMatrixRMaj out) {
        requireClasses(numClasses);
        return scaledCentring(numClasses, normalisedScale(numClasses), out);
    }

    /**
     * {@code out = [I_C; 0] Mh} ({@code d x C}): the canonical-direction simplex ETF classifier
     * the fixed-ETF head uses (paper Section 4).
     *
     * @throws IllegalArgumentException when {@code d < C} or {@code C < 2}
     */
    public static DMatrixRMaj canonical(int dimension, int numClasses, DMatrixRMaj out) {
        requireDimensions(dimension, numClasses);
        out.reshape(dimension, numClasses);
        out.zero();
        double scale = normalisedScale(numClasses);
        for (int row = 0; row < numClasses; row++) {
            for (int col = 0; col < numClasses; col++) {
                double centring = (row == col ? 1.0 : 0.0) - 1.0 / numClasses;
                out.unsafe_set(row, col, scale * centring);
            }
        }
        return out;
    }

    /** The factor {@code sqrt(C/(C-1))} relating {@code Mh} to {@code Mc}. */
    public static double normalisedScale(int numClasses) {
        requireClasses(numClasses);
        return Math.sqrt(numClasses / (numClasses - 1.0));
    }

    /**
     * Lower bound of the mean cross-entropy with features of norm {@code tau} and unit-norm
     * classifiers, attained by a simplex ETF: {@code log(1 + (C-1) exp(-tau C/(C-1)))}
     * (Yaras et al., NeurIPS 2022, Theorem 1; docs/mathematics.md section 3). Evaluated with {@code log1p} so
     * that small bounds keep full relative precision.
     */
    public static double crossEntropyLowerBound(int numClasses, double tau) {
        requireClasses(numClasses);
        if (!(tau > 0) || !Double.isFinite(tau)) {
            throw new IllegalArgumentException("tau must be finite and > 0, got " + tau);
        }
        return Math.log1p((numClasses - 1.0) * Math.exp(-tau * numClasses / (numClasses - 1.0)));
    }

    /**
     * Validates an ETF shape.
     *
     * @throws IllegalArgumentException when {@code C < 2} or {@code d < C}
     */
    public static void requireDimensions(int dimension, int numClasses) {
        requireClasses(numClasses);
        if (dimension < numClasses) {
            throw new IllegalArgumentException("a simplex ETF needs feature dimension d >= number of classes C,"
                    + " got d = " + dimension + ", C = " + numClasses);
        }
    }

    static void requireClasses(int numClasses) {
        if (numClasses < 2) {
            throw new IllegalArgumentException("a simplex ETF needs at least C = 2 classes, got C = " + numClasses);
        }
    }

    private static DMatrixRMaj scaledCentring(int numClasses, double scale, DMatrixRMaj out) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("number of classes must be >= 1, got " + numClasses);
        }
        out.reshape(numClasses, numClasses);
        double offDiagonal = -scale / numClasses;
        double diagonal = scale + offDiagonal;
        for (int row = 0; row < numClasses; row++) {
            for (int col = 0; col < numClasses; col++) {
                out.unsafe_set(row, col, row == col ? diagonal : offDiagonal);
            }
        }
        return out;
    }
}
