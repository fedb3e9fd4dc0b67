package dev.stiefel.etf.train;

import dev.stiefel.kernel.MatrixChecks;
import dev.stiefel.kernel.SumsOfSquares;
import dev.stiefel.etf.CrossEntropy;
import dev.stiefel.etf.SimplexEtf;
import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import java.util.Arrays;
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
 *   <li>logits {@code z_i = W^T (h~_i - hG)}, the heads' eq. 8 with bias {@code b = -W^T hG},
 *   for a head that centres its features, and {@code z_i = W^T h~_i} for one that does not
 *   (the learned head; {@code FeatureCentring}); cross-entropy is their mean CE, accuracy the
 *   fraction with {@code argmax z_i = y_i};</li>
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
 * <p><b>NC1 without d x d algebra</b> ({@link WithinClassVariability}): NC1 is
 * {@code (1/N) <R^T R, (A^+)^2>} with {@code A = Hbar^T Hbar} ({@code C x C}) and the residuals
 * {@code x_i = h~_i - mu_{y_i}} seen through the means, {@code r_i = Hbar^T x_i} (rows of R).
 * {@code r_i} needs no product of its own: {@code (Hbar^T h~_i)_c = h~_i . mu_c - h~_i . hG}
 * are the scores {@code H~ M^T} that NC4's nearest class mean computes anyway, and
 * {@code (Hbar^T mu_y)_c = (Hbar^T Hbar)_{cy} + (mu_c - hG) . hG}.
 *
 * <p><b>Cost.</b> Two {@code N x d x C} products ({@code H~ W}, {@code H~ M^T}), one
 * {@code N x C} Gram matrix ({@code R^T R}, symmetric: {@code N C^2} flops) and {@code C x C}
 * work ({@code Hbar^T Hbar}, {@code W^T W}, {@code Hbar^T W}, the Cholesky inverse and one
 * product, or the eigendecomposition), all through a {@link DenseKernels} backend (OpenBLAS by
 * default). Everything else is one pass over the feature rows (normalisation, finiteness,
 * class sums) and one over the rows of the two {@code N x C} products (logits centred,
 * cross-entropy, arg-max, nearest mean, residuals, cosine margins, each row while it is in
 * cache). Ties in arg-max/arg-min go to the smallest
 * class index. Workspaces are kept between calls; not thread-safe. Metrics built on the
 * default CPU kernels own them and free their native buffers in {@link #close()}.
 */
public final class NeuralCollapseMetrics implements AutoCloseable {

    /**
     * The range of tau, and of the classifier's largest entry, within which every product the
     * metrics form stays finite and normal: NC1's residual Gram matrix holds fourth powers of
     * the scaled features (tau^4 up to 1e200 times N), {@code W^T W} squares of the classifier.
     */
    static final double SMALLEST_TAU = 1e-50;
    static final double LARGEST_TAU = 1e50;
    static final double SMALLEST_CLASSIFIER_ENTRY = 1e-100;
    static final double LARGEST_CLASSIFIER_ENTRY = 1e100;

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
    private final DMatrixRMaj gram = new DMatrixRMaj(1, 1);
    private double[] globalMean = new double[0];
    private double[] globalMeanLogits = new double[0];
    private double[] meanDotGlobal = new double[0];
    private double[] featureDotGlobal = new double[0];
    private double[] rowSquaredNorms = new double[0];
    private double[] margins = new double[0];
    private final double[] norms;
    private final double[] inverseColumnNorms;
    private final double[] meanSquaredNorms;
    private final double[] classWeights;
    private int[] classCounts = new int[0];
    private double[] marginShift = new double[0];
    private final DenseKernels<DMatrixRMaj> kernels;
    private final WithinClassVariability withinClassVariability;
    /** Whether {@link #kernels} were created here (and are closed here). */
    private final boolean ownsKernels;
    private boolean closed;

    /**
     * Metrics on the default CPU kernels ({@link Kernels#cpu()}: OpenBLAS when available).
     *
     * @param numClasses C >= 2
     * @param tau feature scale after normalisation, in [1e-50, 1e50]
     * @throws IllegalArgumentException otherwise
     */
    public NeuralCollapseMetrics(int numClasses, double tau) {
        this(Kernels.cpu(), numClasses, tau, true);
    }

    /**
     * @param kernels host backend of the products and the eigendecomposition (the caller's: not
     *     closed by {@link #close()})
     * @param numClasses C >= 2
     * @param tau feature scale after normalisation, in [1e-50, 1e50]
     * @throws IllegalArgumentException otherwise
     */
    public NeuralCollapseMetrics(DenseKernels<DMatrixRMaj> kernels, int numClasses, double tau) {
        this(kernels, numClasses, tau, false);
    }

    private NeuralCollapseMetrics(DenseKernels<DMatrixRMaj> kernels, int numClasses, double tau, boolean ownsKernels) {
        this.kernels = kernels;
        this.ownsKernels = ownsKernels;
        if (numClasses < 2) {
            throw new IllegalArgumentException("number of classes C must be at least 2, got " + numClasses);
        }
        this.numClasses = numClasses;
        this.lowerBound = SimplexEtf.crossEntropyLowerBound(numClasses, tau);
        if (tau < SMALLEST_TAU || tau > LARGEST_TAU) {
            throw new IllegalArgumentException("tau = " + tau + " is outside [" + SMALLEST_TAU + ", " + LARGEST_TAU
                    + "]: NC1 sums fourth powers of the scaled features, which would overflow or underflow");
        }
        this.tau = tau;
        this.norms = new double[numClasses];
        this.inverseColumnNorms = new double[numClasses];
        this.meanSquaredNorms = new double[numClasses];
        this.classWeights = new double[numClasses];
        this.withinClassVariability = new WithinClassVariability(kernels, numClasses);
    }

    public int numClasses() {
        return numClasses;
    }

    public double tau() {
        return tau;
    }

    /**
     * All metrics at once, for a head that centres its features (logits
     * {@code z_i = W^T (h~_i - hG)}).
     *
     * @param iteration recorded in the snapshot
     * @param features {@code N x d}, finite, no zero row, every class present
     * @param labels N labels in {@code [0, C)}
     * @param classifier {@code W}, {@code d x C}, finite, largest entry in [1e-100, 1e100]
     * @return the metrics; the per-sample margins are then available from {@link #margins}
     * @throws IllegalArgumentException on a shape mismatch, a bad label, a non-finite entry, a
     *     zero feature row, an empty class, or a zero or out-of-range classifier
     */
    public NeuralCollapseSnapshot evaluate(int iteration, DMatrixRMaj features, int[] labels,
            DMatrixRMaj classifier) {
        return evaluate(iteration, features, labels, classifier, true);
    }

    /**
     * All metrics at once.
     *
     * @param iteration recorded in the snapshot
     * @param features {@code N x d}, finite, no zero row, every class present
     * @param labels N labels in {@code [0, C)}
     * @param classifier {@code W}, {@code d x C}, finite, largest entry in [1e-100, 1e100]
     * @param centredLogits whether the head's logits are {@code W^T (h~_i - hG)} (true) or
     *     {@code W^T h~_i} (false); this decides the cross-entropy, the accuracy and NC4's
     *     predictions. The cosine margins always use {@code h~_i - hG}, as defined.
     * @return the metrics; the per-sample margins are then available from {@link #margins}
     * @throws IllegalArgumentException on a shape mismatch, a bad label, a non-finite entry, a
     *     zero feature row, an empty class, or a zero or out-of-range classifier
     */
    public NeuralCollapseSnapshot evaluate(int iteration, DMatrixRMaj features, int[] labels,
            DMatrixRMaj classifier, boolean centredLogits) {
        if (closed) {
            throw new IllegalStateException("NeuralCollapseMetrics was closed (its kernels' native buffers are freed)");
        }
        int n = features.numRows;
        int d = features.numCols;
        validate(features, labels, classifier);
        ensureCapacity(n, d);

        // O(N d) and O(C d) work first, so that one pass over the rows of the two N x C
        // products below does everything else.
        normaliseRowsAndSumClasses(features, labels);
        classMeansAndGlobalMean(n, d);
        centreMeans(d);
        classMeanSquaredNorms(d);
        meansGram.reshape(numClasses, numClasses);
        kernels.gram(centredMeans, meansGram);
        rowTimesMatrix(globalMean, classifier, globalMeanLogits);
        // the logits are z = H~ W - shift; the margins read z + shift - 1 (hG^T W)
        for (int c = 0; c < numClasses; c++) {
            marginShift[c] = centredLogits ? 0.0 : globalMeanLogits[c];
            if (!centredLogits) {
                globalMeanLogits[c] = 0.0;
            }
        }
        inverseCentredColumnNorms(classifier, d);
        for (int c = 0; c < numClasses; c++) {
            classWeights[c] = (double) classCounts[c] / n;
        }

        // Logits z = H~ W - 1 (hG^T W); scores h~_i . mu_c: the nearest class mean is
        // argmin_c ||mu_c||^2 - 2 h~_i . mu_c, and NC1's residuals are read off them.
        product(normalised, false, classifier, false, logits);
        product(normalised, false, classMeans, true, meanScores);
        double globalSquared = SumsOfSquares.of(globalMean, 0, d);
        double crossEntropy = 0;
        double marginTotal = 0;
        int correct = 0;
        int mismatches = 0;
        double[] z = logits.data;
        for (int i = 0; i < n; i++) {
            int label = labels[i];
            int offset = i * numClasses;
            // the head's logits (centred, z_i -= W^T hG, when it centres), the sum of the centred
            // ones for the margins, and the arg-max (ties to the smallest index)
            int predicted = 0;
            double best = Double.NEGATIVE_INFINITY;
            double sum = 0;
            for (int c = 0; c < numClasses; c++) {
                double value = z[offset + c] - globalMeanLogits[c];
                z[offset + c] = value;
                sum += value - marginShift[c];
                if (value > best) {
                    best = value;
                    predicted = c;
                }
            }
            double logitMean = sum / numClasses;
            crossEntropy += CrossEntropy.rowLoss(z, offset, numClasses, label);
            if (predicted == label) {
                correct++;
            }
            if (scoresToResiduals(i, label) != predicted) {
                mismatches++;
            }
            // ||h~_i - hG||^2 = ||h~_i||^2 - 2 h~_i . hG + ||hG||^2
            double centredNorm = Math.sqrt(Math.max(0, rowSquaredNorms[i] - 2 * featureDotGlobal[i] + globalSquared));
            margins[i] = cosineMargin(i, label, logitMean, centredNorm);
            marginTotal += margins[i];
        }
        crossEntropy /= n;

        // the rows of meanScores are NC1's residuals seen through the means by now
        double nc1 = withinClassVariability.of(meanScores, meansGram, classCounts, d);
        // Hbar^T W; NC3 is unchanged by the transpose because Mc is symmetric.
        product(centredRows, false, classifier, false, gram);
        double nc3 = distanceToStandardEtf(gram);
        gram.reshape(numClasses, numClasses);
        kernels.gram(classifier, gram);
        double nc2 = distanceToStandardEtf(gram);

        double equinorm = Math.abs(columnNormVariation(classifier) - rowNormVariation(centredRows));
        return new NeuralCollapseSnapshot(iteration, crossEntropy, lowerBound, (double) correct / n, nc1, nc2, nc3,
                100.0 * mismatches / n, equinorm, marginTotal / n, 0);
    }

    /**
     * Whether the last {@link #evaluate} took NC1's pseudo-inverse from the eigendecomposition
     * (true) or from the Cholesky inverse of the shifted Gram matrix (false); see the class comment.
     */
    boolean lastNc1UsedEigendecomposition() {
        return withinClassVariability.lastUsedEigendecomposition();
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
        MatrixChecks.requireFinite(classifier, "classifier");
        double largest = CommonOps_DDRM.elementMaxAbs(classifier);
        if (largest == 0) {
            throw new IllegalArgumentException("classifier is zero");
        }
        if (largest < SMALLEST_CLASSIFIER_ENTRY || largest > LARGEST_CLASSIFIER_ENTRY) {
            throw new IllegalArgumentException("classifier's largest entry is " + largest + ", outside ["
                    + SMALLEST_CLASSIFIER_ENTRY + ", " + LARGEST_CLASSIFIER_ENTRY + "]: its Gram matrix would"
                    + " overflow or underflow; rescale it (every metric but the cross-entropy and accuracy is"
                    + " independent of its scale)");
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
            margins = new double[n];
        }
        if (globalMeanLogits.length != numClasses) {
            globalMeanLogits = new double[numClasses];
            marginShift = new double[numClasses];
            meanDotGlobal = new double[numClasses];
        }
    }

    /**
     * {@code h~_i = tau h_i / ||h_i||}: plain squares where their sum is safe, else the norm
     * scaled by the row's largest entry, so rows whose norm overflows and subnormal rows are
     * handled (as in the heads); keeps {@code ||h~_i||^2} and adds {@code h~_i} to its class's
     * sum (rows of classMeans) while the row is in cache. A non-finite entry makes the plain sum
     * unsafe, so the features' finiteness is checked in the same pass.
     */
    private void normaliseRowsAndSumClasses(DMatrixRMaj features, int[] labels) {
        int n = features.numRows;
        int d = features.numCols;
        normalised.reshape(n, d);
        classMeans.reshape(numClasses, d);
        classMeans.zero();
        double[] source = features.data;
        double[] target = normalised.data;
        double[] sums = classMeans.data;
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
                MatrixChecks.requireFiniteRow(features, i, "features");
                normaliseScaled(source, target, offset, d, i);
                rowSquaredNorms[i] = SumsOfSquares.of(target, offset, d);
            }
            int classOffset = labels[i] * d;
            for (int j = 0; j < d; j++) {
                sums[classOffset + j] += target[offset + j];
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
     * classMeans from the class sums to the class means, and the global mean as the
     * count-weighted mean of the class means ({@code O(C d)}).
     */
    private void classMeansAndGlobalMean(int n, int d) {
        double[] means = classMeans.data;
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

    /**
     * From row i of the scores {@code h~_i . mu_c}: {@code h~_i . hG = sum_c (n_c / N) h~_i . mu_c}
     * (kept), the nearest class mean (returned; ties to the smallest index), and the row
     * overwritten with NC1's residual seen through the means,
     * {@code r_ic = h~_i . mu_c - h~_i . hG - (Hbar^T Hbar)_{y_i c} - (mu_c - hG) . hG}.
     */
    private int scoresToResiduals(int i, int label) {
        double[] scores = meanScores.data;
        double[] between = meansGram.data;
        int offset = i * numClasses;
        int own = label * numClasses;
        double dot = 0;
        int nearest = 0;
        double nearestDistance = Double.POSITIVE_INFINITY;
        for (int c = 0; c < numClasses; c++) {
            double score = scores[offset + c];
            dot += classWeights[c] * score;
            double distance = meanSquaredNorms[c] - 2 * score;
            if (distance < nearestDistance) {
                nearestDistance = distance;
                nearest = c;
            }
        }
        featureDotGlobal[i] = dot;
        for (int c = 0; c < numClasses; c++) {
            scores[offset + c] = scores[offset + c] - dot - between[own + c] - meanDotGlobal[c];
        }
        return nearest;
    }

    /**
     * Cosine margin of sample i from its centred logits {@code z_i - marginShift}:
     * {@code (h~_i - hG)^T W Mc = z_i^T Mc} is the centred logit row minus its mean, divided by
     * {@code ||h~_i - hG||} and the centred column norms. The feature norm is one positive
     * factor of every cosine, so it scales the margin after the maximum.
     */
    private double cosineMargin(int i, int label, double logitMean, double centredNorm) {
        double[] row = logits.data;
        int offset = i * numClasses;
        double own = (row[offset + label] - marginShift[label] - logitMean) * inverseColumnNorms[label];
        double bestOther = Double.NEGATIVE_INFINITY;
        // the classes below and above the label, so that the loops carry no test of c
        for (int c = 0; c < label; c++) {
            double cosine = (row[offset + c] - marginShift[c] - logitMean) * inverseColumnNorms[c];
            bestOther = cosine > bestOther ? cosine : bestOther;
        }
        for (int c = label + 1; c < numClasses; c++) {
            double cosine = (row[offset + c] - marginShift[c] - logitMean) * inverseColumnNorms[c];
            bestOther = cosine > bestOther ? cosine : bestOther;
        }
        return centredNorm == 0 ? 0 : (own - bestOther) / centredNorm;
    }

    /** {@code ||mu_c||^2} of every class mean, once per evaluation. */
    private void classMeanSquaredNorms(int d) {
        for (int c = 0; c < numClasses; c++) {
            meanSquaredNorms[c] = SumsOfSquares.of(classMeans.data, c * d, d);
        }
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
            norms[c] = Math.sqrt(SumsOfSquares.of(matrix.data, c * d, d));
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

    /**
     * {@code 1 / ||(W Mc)_c||}, the inverse norms of the class-centred classifier columns; a zero
     * column gets 0, so it has cosine 0 with everything, as a zero feature row has.
     */
    private void inverseCentredColumnNorms(DMatrixRMaj classifier, int d) {
        double[] result = inverseColumnNorms;
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
            result[c] = result[c] == 0 ? 0 : 1.0 / Math.sqrt(result[c]);
        }
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

    /**
     * Frees the native buffers of the kernels these metrics created ({@link #NeuralCollapseMetrics(int,
     * double)}); kernels passed in stay the caller's. Closing twice is harmless; {@link #evaluate}
     * throws {@link IllegalStateException} afterwards.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ownsKernels) {
            kernels.close();
        }
    }

    /** The kernels the products run on (for tests of {@link #close()}). */
    DenseKernels<DMatrixRMaj> kernels() {
        return kernels;
    }
}
