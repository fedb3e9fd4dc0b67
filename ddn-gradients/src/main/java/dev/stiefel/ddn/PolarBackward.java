package dev.stiefel.ddn;

import dev.stiefel.kernel.DenseKernels;
import org.ejml.data.DMatrixRMaj;

/**
 * Closed-form backward pass (vector-Jacobian product) of the polar factor
 * {@code U = polar(G) = Usvd Vsvd^T}, where {@code G = Usvd S Vsvd^T} is the thin SVD of a
 * full-rank {@code d x C} matrix ({@code d >= C}).
 *
 * <p>Given the upstream gradient {@code Vbar = dL/dU}, with {@code T = Vbar Vsvd} and
 * {@code X = Usvd^T T},
 * <pre>
 *   dL/dG = Usvd [ (X - X^T)_ij / (s_i + s_j) ] Vsvd^T
 *         + (I - Usvd Usvd^T) Vbar Vsvd S^-1 Vsvd^T
 *         = ( T S^-1 + Usvd Z ) Vsvd^T,   Z_ij = (X_ij - X_ji) / (s_i + s_j) - X_ij / s_j .
 * </pre>
 * Derivation: differentiating {@code U = G (G^T G)^(-1/2)} gives
 * {@code dU = Usvd Omega Vsvd^T + (I - Usvd Usvd^T) dG Vsvd S^-1 Vsvd^T} with
 * {@code Omega_ij = (M_ij - M_ji) / (s_i + s_j)}, {@code M = Usvd^T dG Vsvd}; the formula above
 * is its adjoint under the Frobenius inner product. {@code docs/mathematics.md} section 5c;
 * the same expression appears in Markou, Ajanthan, Gould, "Guiding Neural Collapse", NeurIPS
 * 2024, and follows the SVD-derivative calculus of Ionescu, Vantzos, Sminchisescu, "Matrix
 * backpropagation for deep networks with structured layers", ICCV 2015. The result is a tangent
 * vector of the Stiefel manifold at {@code U}: {@code U^T dL/dG} is skew-symmetric.
 *
 * <p><b>Factorisation.</b> {@link #forward} asks the backend for the polar factor by the eigen
 * route ({@link DenseKernels#polarFromGramEigen}: {@code G^T G = V diag(lambda) V^T}), which
 * is a thin SVD in disguise: {@code Vsvd = V}, {@code s = sqrt(lambda)} and
 * {@code Usvd = G V S^-1 = U V}. The backward then costs five {@code d x C} by {@code C x C}
 * products and no decomposition ({@code Usvd = U V}, {@code T}, {@code X}, {@code Usvd Z} and
 * the final {@code Vsvd^T}). Where the backend has no eigen route or declines it ({@code G}
 * too ill-conditioned for the eigenvalues of {@code G^T G}: {@code cond(G) > 1e5} on OpenBLAS),
 * a thin SVD of {@code G} is taken instead, with the rank test below. The polar factor and
 * {@code G} are kept, so that {@link #holds} can tell a caller whether the factorisation of its
 * {@code G} is already here.
 *
 * <p>Cost {@code O(d C^2 + C^3)} time, {@code O(d C + C^2)} memory. The {@code C x C}
 * element-wise step runs on the host ({@code O(C^2)} transfer on a device backend). Workspaces
 * are allocated on the first call for a shape and reused; instances are not thread-safe.
 *
 * <p>Typical use in a head: {@link #forward} computes {@code U} and keeps its factorisation,
 * then {@link #backward} reuses it. {@link #vjp} does both steps from {@code G}.
 * {@link #close()} frees the workspaces (device memory on a GPU backend).
 *
 * @param <M> the backend's matrix type
 */
public final class PolarBackward<M> implements AutoCloseable {

    /** Machine epsilon of float64, the scale of the rank test. */
    private static final double EPS = Math.ulp(1.0);

    /** How the kept factorisation was obtained. */
    public enum Factorisation {
        /** Nothing decomposed yet (or the last attempt failed). */
        NONE,
        /** Eigendecomposition of {@code G^T G}, shared with the polar factor's computation. */
        GRAM_EIGEN,
        /** Thin SVD of {@code G}. */
        SVD
    }

    private final DenseKernels<M> kernels;

    private int rows = -1;
    private int cols = -1;
    private Factorisation factorisation = Factorisation.NONE;

    // The factorisation of the last G: polar factor, Vsvd, s (left vectors from the SVD route, or U V).
    private M factor;
    private M decomposed;
    private M leftVectors;
    private boolean leftVectorsReady;
    private double[] singularValues;
    private M rightVectors;

    // Workspaces: d x C, C x C, and host C x C for the element-wise step.
    private M upstreamTimesRight;
    private M combined;
    private M smallSquare;
    private M skewScaled;
    private M difference;
    private double[] inverseSingularValues;
    private final DMatrixRMaj hostSquare = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj hostSkewScaled = new DMatrixRMaj(1, 1);

