package dev.stiefel.etf.train;

import dev.stiefel.kernel.MatrixChecks;
import dev.stiefel.kernel.SumsOfSquares;
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
 * Neural-collapse metrics on a whole data set ({@code docs/mathematics.md} section 6; paper
 * Appendix A, eqs. 11–16; Papyan, Han, Donoho 2020; Zhou et al. 2022 for the cosine margin).
 *
 * <p>Features {@code h_i} (rows of {@code N x d}) are first normalised and scaled as in the
 * heads: {@code h~_i = tau h_i / ||h_i||}. With the global mean {@code hG}, class means
 * {@code mu_c} and the centred mean matrix {@code Hbar = [mu_c - hG]} ({@code d x C}):
 * <ul>
 *   <li>logits {@code z_i = W^T (h~_i - hG)}, the heads' eq. 8 with bias {@code b = -W^T hG};
 *   cross-entropy is their mean CE, accuracy the fraction with {@code argmax z_i = y_i};</li>
 *   <li>NC1 {@code = tr(Sigma_W Sigma_B^+) / C} with {@code Sigma_W} the within-class covariance
 *   (1/N) and {@code Sigma_B = Hbar Hbar^T / C};</li>
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
 *
 * <p><b>NC1 without d x d algebra.</b> The pseudo-inverse goes through the thin factorisation
 * of the class means: the eigendecomposition {@code Hbar^T Hbar = V diag(lambda) V^T}
 * ({@code C x C}) gives {@code Hbar = U S V^T} with {@code S^2 = diag(lambda)} and
 * {@code U = Hbar V S^-1}, so {@code Sigma_B^+ = C U S^-2 U^T} and, with the residuals
 * {@code x_i = h~_i - mu_{y_i}} seen through the means, {@code r_i = Hbar^T x_i} (C numbers),
 * <pre>
 *   NC1 = (1/N) sum_i ||S^-1 U^T x_i||^2 = (1/N) sum_k v_k^T (R^T R) v_k / lambda_k^2 .
 * </pre>
 * {@code r_i} needs no product of its own: {@code (Hbar^T h~_i)_c = h~_i . mu_c - h~_i . hG}
 * are the scores {@code H~ M^T} that NC4's nearest class mean computes anyway, and
 * {@code (Hbar^T mu_y)_c = (Hbar^T Hbar)_{cy} + (mu_c - hG) . hG}. Eigenvalues with
 * {@code lambda_k <= max(d, C) eps lambda_max} are dropped, the cut-off of the dense
 * pseudo-inverse the authors' code uses ({@code scipy.linalg.pinv} of the {@code d x d}
 * {@code Sigma_B}).
 *
 * <p><b>Cost.</b> Two {@code N x d x C} products ({@code H~ W}, {@code H~ M^T}), one
 * {@code N x C} Gram matrix ({@code R^T R}, symmetric: {@code N C^2} flops) and {@code C x C}
 * work ({@code Hbar^T Hbar}, {@code W^T W}, {@code Hbar^T W}, one symmetric eigendecomposition),
 * all through a {@link DenseKernels} backend (OpenBLAS by default); the rest is {@code O(N C)}
 * and {@code O(N d)} passes over contiguous rows. Ties in arg-max/arg-min go to the smallest
 * class index. Workspaces are kept between calls; not thread-safe.
 */
public final class NeuralCollapseMetrics {

    private final int numClasses;
    private final double tau;
    private final double lowerBound;

    private final DMatrixRMaj normalised = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj classMeans = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj centredRows = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj centredMeans = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj logits = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj meanScores = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj meansGram = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj eigenvectors = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj scaledVectors = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj inverseSquare = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj residualGram = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj gram = new DMatrixRMaj(1, 1);
    private double[] globalMean = new double[0];
    private double[] globalMeanLogits = new double[0];
    private double[] eigenvalues = new double[0];
    private double[] meanDotGlobal = new double[0];
    private double[] featureDotGlobal = new double[0];
    private double[] rowSquaredNorms = new double[0];
    private double[] margins = new double[0];
    private double[] centredNorms = new double[0];
    private final double[] norms;
    private final double[] meanSquaredNorms;
    private final double[] classWeights;
    private int[] classCounts = new int[0];
    private final DenseKernels<DMatrixRMaj> kernels;

