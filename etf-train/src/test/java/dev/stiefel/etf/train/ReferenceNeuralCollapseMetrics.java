package dev.stiefel.etf.train;

import dev.stiefel.etf.CrossEntropy;
import dev.stiefel.etf.SimplexEtf;
import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import java.util.Arrays;
import org.ejml.UtilEjml;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;

/**
 * The neural-collapse metrics as computed before the evaluation was rewritten around the
 * class means' Gram matrix: thin SVD of the centred means, projections of every sample onto
 * their left singular vectors. Kept as the reference the fast {@link NeuralCollapseMetrics}
 * is compared with.
 *
 * <p>Features {@code h_i} (rows of {@code N x d}) are first normalised and scaled as in the
 * heads: {@code h~_i = tau h_i / ||h_i||}. With the global mean {@code hG}, class means
 * {@code mu_c} and the centred mean matrix {@code Hbar = [mu_c - hG]} ({@code d x C}):
 * <ul>
 *   <li>logits {@code z_i = W^T (h~_i - hG)}, the heads' eq. 8 with bias {@code b = -W^T hG};
 *   cross-entropy is their mean CE, accuracy the fraction with {@code argmax z_i = y_i};</li>
 *   <li>NC1 {@code = tr(Sigma_W Sigma_B^+) / C} with {@code Sigma_W} the within-class covariance
 *   (1/N) and {@code Sigma_B = Hbar Hbar^T / C}. It is computed in the class-mean subspace: with
 *   the thin SVD {@code Hbar = U S V^T}, {@code Sigma_B^+ = C U S^-2 U^T}, so
 *   {@code NC1 = sum_k (u_k^T Sigma_W u_k) / s_k^2}, at cost {@code O(N d C)} and memory
 *   {@code O(N C + d C)}, never forming a {@code d x d} matrix. Singular values with
 *   {@code s_k^2 <= d eps s_1^2} are dropped, the cut-off of the dense pseudo-inverse the
 *   authors' code uses ({@code scipy.linalg.pinv} of the {@code d x d} {@code Sigma_B});</li>
 *   <li>NC2 {@code = || W^T W / ||W^T W||_F - Mc/sqrt(C-1) ||_F} and NC3 the same with
 *   {@code W^T Hbar};</li>
 *   <li>NC4 the percentage of samples whose nearest class mean (Euclidean, on {@code h~}) is not
 *   the classifier's prediction;</li>
 *   <li>equinorm {@code |std(||w_c||)/mean(||w_c||) - std(||hbar_c||)/mean(||hbar_c||)|}, with
 *   the sample standard deviation (divisor {@code C-1}), as {@code torch.std} in the authors'
 *   code;</li>
 *   <li>cosine margin of sample i: {@code cos(h~_i - hG, w_{y_i}) - max_{c != y_i}
 *   cos(h~_i - hG, w_c)} with the classifier centred over classes first ({@code W Mc}); its
 *   simplex-ETF value is {@code C/(C-1)}. Since {@code (h~_i - hG)^T W Mc = z_i^T Mc}, the
 *   margins come from the logits at {@code O(N C)} extra cost.</li>
 * </ul>
 * Ties in arg-max/arg-min go to the smallest class index. The products and the SVD go through
 * a {@link DenseKernels} backend (OpenBLAS by default), which dominates the cost at the paper's
 * sizes. Workspaces are kept between calls; not thread-safe.
 */
final class ReferenceNeuralCollapseMetrics {

    private final int numClasses;
    private final double tau;
    private final double lowerBound;

    private final DMatrixRMaj normalised = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj classMeans = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj centredMeans = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj globalMean = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj logits = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj meanScores = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj gram = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj subspace = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj projections = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj meanProjections = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj globalMeanLogits = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj featureDotGlobalMean = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj svdInput = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj svdLeft = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj svdRight = new DMatrixRMaj(1, 1);
    private double[] singularValues = new double[0];
    private double[] margins = new double[0];
    private double[] centredNorms = new double[0];
    private final double[] norms;
    private final double[] meanSquaredNorms;
    private int[] classCounts = new int[0];
    private final DenseKernels<DMatrixRMaj> kernels;