    /** @param kernels the dense backend doing the work */
    public PolarBackward(DenseKernels<M> kernels) {
        if (kernels == null) {
            throw new IllegalArgumentException("kernels must not be null");
        }
        this.kernels = kernels;
    }

    /**
     * Decomposes {@code g} and writes its polar factor {@code Usvd Vsvd^T} into {@code polarOut};
     * the factorisation is kept for a following {@link #backward}.
     *
     * @param g {@code d x C}, {@code d >= C}, finite, full column rank; not modified
     * @param polarOut {@code d x C}; may alias {@code g}
     * @return {@code polarOut}
     * @throws IllegalArgumentException on a shape mismatch or non-finite entries
     * @throws ArithmeticException when {@code g} is numerically rank deficient
     *     ({@code s_min < max(d, C) * eps * s_max})
     */
    public M forward(M g, M polarOut) {
        requireDecomposable(g);
        requireShape("polarOut", polarOut, kernels.rows(g), kernels.cols(g));
        ensureWorkspaces(kernels.rows(g), kernels.cols(g));
        kernels.copy(g, decomposed);
        if (kernels.polarFromGramEigen(decomposed, factor, rightVectors, singularValues)) {
            for (int i = 0; i < cols; i++) {
                singularValues[i] = Math.sqrt(singularValues[i]);
            }
            finishDecomposition(Factorisation.GRAM_EIGEN);
            // Usvd = U V is formed by the first backward: a forward-only caller never pays for it
            leftVectorsReady = false;
        } else {
            decomposeBySvd();
            leftVectorsReady = true;
            kernels.gemm(1.0, leftVectors, false, rightVectors, true, 0.0, factor);
        }
        kernels.copy(factor, polarOut);
        return polarOut;
    }

    /**
     * {@code out = dL/dG} for the {@code G} of the last {@link #forward} (or {@link #vjp}).
     *
     * @param upstream {@code Vbar = dL/dU}, {@code d x C}, finite; not modified
     * @param out {@code d x C}, receives {@code dL/dG}; must not alias {@code upstream}
     * @return {@code out}
     * @throws IllegalStateException when no {@code G} has been decomposed yet
     */
    public M backward(M upstream, M out) {
        if (factorisation == Factorisation.NONE) {
            throw new IllegalStateException("backward called before forward: no G has been decomposed");
        }
        requireShape("upstream", upstream, rows, cols);
        requireShape("out", out, rows, cols);
        if (upstream == out) {
            throw new IllegalArgumentException("out must not alias upstream");
        }
        if (!kernels.allFinite(upstream)) {
            throw new IllegalArgumentException("upstream gradient contains NaN or infinite entries");
        }
        if (!leftVectorsReady) {
            // Usvd = G V S^-1 = U V
            kernels.gemm(1.0, factor, false, rightVectors, false, 0.0, leftVectors);
            leftVectorsReady = true;
        }
        // T = Vbar Vsvd, X = Usvd^T T.
        kernels.gemm(1.0, upstream, false, rightVectors, false, 0.0, upstreamTimesRight);
        kernels.gemm(1.0, leftVectors, true, upstreamTimesRight, false, 0.0, smallSquare);

        // Z_ij = (X_ij - X_ji) / (s_i + s_j) - X_ij / s_j: element-wise, so on the host (O(C^2)).
        kernels.toHost(smallSquare, hostSquare);
        hostSkewScaled.reshape(cols, cols);
        double[] x = hostSquare.data;
        double[] z = hostSkewScaled.data;
        for (int i = 0; i < cols; i++) {
            int row = i * cols;
            for (int j = 0; j < cols; j++) {
                double value = x[row + j];
                z[row + j] = (value - x[j * cols + i]) / (singularValues[i] + singularValues[j])
                        - value * inverseSingularValues[j];
            }
        }
        kernels.copyFromHost(hostSkewScaled, skewScaled);

        // dL/dG = (T S^-1 + Usvd Z) Vsvd^T.
        kernels.scaleColumns(upstreamTimesRight, inverseSingularValues, combined);
        kernels.gemm(1.0, leftVectors, false, skewScaled, false, 1.0, combined);
        kernels.gemm(1.0, combined, false, rightVectors, true, 0.0, out);
        return out;
    }

    /**
     * {@code out = dL/dG} where {@code U = polar(g)}: {@link #forward} into the kept factor,
     * then {@link #backward}.
     *
     * @param g {@code d x C}, full column rank, finite; not modified
     * @param upstream {@code Vbar = dL/dU}, {@code d x C}; not modified
     * @param out {@code d x C}; must not alias {@code g} or {@code upstream}
     * @return {@code out}
     * @throws ArithmeticException when {@code g} is numerically rank deficient
     */
    public M vjp(M g, M upstream, M out) {
        if (g == out) {
            throw new IllegalArgumentException("out must not alias g");
        }
        requireDecomposable(g);
        ensureWorkspaces(kernels.rows(g), kernels.cols(g));
        forward(g, combined);
        return backward(upstream, out);
    }

