package dev.stiefel.etf.train;

import dev.stiefel.kernel.DenseKernels;
import org.ejml.UtilEjml;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;

/**
 * NC1, the within-class variability relative to the between-class variability,
 * {@code tr(Sigma_W Sigma_B^+) / C} ({@code docs/mathematics.md} section 6; Papyan, Han, Donoho
 * 2020), with {@code Sigma_W} the within-class covariance (1/N) of the features {@code h~_i} and
 * {@code Sigma_B = Hbar Hbar^T / C} for the centred class means {@code Hbar = [mu_c - hG]}
 * ({@code d x C}), computed without {@code d x d} algebra.
 *
 * <p>The pseudo-inverse goes through the thin factorisation of the class means: with
 * {@code A = Hbar^T Hbar = V diag(lambda) V^T} ({@code C x C}), {@code Hbar = U S V^T} with
 * {@code S^2 = diag(lambda)} and {@code U = Hbar V S^-1}, so {@code Sigma_B^+ = C U S^-2 U^T}
 * and, with the residuals {@code x_i = h~_i - mu_{y_i}} seen through the means,
 * {@code r_i = Hbar^T x_i} (C numbers, rows of R),
 * <pre>
 *   NC1 = (1/N) sum_i ||S^-1 U^T x_i||^2 = (1/N) sum_k v_k^T (R^T R) v_k / lambda_k^2
 *       = (1/N) &lt;R^T R, (A^+)^2&gt; .
 * </pre>
 * The caller supplies R and A; {@link NeuralCollapseMetrics} reads R off the nearest-mean
 * scores it computes anyway.
 *
 * <p>{@code (A^+)^2} has two routes. A always has the unit vector {@code w} of the class counts
 * in its null space ({@code Hbar w = 0}, the global mean being the count-weighted mean of the
 * class means); when that is all of it (rank C - 1, the usual case for {@code d >= C - 1}),
 * {@code B = A + beta w w^T} with {@code beta = tr(A)/(C-1)} is positive definite,
 * {@code A^+ = B^-1 - w w^T / beta} and {@code <R^T R, (A^+)^2> = tr(B^-1 R^T R B^-1) -
 * w^T R^T R w / beta^2}: one Cholesky inverse and one {@code C x C} product, several times
 * cheaper than an eigendecomposition. When B is not positive definite to working precision or
 * its condition number exceeds {@link #SHIFTED_CONDITION_LIMIT} (means of lower rank, fewer
 * dimensions than classes), the eigendecomposition of A is used and eigenvalues with
 * {@code lambda_k <= max(d, C) eps lambda_max} are dropped, the cut-off of the dense
 * pseudo-inverse the authors' code uses ({@code scipy.linalg.pinv} of the {@code d x d}
 * {@code Sigma_B}). Both routes agree with a dense pseudo-inverse of {@code Sigma_B} to the
 * digits the data's conditioning allows (tested).
 *
 * <p><b>Cost.</b> One {@code N x C} Gram matrix ({@code R^T R}, symmetric: {@code N C^2} flops)
 * and {@code C x C} work (the Cholesky inverse and one product, or the eigendecomposition), all
 * through the caller's {@link DenseKernels} backend. The {@code C x C} workspaces are host
 * matrices kept between calls; not thread-safe.
 */
final class WithinClassVariability {

    /**
     * Largest 1-norm condition number of the shifted means' Gram matrix for which NC1 goes
     * through its Cholesky inverse, about {@code 1/sqrt(eps)}: below it that route and the
     * eigendecomposition lose the same digits (about {@code log10} of the condition number)
     * and keep every non-null direction alike; above it the eigendecomposition decides which
     * directions are rounding.
     */
    static final double SHIFTED_CONDITION_LIMIT = 1e8;

    private final int numClasses;
    private final DenseKernels<DMatrixRMaj> kernels;
    private final DMatrixRMaj residualGram = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj shiftedGram = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj shiftedInverse = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj inverseTimesResidualGram = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj eigenvectors = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj scaledVectors = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj inverseSquare = new DMatrixRMaj(1, 1);
    private final double[] eigenvalues;
    private boolean usedEigendecomposition;

    /**
     * @param kernels host backend of the products, the Cholesky inverse and the
     *     eigendecomposition (the caller's)
     * @param numClasses C >= 2
     */
    WithinClassVariability(DenseKernels<DMatrixRMaj> kernels, int numClasses) {
        this.kernels = kernels;
        this.numClasses = numClasses;
        this.eigenvalues = new double[numClasses];
    }

