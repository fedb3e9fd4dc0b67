package dev.stiefel.etf.train;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;

/**
 * The neural-collapse metrics of docs/mathematics.md section 6, each computed by its
 * definition with dense matrices and nothing of {@link NeuralCollapseMetrics}: for small inputs
 * only (a {@code d x d} within-class covariance and EJML's pseudo-inverse of the {@code d x d}
 * between-class covariance, {@code NC1 = tr(Sigma_W Sigma_B^+) / C}; explicit logits, cosines
 * and nearest means sample by sample).
 */
final class NeuralCollapseOracle {

    final double nc1;
    final double nc2;
    final double nc3;
    final double nc4;
    final double equinorm;
    final double crossEntropy;
    final double accuracy;
    final double averageMargin;
    final double[] margins;

    /**
     * @param centredLogits logits {@code W^T (h~_i - hG)} (true) or {@code W^T h~_i} (false)
     */
    NeuralCollapseOracle(DMatrixRMaj features, int[] labels, DMatrixRMaj w, int numClasses, double tau,
            boolean centredLogits) {
        int n = features.numRows;
        int d = features.numCols;
        // h~_i = tau h_i / ||h_i||, the norm scaled by the largest entry so that any finite row works
        DMatrixRMaj h = features.copy();
        for (int i = 0; i < n; i++) {
            double largest = 0;
            for (int j = 0; j < d; j++) {
                largest = Math.max(largest, Math.abs(h.get(i, j)));
            }
            double sum = 0;
            for (int j = 0; j < d; j++) {
                sum += (h.get(i, j) / largest) * (h.get(i, j) / largest);
            }
            double scaledNorm = Math.sqrt(sum);
            for (int j = 0; j < d; j++) {
                h.set(i, j, tau * (h.get(i, j) / largest) / scaledNorm);
            }
        }
        double[] global = new double[d];
        double[][] means = new double[numClasses][d];
        int[] counts = new int[numClasses];
        for (int i = 0; i < n; i++) {
            counts[labels[i]]++;
            for (int j = 0; j < d; j++) {
                global[j] += h.get(i, j) / n;
                means[labels[i]][j] += h.get(i, j);
            }
        }
        DMatrixRMaj hbar = new DMatrixRMaj(d, numClasses);
        for (int c = 0; c < numClasses; c++) {
            for (int j = 0; j < d; j++) {
                means[c][j] /= counts[c];
                hbar.set(j, c, means[c][j] - global[j]);
            }
        }

        // NC1 = tr(Sigma_W Sigma_B^+) / C, Sigma_W = (1/N) sum_i (h~_i - mu_yi)(h~_i - mu_yi)^T,
        // Sigma_B = (1/C) Hbar Hbar^T (Papyan, Han, Donoho 2020)
        DMatrixRMaj sigmaW = new DMatrixRMaj(d, d);
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < d; a++) {
                double ra = h.get(i, a) - means[labels[i]][a];
                for (int b = 0; b < d; b++) {
                    sigmaW.add(a, b, ra * (h.get(i, b) - means[labels[i]][b]) / n);
                }
            }
        }
        DMatrixRMaj sigmaB = new DMatrixRMaj(d, d);
        CommonOps_DDRM.multTransB(1.0 / numClasses, hbar, hbar, sigmaB);
        DMatrixRMaj pinv = new DMatrixRMaj(d, d);
        CommonOps_DDRM.pinv(sigmaB, pinv);
        DMatrixRMaj product = new DMatrixRMaj(d, d);
        CommonOps_DDRM.mult(sigmaW, pinv, product);
        nc1 = CommonOps_DDRM.trace(product) / numClasses;

        // NC2, NC3: distance of W^T W and W^T Hbar, normalised, to Mc / sqrt(C - 1)
        DMatrixRMaj etf = new DMatrixRMaj(numClasses, numClasses);
        for (int r = 0; r < numClasses; r++) {
            for (int c = 0; c < numClasses; c++) {
                etf.set(r, c, ((r == c ? 1 : 0) - 1.0 / numClasses) / Math.sqrt(numClasses - 1.0));
            }
        }
        DMatrixRMaj wtw = new DMatrixRMaj(numClasses, numClasses);
        CommonOps_DDRM.multTransA(w, w, wtw);
        nc2 = distance(wtw, etf);
        DMatrixRMaj wth = new DMatrixRMaj(numClasses, numClasses);
        CommonOps_DDRM.multTransA(w, hbar, wth);
        nc3 = distance(wth, etf);

        equinorm = Math.abs(variation(columnNorms(w)) - variation(columnNorms(hbar)));

        // classifier centred over classes, for the cosine margins (W Mc)
        DMatrixRMaj wc = w.copy();
        for (int j = 0; j < d; j++) {
            double mean = 0;
            for (int c = 0; c < numClasses; c++) {
                mean += w.get(j, c) / numClasses;
            }
            for (int c = 0; c < numClasses; c++) {
                wc.set(j, c, w.get(j, c) - mean);
            }
        }
        margins = new double[n];
        int correct = 0;
        int mismatch = 0;
        double loss = 0;
        double marginSum = 0;
        for (int i = 0; i < n; i++) {
            double[] centred = new double[d];
            for (int j = 0; j < d; j++) {
                centred[j] = h.get(i, j) - global[j];
            }
            double[] z = new double[numClasses];
            double[] cos = new double[numClasses];
            for (int c = 0; c < numClasses; c++) {
                double dotW = 0;
                double dotWc = 0;
                double normWc = 0;
                double normH = 0;
                for (int j = 0; j < d; j++) {
                    dotW += w.get(j, c) * (centredLogits ? centred[j] : h.get(i, j));
                    dotWc += wc.get(j, c) * centred[j];
                    normWc += wc.get(j, c) * wc.get(j, c);
                    normH += centred[j] * centred[j];
                }
                z[c] = dotW;
                cos[c] = dotWc / Math.sqrt(normWc * normH);
            }
            int predicted = 0;
            double best = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < numClasses; c++) {
                if (z[c] > z[predicted]) {
                    predicted = c;
                }
                if (c != labels[i]) {
                    best = Math.max(best, cos[c]);
                }
            }
            margins[i] = cos[labels[i]] - best;
            marginSum += margins[i];
            correct += predicted == labels[i] ? 1 : 0;
            int nearest = 0;
            double nearestDistance = Double.POSITIVE_INFINITY;
            for (int c = 0; c < numClasses; c++) {
                double distance = 0;
                for (int j = 0; j < d; j++) {
                    distance += Math.pow(h.get(i, j) - means[c][j], 2);
                }
                if (distance < nearestDistance) {
                    nearestDistance = distance;
                    nearest = c;
                }
            }
            mismatch += nearest != predicted ? 1 : 0;
            double largest = z[0];
            for (double value : z) {
                largest = Math.max(largest, value);
            }
            double sum = 0;
            for (int c = 0; c < numClasses; c++) {
                sum += Math.exp(z[c] - largest);
            }
            loss += largest + Math.log(sum) - z[labels[i]];
        }
        crossEntropy = loss / n;
        accuracy = (double) correct / n;
        nc4 = 100.0 * mismatch / n;
        averageMargin = marginSum / n;
    }

    private static double distance(DMatrixRMaj a, DMatrixRMaj etf) {
        DMatrixRMaj normalised = a.copy();
        CommonOps_DDRM.scale(1 / NormOps_DDRM.normF(a), normalised);
        DMatrixRMaj difference = new DMatrixRMaj(a.numRows, a.numCols);
        CommonOps_DDRM.subtract(normalised, etf, difference);
        return NormOps_DDRM.normF(difference);
    }

    private static double[] columnNorms(DMatrixRMaj m) {
        double[] norms = new double[m.numCols];
        for (int c = 0; c < m.numCols; c++) {
            for (int j = 0; j < m.numRows; j++) {
                norms[c] += m.get(j, c) * m.get(j, c);
            }
            norms[c] = Math.sqrt(norms[c]);
        }
        return norms;
    }

    /** Sample standard deviation over the mean (divisor C - 1). */
    private static double variation(double[] values) {
        double mean = 0;
        for (double v : values) {
            mean += v / values.length;
        }
        double variance = 0;
        for (double v : values) {
            variance += (v - mean) * (v - mean) / (values.length - 1);
        }
        return Math.sqrt(variance) / mean;
    }
}