    /**
     * Whether the kept factorisation is that of {@code g}: the last {@link #forward} decomposed
     * a matrix equal to {@code g} entry for entry. {@code O(dC)}.
     */
    public boolean holds(M g) {
        if (factorisation == Factorisation.NONE || kernels.rows(g) != rows || kernels.cols(g) != cols) {
            return false;
        }
        kernels.addScaled(1.0, g, -1.0, decomposed, difference);
        return kernels.normF(difference) == 0.0;
    }

    /** The polar factor of the last decomposed {@code G} ({@code d x C}, owned; do not modify). */
    public M factor() {
        if (factorisation == Factorisation.NONE) {
            throw new IllegalStateException("no G has been decomposed yet");
        }
        return factor;
    }

    /** How the kept factorisation was obtained. */
    public Factorisation factorisation() {
        return factorisation;
    }

    /** Singular values of the last decomposed {@code G} (a copy; descending from the SVD, ascending from the eigen route). */
    public double[] singularValues() {
        if (factorisation == Factorisation.NONE) {
            throw new IllegalStateException("no G has been decomposed yet");
        }
        return singularValues.clone();
    }

    private void requireDecomposable(M g) {
        int d = kernels.rows(g);
        int c = kernels.cols(g);
        if (d < c) {
            throw new IllegalArgumentException(
                    "G must have at least as many rows as columns (d >= C), got " + d + " x " + c);
        }
        if (c == 0) {
            throw new IllegalArgumentException("G must have at least one column, got " + d + " x " + c);
        }
        if (!kernels.allFinite(g)) {
            throw new IllegalArgumentException("G contains NaN or infinite entries");
        }
    }

    /** Thin SVD of {@code decomposed}, with the rank test. */
    private void decomposeBySvd() {
        factorisation = Factorisation.NONE;
        kernels.svdThin(decomposed, leftVectors, singularValues, rightVectors);
        double largest = singularValues[0];
        double smallest = singularValues[cols - 1];
        if (!(largest > 0.0) || smallest < Math.max(rows, cols) * EPS * largest) {
            throw new ArithmeticException("G (" + rows + " x " + cols + ") is numerically rank deficient: smallest"
                    + " singular value " + smallest + ", largest " + largest
                    + "; the polar factor and its derivative are not unique");
        }
        finishDecomposition(Factorisation.SVD);
    }

    private void finishDecomposition(Factorisation how) {
        for (int i = 0; i < cols; i++) {
            inverseSingularValues[i] = 1.0 / singularValues[i];
        }
        factorisation = how;
    }

    private void ensureWorkspaces(int d, int c) {
        factorisation = Factorisation.NONE;
        if (d == rows && c == cols) {
            return;
        }
        freeWorkspaces();
        factor = kernels.create(d, c);
        decomposed = kernels.create(d, c);
        leftVectors = kernels.create(d, c);
        rightVectors = kernels.create(c, c);
        upstreamTimesRight = kernels.create(d, c);
        combined = kernels.create(d, c);
        difference = kernels.create(d, c);
        smallSquare = kernels.create(c, c);
        skewScaled = kernels.create(c, c);
        singularValues = new double[c];
        inverseSingularValues = new double[c];
        rows = d;
        cols = c;
    }

    private void freeWorkspaces() {
        factorisation = Factorisation.NONE;
        if (rows < 0) {
            return;
        }
        kernels.free(factor);
        kernels.free(decomposed);
        kernels.free(leftVectors);
        kernels.free(rightVectors);
        kernels.free(upstreamTimesRight);
        kernels.free(combined);
        kernels.free(difference);
        kernels.free(smallSquare);
        kernels.free(skewScaled);
        rows = -1;
        cols = -1;
    }

    private void requireShape(String name, M matrix, int expectedRows, int expectedCols) {
        int r = kernels.rows(matrix);
        int c = kernels.cols(matrix);
        if (r != expectedRows || c != expectedCols) {
            throw new IllegalArgumentException(name + " must be " + expectedRows + " x " + expectedCols
                    + " (the shape of G), got " + r + " x " + c);
        }
    }

    /**
     * Frees the factorisation and the workspaces (device memory on a GPU backend); the next
     * {@link #forward} allocates afresh. Idempotent.
     */
    @Override
    public void close() {
        freeWorkspaces();
        rows = -1;
        cols = -1;
        factorisation = Factorisation.NONE;
        leftVectorsReady = false;
    }
}