    /**
     * Metrics on the default CPU kernels ({@link Kernels#cpu()}: OpenBLAS when available).
     *
     * @param numClasses C >= 2
     * @param tau feature scale after normalisation, positive and finite
     * @throws IllegalArgumentException otherwise
     */
    ReferenceNeuralCollapseMetrics(int numClasses, double tau) {
        this(Kernels.cpu(), numClasses, tau);
    }

    /**
     * @param kernels host backend of the products and the SVD
     * @param numClasses C >= 2
     * @param tau feature scale after normalisation, positive and finite
     * @throws IllegalArgumentException otherwise
     */
    ReferenceNeuralCollapseMetrics(DenseKernels<DMatrixRMaj> kernels, int numClasses, double tau) {
        this.kernels = kernels;
        if (numClasses < 2) {
            throw new IllegalArgumentException("number of classes C must be at least 2, got " + numClasses);
        }
        this.numClasses = numClasses;
        this.tau = tau;
        this.lowerBound = SimplexEtf.crossEntropyLowerBound(numClasses, tau);
        this.norms = new double[numClasses];
        this.meanSquaredNorms = new double[numClasses];
    }

    public int numClasses() {
        return numClasses;
    }

    public double tau() {
        return tau;
    }

    /**
     * All metrics at once.
     *
     * @param iteration recorded in the snapshot
     * @param features {@code N x d}, finite, no zero row, every class present
     * @param labels N labels in {@code [0, C)}
     * @param classifier {@code W}, {@code d x C}, finite, non-zero
     * @return the metrics; the per-sample margins are then available from {@link #margins}
     * @throws IllegalArgumentException on a shape mismatch, a bad label, a non-finite entry, a
     *     zero feature row, an empty class or a zero classifier
     */
    public NeuralCollapseSnapshot evaluate(int iteration, DMatrixRMaj features, int[] labels,
            DMatrixRMaj classifier) {
        int n = features.numRows;
        int d = features.numCols;
        validate(features, labels, classifier);

        normaliseRows(features);
        classMeansAndGlobalMean(labels, n, d);

        // Centred logits z = H~ W - 1 (hG^T W).
        product(normalised, false, classifier, false, logits);
        product(globalMean, false, classifier, false, globalMeanLogits);
        subtractRowFromEveryRow(logits, globalMeanLogits);
        double crossEntropy = CrossEntropy.loss(logits, labels);

        // Nearest class mean: argmin_c ||mu_c||^2 - 2 h~_i . mu_c (||h~_i||^2 is common to all c).
        product(normalised, false, classMeans, true, meanScores);
        classMeanSquaredNorms(d);
        int correct = 0;
        int mismatches = 0;
        for (int i = 0; i < n; i++) {
            int predicted = argMaxRow(logits, i);
            if (predicted == labels[i]) {
                correct++;
            }
            if (nearestMean(i) != predicted) {
                mismatches++;
            }
        }

        double nc1 = withinOverBetween(labels, n, d);
        // classMeans now holds Hbar^T (see withinOverBetween), so gram = Hbar^T W = (W^T Hbar)^T;
        // NC3 is unchanged by the transpose because Mc is symmetric.
        product(classMeans, false, classifier, false, gram);
        double nc3 = distanceToStandardEtf(gram);
        product(classifier, true, classifier, false, gram);
        double nc2 = distanceToStandardEtf(gram);

        double equinorm = Math.abs(columnNormVariation(classifier) - rowNormVariation(classMeans));
        double averageMargin = cosineMargins(classifier, labels, n);

        return new NeuralCollapseSnapshot(iteration, crossEntropy, lowerBound, (double) correct / n, nc1, nc2, nc3,
                100.0 * mismatches / n, equinorm, averageMargin, 0);
    }

    /**
     * The per-sample cosine margins of the last {@link #evaluate}, in sample order.
     *
     * @param out filled and returned when it has exactly N entries; otherwise a new array is returned
     */
    public double[] margins(double[] out) {
        double[] result = out == null || out.length != margins.length ? new double[margins.length] : out;
        System.arraycopy(margins, 0, result, 0, margins.length);
        return result;
    }

