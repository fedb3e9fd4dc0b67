package dev.stiefel.ddn;

import dev.stiefel.kernel.DenseKernels;
import org.ejml.data.DMatrixRMaj;

/**
 * Closed-form backward pass (vector-Jacobian product) of the polar factor
 * {@code U = polar(G) = Usvd Vsvd^T}, where {@code G = Usvd S Vsvd^T} is the thin SVD of a
 * full-rank {@code d x C} matrix ({@code d >= C}).
 *
 * <p>Given the upstream gradient {@code Vbar = dL/dU}, with {@code X = Usvd^T Vbar Vsvd},
 * <pre>
 *   dL/dG = Usvd [ (X - X^T)_ij / (s_i + s_j) ] Vsvd^T
 *         + (I - Usvd Usvd^T) Vbar Vsvd S^-1 Vsvd^T .
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
 * <p>Cost {@code O(d C^2 + C^3)} time (one thin SVD and five {@code d x C} by {@code C x C}
 * products), {@code O(d C + C^2)} memory. The {@code C x C} element-wise step runs on the host
 * ({@code O(C^2)} transfer on a device backend). Workspaces are allocated on the first call
 * for a shape and reused; instances are not thread-safe.
 *
 * <p>Typical use in a head: {@link #forward} computes {@code U} and keeps the SVD, then
 * {@link #backward} reuses it. {@link #vjp} does both steps from {@code G}.
 *
 * @param <M> the backend's matrix type
 */
public final class PolarBackward<M> {

    /** Machine epsilon of float64, the scale of the rank test. */
    private static final double EPS = Math.ulp(1.0);

    private final DenseKernels<M> kernels;

    private int rows = -1;
    private int cols = -1;
    private boolean decomposed;

    // Thin SVD of the last G.
    private M leftVectors;
    private double[] singularValues;
    private M rightVectors;

    // Workspaces: d x C, C x C, and host C x C for the element-wise division.
    private M upstreamTimesRight;
    private M combined;
    private M smallSquare;
    private M skewScaled;
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
     * the SVD is kept for a following {@link #backward}.
     *
     * @param g {@code d x C}, {@code d >= C}, finite, full column rank; not modified
     * @param polarOut {@code d x C}; may alias {@code g} (it is written from the kept SVD)
     * @return {@code polarOut}
     * @throws IllegalArgumentException on a shape mismatch or non-finite entries
     * @throws ArithmeticException when {@code g} is numerically rank deficient
     *     ({@code s_min < max(d, C) * eps * s_max})
     */
    public M forward(M g, M polarOut) {
        decompose(g);
        requireShape("polarOut", polarOut, rows, cols);
        kernels.gemm(1.0, leftVectors, false, rightVectors, true, 0.0, polarOut);
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
        if (!decomposed) {
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
        // T = Vbar Vsvd, X = Usvd^T T.
        kernels.gemm(1.0, upstream, false, rightVectors, false, 0.0, upstreamTimesRight);
        kernels.gemm(1.0, leftVectors, true, upstreamTimesRight, false, 0.0, smallSquare);

        // Y_ij = (X_ij - X_ji) / (s_i + s_j): element-wise, so done on the host (O(C^2)).
        kernels.toHost(smallSquare, hostSquare);
        hostSkewScaled.reshape(cols, cols);
        for (int i = 0; i < cols; i++) {
            for (int j = 0; j < cols; j++) {
                double difference = hostSquare.unsafe_get(i, j) - hostSquare.unsafe_get(j, i);
                hostSkewScaled.unsafe_set(i, j, difference / (singularValues[i] + singularValues[j]));
            }
        }
        kernels.copyFromHost(hostSkewScaled, skewScaled);

        // (I - Usvd Usvd^T) T = T - Usvd X, then scaled by S^-1 column-wise.
        kernels.gemm(-1.0, leftVectors, false, smallSquare, false, 1.0, upstreamTimesRight);
        kernels.scaleColumns(upstreamTimesRight, inverseSingularValues, upstreamTimesRight);

        // dL/dG = (Usvd Y + (I - Usvd Usvd^T) T S^-1) Vsvd^T.
        kernels.copy(upstreamTimesRight, combined);
        kernels.gemm(1.0, leftVectors, false, skewScaled, false, 1.0, combined);
        kernels.gemm(1.0, combined, false, rightVectors, true, 0.0, out);
        return out;
    }

    /**
     * {@code out = dL/dG} where {@code U = polar(g)}: {@link #forward} without keeping the
     * factor, then {@link #backward}.
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
        decompose(g);
        return backward(upstream, out);
    }

    /** Singular values of the last decomposed {@code G}, descending (a copy). */
    public double[] singularValues() {
        if (!decomposed) {
            throw new IllegalStateException("no G has been decomposed yet");
        }
        return singularValues.clone();
    }

    private void decompose(M g) {
        decomposed = false;
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
        ensureWorkspaces(d, c);
        kernels.svdThin(g, leftVectors, singularValues, rightVectors);
        double largest = singularValues[0];
        double smallest = singularValues[c - 1];
        if (!(largest > 0.0) || smallest < Math.max(d, c) * EPS * largest) {
            throw new ArithmeticException("G (" + d + " x " + c + ") is numerically rank deficient: smallest"
                    + " singular value " + smallest + ", largest " + largest
                    + "; the polar factor and its derivative are not unique");
        }
        for (int i = 0; i < c; i++) {
            inverseSingularValues[i] = 1.0 / singularValues[i];
        }
        decomposed = true;
    }

    private void ensureWorkspaces(int d, int c) {
        if (d == rows && c == cols) {
            return;
        }
        freeWorkspaces();
        leftVectors = kernels.create(d, c);
        rightVectors = kernels.create(c, c);
        upstreamTimesRight = kernels.create(d, c);
        combined = kernels.create(d, c);
        smallSquare = kernels.create(c, c);
        skewScaled = kernels.create(c, c);
        singularValues = new double[c];
        inverseSingularValues = new double[c];
        rows = d;
        cols = c;
    }

    private void freeWorkspaces() {
        if (rows < 0) {
            return;
        }
        kernels.free(leftVectors);
        kernels.free(rightVectors);
        kernels.free(upstreamTimesRight);
        kernels.free(combined);
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
}