    /**
     * Metrics on the default CPU kernels ({@link Kernels#cpu()}: OpenBLAS when available).
     *
     * @param numClasses C >= 2
     * @param tau feature scale after normalisation, positive and finite
     * @throws IllegalArgumentException otherwise
     */
    public NeuralCollapseMetrics(int numClasses, double tau) {
        this(Kernels.cpu(), numClasses, tau);
    }

    /**
     * @param kernels host backend of the products and the eigendecomposition
     * @param numClasses C >= 2
     * @param tau feature scale after normalisation, positive and finite
     * @throws IllegalArgumentException otherwise
     */
    public NeuralCollapseMetrics(DenseKernels<DMatrixRMaj> kernels, int numClasses, double tau) {
        this.kernels = kernels;
        if (numClasses < 2) {
            throw new IllegalArgumentException("number of classes C must be at least 2, got " + numClasses);
        }
        this.numClasses = numClasses;
        this.tau = tau;
        this.lowerBound = SimplexEtf.crossEntropyLowerBound(numClasses, tau);
        this.norms = new double[numClasses];
        this.meanSquaredNorms = new double[numClasses];
        this.classWeights = new double[numClasses];
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
        ensureCapacity(n, d);

        normaliseRows(features);
        classMeansAndGlobalMean(labels, n, d);

        // Centred logits z = H~ W - 1 (hG^T W).
        product(normalised, false, classifier, false, logits);
        rowTimesMatrix(globalMean, classifier, globalMeanLogits);
        subtractFromEveryRow(logits, globalMeanLogits);
        double crossEntropy = CrossEntropy.loss(logits, labels);

        // Scores h~_i . mu_c: the nearest class mean is argmin_c ||mu_c||^2 - 2 h~_i . mu_c, and
        // NC1's residuals are read off them.
        product(normalised, false, classMeans, true, meanScores);
        featureDotsGlobalMean(n);
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

        centreMeans(d);
        double nc1 = withinOverBetween(labels, n, d);
        // Hbar^T W; NC3 is unchanged by the transpose because Mc is symmetric.
        product(centredRows, false, classifier, false, gram);
        double nc3 = distanceToStandardEtf(gram);
        gram.reshape(numClasses, numClasses);
        kernels.gram(classifier, gram);
        double nc2 = distanceToStandardEtf(gram);

        double equinorm = Math.abs(columnNormVariation(classifier) - rowNormVariation(centredRows));
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

    private void ensureCapacity(int n, int d) {
        if (globalMean.length != d) {
            globalMean = new double[d];
        }
        if (featureDotGlobal.length != n) {
            featureDotGlobal = new double[n];
            rowSquaredNorms = new double[n];
        }
        if (globalMeanLogits.length != numClasses) {
            globalMeanLogits = new double[numClasses];
            eigenvalues = new double[numClasses];
            meanDotGlobal = new double[numClasses];
        }
    }

    private static void requireFinite(DMatrixRMaj matrix, String name) {
        if (MatrixChecks.allFinite(matrix.data, matrix.getNumElements())) {
            return;
        }
        for (int k = 0, size = matrix.getNumElements(); k < size; k++) {
            if (!Double.isFinite(matrix.data[k])) {
                throw new IllegalArgumentException(name + " contain a non-finite entry at row "
                        + (k / matrix.numCols) + ", column " + (k % matrix.numCols));
            }
        }
    }

    /**
     * {@code h~_i = tau h_i / ||h_i||}: plain squares where their sum is safe, else the norm
     * scaled by the row's largest entry, so rows whose norm overflows and subnormal rows are
     * handled (as in the heads); keeps {@code ||h~_i||^2}.
     */
    private void normaliseRows(DMatrixRMaj features) {
        int n = features.numRows;
        int d = features.numCols;
        normalised.reshape(n, d);
        double[] source = features.data;
        double[] target = normalised.data;
        for (int i = 0; i < n; i++) {
            int offset = i * d;
            double plain = SumsOfSquares.of(source, offset, d);
            if (SumsOfSquares.isSafe(plain)) {
                double factor = tau / Math.sqrt(plain);
                for (int j = 0; j < d; j++) {
                    target[offset + j] = factor * source[offset + j];
                }
                rowSquaredNorms[i] = factor * factor * plain;
            } else {
                normaliseScaled(source, target, offset, d, i);
                rowSquaredNorms[i] = SumsOfSquares.of(target, offset, d);
            }
        }
    }

    /** {@code tau (h / s) / ||h / s||}, {@code s} the largest magnitude: entries of {@code h / s} are in [-1, 1]. */
    private void normaliseScaled(double[] source, double[] target, int offset, int d, int row) {
        double largest = SumsOfSquares.largestMagnitude(source, offset, d);
        if (largest == 0) {
            throw new IllegalArgumentException("feature row " + row + " is zero and cannot be normalised");
        }
        double scale = tau / SumsOfSquares.scaledNorm(source, offset, d, largest);
        for (int j = 0; j < d; j++) {
            target[offset + j] = scale * (source[offset + j] / largest);
        }
    }

    /**
     * classMeans (C x d, row c = mu_c) in one pass over the rows, then the global mean as the
     * count-weighted mean of the class means ({@code O(C d)}).
     */
    private void classMeansAndGlobalMean(int[] labels, int n, int d) {
        classMeans.reshape(numClasses, d);
        classMeans.zero();
        double[] rows = normalised.data;
        double[] means = classMeans.data;
        for (int i = 0; i < n; i++) {
            int source = i * d;
            int target = labels[i] * d;
            for (int j = 0; j < d; j++) {
                means[target + j] += rows[source + j];
            }
        }
        Arrays.fill(globalMean, 0.0);
        for (int c = 0; c < numClasses; c++) {
            int offset = c * d;
            for (int j = 0; j < d; j++) {
                globalMean[j] += means[offset + j];
            }
            double inverse = 1.0 / classCounts[c];
            for (int j = 0; j < d; j++) {
                means[offset + j] *= inverse;
            }
        }
        for (int j = 0; j < d; j++) {
            globalMean[j] /= n;
        }
    }

    /**
     * {@code h~_i . hG = sum_c (n_c / N) h~_i . mu_c} from the nearest-mean scores
     * ({@code O(N C)} instead of a pass over the features).
     */
    private void featureDotsGlobalMean(int n) {
        for (int c = 0; c < numClasses; c++) {
            classWeights[c] = (double) classCounts[c] / n;
        }
        double[] scores = meanScores.data;
        for (int i = 0; i < n; i++) {
            int offset = i * numClasses;
            double dot = 0;
            for (int c = 0; c < numClasses; c++) {
                dot += classWeights[c] * scores[offset + c];
            }
            featureDotGlobal[i] = dot;
        }
    }

    /** centredRows (C x d, row c = mu_c - hG), its transpose Hbar (d x C) and (mu_c - hG) . hG. */
    private void centreMeans(int d) {
        centredRows.reshape(numClasses, d);
        for (int c = 0; c < numClasses; c++) {
            double dot = 0;
            for (int j = 0; j < d; j++) {
                double value = classMeans.data[c * d + j] - globalMean[j];
                centredRows.data[c * d + j] = value;
                dot += value * globalMean[j];
            }
            meanDotGlobal[c] = dot;
        }
        centredMeans.reshape(d, numClasses);
        CommonOps_DDRM.transpose(centredRows, centredMeans);
    }

    /** {@code c = op(a) op(b)} through the kernels, {@code c} reshaped to fit. */
    private void product(DMatrixRMaj a, boolean transposeA, DMatrixRMaj b, boolean transposeB, DMatrixRMaj c) {
        c.reshape(transposeA ? a.numCols : a.numRows, transposeB ? b.numRows : b.numCols);
        kernels.gemm(1.0, a, transposeA, b, transposeB, 0.0, c);
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
     * NC1 from the eigendecomposition of {@code Hbar^T Hbar} and the residuals seen through the
     * means, {@code r_i = Hbar^T (h~_i - mu_{y_i})} (see the class comment). {@code meanScores}
     * becomes R.
     */
    private double withinOverBetween(int[] labels, int n, int d) {
        meansGram.reshape(numClasses, numClasses);
        kernels.gram(centredMeans, meansGram);
        eigenvectors.reshape(numClasses, numClasses);
        kernels.symmetricEigen(meansGram, eigenvectors, eigenvalues);

        // r_ic = h~_i . mu_c - h~_i . hG - (Hbar^T Hbar)_{y_i c} - (mu_c - hG) . hG
        double[] scores = meanScores.data;
        double[] between = meansGram.data;
        for (int i = 0; i < n; i++) {
            int offset = i * numClasses;
            int own = labels[i] * numClasses;
            double shift = featureDotGlobal[i];
            for (int c = 0; c < numClasses; c++) {
                scores[offset + c] = scores[offset + c] - shift - between[own + c] - meanDotGlobal[c];
            }
        }
        residualGram.reshape(numClasses, numClasses);
        kernels.gram(meanScores, residualGram);

        double largest = eigenvalues[numClasses - 1];
        double cutOff = Math.max(d, numClasses) * UtilEjml.EPS * largest;
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
        // sum_k v_k^T (R^T R) v_k / lambda_k^2 = <R^T R, V Lambda^-2 V^T>
        return kernels.dot(residualGram, inverseSquare) / n;
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
        Arrays.fill(norms, 0.0);
        for (int j = 0; j < matrix.numRows; j++) {
            int offset = j * numClasses;
            for (int c = 0; c < numClasses; c++) {
                double value = matrix.data[offset + c];
                norms[c] += value * value;
            }
        }
        for (int c = 0; c < numClasses; c++) {
            norms[c] = Math.sqrt(norms[c]);
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
        double[] inverseColumnNorms = centredColumnNorms(classifier, d);
        for (int c = 0; c < numClasses; c++) {
            // a zero column has cosine 0 with everything, as a zero feature row has
            inverseColumnNorms[c] = inverseColumnNorms[c] == 0 ? 0 : 1.0 / inverseColumnNorms[c];
        }
        // ||h~_i - hG||^2 = ||h~_i||^2 - 2 h~_i . hG + ||hG||^2.
        double globalSquared = 0;
        for (double value : globalMean) {
            globalSquared += value * value;
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            double centredNorm = Math.sqrt(Math.max(0,
                    rowSquaredNorms[i] - 2 * featureDotGlobal[i] + globalSquared));
            int offset = i * numClasses;
            double logitMean = 0;
            for (int c = 0; c < numClasses; c++) {
                logitMean += logits.data[offset + c];
            }
            logitMean /= numClasses;
            double inverseFeatureNorm = centredNorm == 0 ? 0 : 1.0 / centredNorm;
            int label = labels[i];
            double own = (logits.data[offset + label] - logitMean) * inverseFeatureNorm * inverseColumnNorms[label];
            double bestOther = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < numClasses; c++) {
                if (c != label) {
                    bestOther = Math.max(bestOther,
                            (logits.data[offset + c] - logitMean) * inverseFeatureNorm * inverseColumnNorms[c]);
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
        double[] result = centredNorms;
        Arrays.fill(result, 0);
        for (int j = 0; j < d; j++) {
            double rowMean = 0;
            for (int c = 0; c < numClasses; c++) {
                rowMean += classifier.data[j * numClasses + c];
            }
            rowMean /= numClasses;
            for (int c = 0; c < numClasses; c++) {
                double value = classifier.data[j * numClasses + c] - rowMean;
                result[c] += value * value;
            }
        }
        for (int c = 0; c < numClasses; c++) {
            result[c] = Math.sqrt(result[c]);
        }
        return result;
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

    /** {@code out = x^T W} for a d-vector x and a {@code d x C} W, by rows of W. */
    private static void rowTimesMatrix(double[] x, DMatrixRMaj w, double[] out) {
        int cols = w.numCols;
        Arrays.fill(out, 0, cols, 0.0);
        for (int j = 0; j < w.numRows; j++) {
            double factor = x[j];
            int offset = j * cols;
            for (int c = 0; c < cols; c++) {
                out[c] += factor * w.data[offset + c];
            }
        }
    }

    private static void subtractFromEveryRow(DMatrixRMaj matrix, double[] row) {
        int cols = matrix.numCols;
        for (int i = 0; i < matrix.numRows; i++) {
            for (int c = 0; c < cols; c++) {
                matrix.data[i * cols + c] -= row[c];
            }
        }
    }
}
