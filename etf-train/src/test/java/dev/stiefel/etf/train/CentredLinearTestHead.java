package dev.stiefel.etf.train;

import dev.stiefel.etf.ClassifierHead;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * Test-only head, independent of the production heads: learnable {@code W} ({@code d x C}),
 * logits {@code z_i = W^T (h~_i - hG)} with {@code h~_i = tau h_i / ||h_i||} and the batch mean
 * {@code hG}. Backward written out by hand.
 */
final class CentredLinearTestHead implements ClassifierHead {

    private final int numClasses;
    private final int dimension;
    private final double tau;
    private final boolean trainable;
    private final DMatrixRMaj weights;
    private final DMatrixRMaj weightsGradient;
    private final DMatrixRMaj centred = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj raw = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj centredGradient = new DMatrixRMaj(1, 1);
    private final double[] meanWorkspace;
    private final List<Parameter> parameters;

    CentredLinearTestHead(DMatrixRMaj initialWeights, double tau, boolean trainable) {
        this.dimension = initialWeights.numRows;
        this.numClasses = initialWeights.numCols;
        this.tau = tau;
        this.trainable = trainable;
        this.weights = initialWeights.copy();
        this.weightsGradient = new DMatrixRMaj(dimension, numClasses);
        this.meanWorkspace = new double[dimension];
        this.parameters = trainable ? List.of(new Parameter("W", weights, weightsGradient)) : List.of();
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public int featureDimension() {
        return dimension;
    }

    @Override
    public DMatrixRMaj forward(DMatrixRMaj features, int[] labels, DMatrixRMaj logitsOut) {
        int b = features.numRows;
        raw.setTo(features);
        centred.reshape(b, dimension);
        double[] mean = meanWorkspace;
        java.util.Arrays.fill(mean, 0);
        for (int i = 0; i < b; i++) {
            double norm = 0;
            for (int j = 0; j < dimension; j++) {
                norm += features.get(i, j) * features.get(i, j);
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < dimension; j++) {
                double value = tau * features.get(i, j) / norm;
                centred.set(i, j, value);
                mean[j] += value / b;
            }
        }
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < dimension; j++) {
                centred.set(i, j, centred.get(i, j) - mean[j]);
            }
        }
        logitsOut.reshape(b, numClasses);
        CommonOps_DDRM.mult(centred, weights, logitsOut);
        return logitsOut;
    }

    @Override
    public DMatrixRMaj backward(DMatrixRMaj logitsGradient, DMatrixRMaj featuresGradientOut) {
        int b = logitsGradient.numRows;
        CommonOps_DDRM.multTransA(centred, logitsGradient, weightsGradient);
        centredGradient.reshape(b, dimension);
        CommonOps_DDRM.multTransB(logitsGradient, weights, centredGradient);
        // Centring: dL/dh~_j = g_j - mean_i g_i.
        double[] mean = meanWorkspace;
        java.util.Arrays.fill(mean, 0);
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < dimension; j++) {
                mean[j] += centredGradient.get(i, j) / b;
            }
        }
        featuresGradientOut.reshape(b, dimension);
        for (int i = 0; i < b; i++) {
            double norm = 0;
            for (int j = 0; j < dimension; j++) {
                norm += raw.get(i, j) * raw.get(i, j);
            }
            norm = Math.sqrt(norm);
            double inner = 0;
            for (int j = 0; j < dimension; j++) {
                inner += raw.get(i, j) / norm * (centredGradient.get(i, j) - mean[j]);
            }
            // Normalisation: dL/dh = (tau/||h||) (I - u u^T) dL/dh~, u = h/||h||.
            for (int j = 0; j < dimension; j++) {
                double g = centredGradient.get(i, j) - mean[j];
                featuresGradientOut.set(i, j, tau / norm * (g - raw.get(i, j) / norm * inner));
            }
        }
        return featuresGradientOut;
    }

    @Override
    public List<Parameter> parameters() {
        return parameters;
    }

    @Override
    public DMatrixRMaj classifier() {
        return weights;
    }
}