    private void validate(DMatrixRMaj features, int[] labels, DMatrixRMaj classifier) {
        int n = features.numRows;
        int d = features.numCols;
        if (n == 0 || d == 0) {
            throw new IllegalArgumentException("features are empty: " + n + "x" + d);
        }
        if (classifier.numRows != d || classifier.numCols != numClasses) {
            throw new IllegalArgumentException("classifier is " + classifier.numRows + "x" + classifier.numCols
                    + ", expected d x C = " + d + "x" + numClasses);
        }
        if (labels.length != n) {
            throw new IllegalArgumentException("got " + labels.length + " labels for " + n + " feature rows");
        }
        requireFinite(features, "features");
        requireFinite(classifier, "classifier");
        if (CommonOps_DDRM.elementMaxAbs(classifier) == 0) {
            throw new IllegalArgumentException("classifier is zero");
        }
        if (classCounts.length != numClasses) {
            classCounts = new int[numClasses];
        }
        Arrays.fill(classCounts, 0);
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("label " + labels[i] + " of sample " + i + " is outside [0, "
                        + numClasses + ")");
            }
            classCounts[labels[i]]++;
        }
        for (int c = 0; c < numClasses; c++) {
            if (classCounts[c] == 0) {
                throw new IllegalArgumentException("class " + c + " has no sample: metrics need every class");
            }
        }
    }

    private static void requireFinite(DMatrixRMaj matrix, String name) {
        for (int k = 0, size = matrix.getNumElements(); k < size; k++) {
            if (!Double.isFinite(matrix.data[k])) {
                throw new IllegalArgumentException(name + " contain a non-finite entry at row "
                        + (k / matrix.numCols) + ", column " + (k % matrix.numCols));
            }
        }
    }

    private void normaliseRows(DMatrixRMaj features) {
        int n = features.numRows;
        int d = features.numCols;
        normalised.reshape(n, d);
        for (int i = 0; i < n; i++) {
            int offset = i * d;
            double squaredNorm = 0;
            for (int j = 0; j < d; j++) {
                double value = features.data[offset + j];
                squaredNorm += value * value;
            }
            double norm = Math.sqrt(squaredNorm);
            if (norm == 0) {
                throw new IllegalArgumentException("feature row " + i + " is zero and cannot be normalised");
            }
            double scale = tau / norm;
            for (int j = 0; j < d; j++) {
                normalised.data[offset + j] = scale * features.data[offset + j];
            }
        }
    }

    /** classMeans (C x d, row c = mu_c) and globalMean (1 x d). */
    private void classMeansAndGlobalMean(int[] labels, int n, int d) {
        classMeans.reshape(numClasses, d);
        classMeans.zero();
        globalMean.reshape(1, d);
        globalMean.zero();
        for (int i = 0; i < n; i++) {
            int source = i * d;
            int target = labels[i] * d;
            for (int j = 0; j < d; j++) {
                double value = normalised.data[source + j];
                classMeans.data[target + j] += value;
                globalMean.data[j] += value;
            }
        }
        for (int c = 0; c < numClasses; c++) {
            double inverse = 1.0 / classCounts[c];
            for (int j = 0; j < d; j++) {
                classMeans.data[c * d + j] *= inverse;
            }
        }
        kernels.scale(1.0 / n, globalMean);
    }

    /** {@code c = op(a) op(b)} through the kernels, {@code c} reshaped to fit. */
    private void product(DMatrixRMaj a, boolean transposeA, DMatrixRMaj b, boolean transposeB, DMatrixRMaj c) {
        c.reshape(transposeA ? a.numCols : a.numRows, transposeB ? b.numRows : b.numCols);
        kernels.gemm(1.0, a, transposeA, b, transposeB, 0.0, c);
    }

    /**
     * Left singular vectors of {@code Hbar} ({@code centredMeans}, {@code d x C}) into
     * {@code subspace} and its singular values into {@code singularValues}. The kernels' thin
     * SVD wants a tall matrix, so for {@code d < C} (possible with the standard head) the SVD
     * of {@code Hbar^T = V S U^T} is taken and U read from its right factor.
     *
     * @return the number of singular values, {@code min(d, C)}
     */
    private int leftSingularVectors(int d) {
        int rank = Math.min(d, numClasses);
        if (singularValues.length != rank) {
            singularValues = new double[rank];
        }
        subspace.reshape(d, rank);
        if (d >= numClasses) {
            svdRight.reshape(numClasses, numClasses);
            kernels.svdThin(centredMeans, subspace, singularValues, svdRight);
        } else {
            svdInput.reshape(numClasses, d);
            kernels.transpose(centredMeans, svdInput);
            svdLeft.reshape(numClasses, d);
            kernels.svdThin(svdInput, svdLeft, singularValues, subspace);
        }
        return rank;
    }

    private int nearestMean(int sample) {
        int best = 0;
        double bestDistance = Double.POSITIVE_INFINITY;
        for (int c = 0; c < numClasses; c++) {
            double distance = meanSquaredNorms[c] - 2 * meanScores.data[sample * numClasses + c];
            if (distance < bestDistance) {
                bestDistance = distance;
                best = c;
            }
        }
        return best;
    }

    /** {@code ||mu_c||^2} of every class mean, once per evaluation. */
    private void classMeanSquaredNorms(int d) {
        for (int c = 0; c < numClasses; c++) {
            double squaredNorm = 0;
            for (int j = 0; j < d; j++) {
                double value = classMeans.data[c * d + j];
                squaredNorm += value * value;
            }
            meanSquaredNorms[c] = squaredNorm;
        }
    }

    /**
     * NC1 in the class-mean subspace. Leaves {@code classMeans} holding the centred means
     * {@code mu_c - hG} (rows), i.e. {@code Hbar^T}.
     */
    private double withinOverBetween(int[] labels, int n, int d) {
        // Residual projections (h~_i - mu_{y_i})^T U = (H~ U)_i - (M U)_{y_i}, U from Hbar's thin SVD.
        centredMeans.reshape(d, numClasses);
        for (int c = 0; c < numClasses; c++) {
            for (int j = 0; j < d; j++) {
                centredMeans.data[j * numClasses + c] = classMeans.data[c * d + j] - globalMean.data[j];
            }
        }
        int rank = leftSingularVectors(d);
        product(normalised, false, subspace, false, projections);
        product(classMeans, false, subspace, false, meanProjections);

        double largest = 0;
        for (int k = 0; k < rank; k++) {
            largest = Math.max(largest, singularValues[k]);
        }
        double cutOff = Math.max(d, numClasses) * UtilEjml.EPS * largest * largest;
        double nc1 = 0;
        for (int k = 0; k < rank; k++) {
            double squaredSingular = singularValues[k] * singularValues[k];
            if (squaredSingular <= cutOff || squaredSingular == 0) {
                continue;
            }
            double within = 0;
            for (int i = 0; i < n; i++) {
                double residual = projections.data[i * rank + k] - meanProjections.data[labels[i] * rank + k];
                within += residual * residual;
            }
            nc1 += within / n / squaredSingular;
        }

        for (int c = 0; c < numClasses; c++) {
            for (int j = 0; j < d; j++) {
                classMeans.data[c * d + j] -= globalMean.data[j];
            }
        }
        return nc1;
    }

    /** {@code || A / ||A||_F - Mc / sqrt(C-1) ||_F} for a {@code C x C} matrix A. */
    private double distanceToStandardEtf(DMatrixRMaj a) {
        double norm = NormOps_DDRM.normF(a);
        if (norm == 0) {
            // A zero matrix is as far as it can be in direction; report the distance from 0.
            return 1.0;
        }
        double scale = 1.0 / Math.sqrt(numClasses - 1.0);
        double sum = 0;
        for (int r = 0; r < numClasses; r++) {
            for (int c = 0; c < numClasses; c++) {
                double etf = scale * ((r == c ? 1.0 : 0.0) - 1.0 / numClasses);
                double difference = a.data[r * numClasses + c] / norm - etf;
                sum += difference * difference;
            }
        }
        return Math.sqrt(sum);
    }

    /** std/mean of the column norms of a {@code d x C} matrix (sample std, divisor C-1). */
    private double columnNormVariation(DMatrixRMaj matrix) {
        for (int c = 0; c < numClasses; c++) {
            double squaredNorm = 0;
            for (int j = 0; j < matrix.numRows; j++) {
                double value = matrix.data[j * numClasses + c];
                squaredNorm += value * value;
            }
            norms[c] = Math.sqrt(squaredNorm);
        }
        return variation(norms);
    }

    /** std/mean of the row norms of a {@code C x d} matrix. */
    private double rowNormVariation(DMatrixRMaj matrix) {
        int d = matrix.numCols;
        for (int c = 0; c < numClasses; c++) {
            double squaredNorm = 0;
            for (int j = 0; j < d; j++) {
                double value = matrix.data[c * d + j];
                squaredNorm += value * value;
            }
            norms[c] = Math.sqrt(squaredNorm);
        }
        return variation(norms);
    }

    /** Coefficient of variation; two passes, so equal values give exactly 0 (no cancellation). */
    private double variation(double[] values) {
        double mean = 0;
        for (int c = 0; c < numClasses; c++) {
            mean += values[c];
        }
        mean /= numClasses;
        if (mean == 0) {
            return 0;
        }
        double variance = 0;
        for (int c = 0; c < numClasses; c++) {
            double deviation = values[c] - mean;
            variance += deviation * deviation;
        }
        return Math.sqrt(variance / (numClasses - 1)) / mean;
    }

    private double cosineMargins(DMatrixRMaj classifier, int[] labels, int n) {
        int d = classifier.numRows;
        if (margins.length != n) {
            margins = new double[n];
        }
        // Norms of the class-centred classifier columns W Mc.
        double[] columnNorms = centredColumnNorms(classifier, d);
        // ||h~_i - hG||^2 = ||h~_i||^2 - 2 h~_i . hG + ||hG||^2.
        featureDotGlobalMean.reshape(n, 1);
        product(normalised, false, globalMean, true, featureDotGlobalMean);
        double globalSquared = kernels.dot(globalMean, globalMean);
        double total = 0;
        for (int i = 0; i < n; i++) {
            double rowSquared = 0;
            for (int j = 0; j < d; j++) {
                double value = normalised.data[i * d + j];
                rowSquared += value * value;
            }
            double centredNorm = Math.sqrt(Math.max(0,
                    rowSquared - 2 * featureDotGlobalMean.data[i] + globalSquared));
            int offset = i * numClasses;
            double logitMean = 0;
            for (int c = 0; c < numClasses; c++) {
                logitMean += logits.data[offset + c];
            }
            logitMean /= numClasses;
            double own = cosine(logits.data[offset + labels[i]] - logitMean, centredNorm, columnNorms[labels[i]]);
            double bestOther = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < numClasses; c++) {
                if (c != labels[i]) {
                    bestOther = Math.max(bestOther, cosine(logits.data[offset + c] - logitMean, centredNorm,
                            columnNorms[c]));
                }
            }
            margins[i] = own - bestOther;
            total += margins[i];
        }
        return total / n;
    }

    private double[] centredColumnNorms(DMatrixRMaj classifier, int d) {
        if (centredNorms.length != numClasses) {
            centredNorms = new double[numClasses];
        }
        double[] norms = centredNorms;
        Arrays.fill(norms, 0);
        for (int j = 0; j < d; j++) {
            double rowMean = 0;
            for (int c = 0; c < numClasses; c++) {
                rowMean += classifier.data[j * numClasses + c];
            }
            rowMean /= numClasses;
            for (int c = 0; c < numClasses; c++) {
                double value = classifier.data[j * numClasses + c] - rowMean;
                norms[c] += value * value;
            }
        }
        for (int c = 0; c < numClasses; c++) {
            norms[c] = Math.sqrt(norms[c]);
        }
        return norms;
    }

    private static double cosine(double inner, double normA, double normB) {
        double denominator = normA * normB;
        return denominator == 0 ? 0 : inner / denominator;
    }

    private static int argMaxRow(DMatrixRMaj matrix, int row) {
        int cols = matrix.numCols;
        int offset = row * cols;
        int best = 0;
        for (int c = 1; c < cols; c++) {
            if (matrix.data[offset + c] > matrix.data[offset + best]) {
                best = c;
            }
        }
        return best;
    }

    private static void subtractRowFromEveryRow(DMatrixRMaj matrix, DMatrixRMaj row) {
        int cols = matrix.numCols;
        for (int i = 0; i < matrix.numRows; i++) {
            for (int c = 0; c < cols; c++) {
                matrix.data[i * cols + c] -= row.data[c];
            }
        }
    }
}