    /**
     * NC1 {@code = <R^T R, (A^+)^2> / N}.
     *
     * @param residuals R, {@code N x C}: row i is {@code Hbar^T (h~_i - mu_{y_i})}
     * @param meansGram A {@code = Hbar^T Hbar}, {@code C x C}
     * @param classCounts the C class counts {@code n_c} (all positive), whose vector spans A's
     *     known null direction
     * @param dimension d, the features' dimension (the pseudo-inverse's cut-off
     *     {@code max(d, C) eps lambda_max})
     * @return NC1
     */
    double of(DMatrixRMaj residuals, DMatrixRMaj meansGram, int[] classCounts, int dimension) {
        residualGram.reshape(numClasses, numClasses);
        kernels.gram(residuals, residualGram);
        double sum = againstShiftedInverse(meansGram, classCounts);
        usedEigendecomposition = Double.isNaN(sum);
        if (usedEigendecomposition) {
            sum = againstEigendecomposition(meansGram, dimension);
        }
        return sum / residuals.numRows;
    }

    /**
     * Whether the last {@link #of} took the pseudo-inverse from the eigendecomposition (true) or
     * from the Cholesky inverse of the shifted Gram matrix (false); see the class comment.
     */
    boolean lastUsedEigendecomposition() {
        return usedEigendecomposition;
    }

    /**
     * {@code <G, (A^+)^2>} for {@code G = R^T R} through {@code B = A + beta w w^T}, where
     * {@code w} is the unit vector of the class counts ({@code Hbar w = 0}) and
     * {@code beta = tr(A) / (C - 1)}: when A has rank C - 1, {@code A^+ = B^-1 - w w^T / beta},
     * so {@code (A^+)^2 = B^-2 - w w^T / beta^2} and the sum is
     * {@code tr(B^-1 G B^-1) - w^T G w / beta^2}. NaN when B is not positive definite to
     * working precision or its condition number exceeds {@link #SHIFTED_CONDITION_LIMIT}.
     */
    private double againstShiftedInverse(DMatrixRMaj meansGram, int[] classCounts) {
        int size = numClasses;
        double[] between = meansGram.data;
        double trace = 0;
        double countsSquared = 0;
        for (int c = 0; c < size; c++) {
            trace += between[c * size + c];
            countsSquared += (double) classCounts[c] * classCounts[c];
        }
        double beta = trace / (size - 1);
        if (!(beta > 0) || !Double.isFinite(beta)) {
            return Double.NaN;
        }
        shiftedGram.reshape(size, size);
        double[] shifted = shiftedGram.data;
        double weight = beta / countsSquared;
        for (int r = 0; r < size; r++) {
            double rowWeight = weight * classCounts[r];
            for (int c = 0; c < size; c++) {
                shifted[r * size + c] = between[r * size + c] + rowWeight * classCounts[c];
            }
        }
        shiftedInverse.reshape(size, size);
        try {
            kernels.inversePositiveDefinite(shiftedGram, shiftedInverse);
        } catch (ArithmeticException notPositiveDefinite) {
            return Double.NaN;
        }
        // the largest row sum is the 1-norm of a symmetric matrix
        double condition = NormOps_DDRM.inducedPInf(shiftedGram) * NormOps_DDRM.inducedPInf(shiftedInverse);
        if (!(condition <= SHIFTED_CONDITION_LIMIT)) {
            return Double.NaN;
        }
        // tr(B^-1 G B^-1) = <B^-1 G, B^-1>, both symmetric
        inverseTimesResidualGram.reshape(size, size);
        kernels.gemm(1.0, shiftedInverse, false, residualGram, false, 0.0, inverseTimesResidualGram);
        double traced = kernels.dot(inverseTimesResidualGram, shiftedInverse);
        double[] g = residualGram.data;
        double nullPart = 0;
        for (int r = 0; r < size; r++) {
            double rowSum = 0;
            for (int c = 0; c < size; c++) {
                rowSum += g[r * size + c] * classCounts[c];
            }
            nullPart += classCounts[r] * rowSum;
        }
        return traced - nullPart / countsSquared / (beta * beta);
    }

    /**
     * {@code <G, V Lambda^-2 V^T>} from the eigendecomposition {@code A = V Lambda V^T}, with the
     * eigenvalues at or below {@code max(d, C) eps lambda_max} dropped (the pseudo-inverse's
     * cut-off).
     */
    private double againstEigendecomposition(DMatrixRMaj meansGram, int dimension) {
        eigenvectors.reshape(numClasses, numClasses);
        kernels.symmetricEigen(meansGram, eigenvectors, eigenvalues);
        double largest = eigenvalues[numClasses - 1];
        double cutOff = Math.max(dimension, numClasses) * UtilEjml.EPS * largest;
        // rows k of Y = Lambda^-1 V^T for the kept k (zero otherwise): Y^T Y = V Lambda^-2 V^T
        scaledVectors.reshape(numClasses, numClasses);
        CommonOps_DDRM.transpose(eigenvectors, scaledVectors);
        for (int k = 0; k < numClasses; k++) {
            double lambda = eigenvalues[k];
            double weight = lambda > cutOff && lambda > 0 ? 1.0 / lambda : 0.0;
            int offset = k * numClasses;
            for (int c = 0; c < numClasses; c++) {
                scaledVectors.data[offset + c] *= weight;
            }
        }
        inverseSquare.reshape(numClasses, numClasses);
        kernels.gram(scaledVectors, inverseSquare);
        return kernels.dot(residualGram, inverseSquare);
    }
}
