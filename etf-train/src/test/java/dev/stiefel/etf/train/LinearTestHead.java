package dev.stiefel.etf.train;

import dev.stiefel.etf.ClassifierHead;
import dev.stiefel.etf.FeatureCentring;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * Test-only head, independent of the production heads: learnable {@code W} ({@code d x C}),
 * logits {@code z_i = W^T (h~_i - c)} with {@code h~_i = tau h_i / ||h_i||} and, by the
 * {@link FeatureCentring}, {@code c = 0}, the batch mean held constant in the backward pass, or
 * the batch mean differentiated. {@link #holdCentre} fixes {@code c} for every later forward
 * pass, which is the loss whose finite differences a constant bias's gradient must match.
 * Backward written out by hand.
 */
final class LinearTestHead implements ClassifierHead {

    private final int numClasses;
    private final int dimension;
    private final double tau;
    private final FeatureCentring centring;
    private final DMatrixRMaj weights;
    private final DMatrixRMaj weightsGradient;
    private final DMatrixRMaj centred = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj raw = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj centredGradient = new DMatrixRMaj(1, 1);
    private final double[] meanWorkspace;
    private final double[] centre;
    private final List<Parameter> parameters;
    private double[] heldCentre;

    LinearTestHead(DMatrixRMaj initialWeights, double tau, boolean trainable, FeatureCentring centring) {
        this.dimension = initialWeights.numRows;
        this.numClasses = initialWeights.numCols;
        this.tau = tau;
        this.centring = centring;
        this.weights = initialWeights.copy();
        this.weightsGradient = new DMatrixRMaj(dimension, numClasses);
        this.meanWorkspace = new double[dimension];
        this.centre = new double[dimension];
        this.parameters = trainable ? List.of(new Parameter("W", weights, weightsGradient)) : List.of();
    }

    /** Centred by the differentiated batch mean. */
    LinearTestHead(DMatrixRMaj initialWeights, double tau, boolean trainable) {
        this(initialWeights, tau, trainable, FeatureCentring.BATCH_MEAN_DIFFERENTIATED);
    }

    /** From now on the forward pass subtracts {@code centre} (copied) instead of the batch mean. */
    LinearTestHead holdCentre(double[] centre) {
        heldCentre = centre.clone();
        return this;
    }

    /** {@code (1/B) sum_i tau h_i / ||h_i||}, written out. */
    static double[] batchMeanOfNormalised(DMatrixRMaj features, double tau) {
        double[] mean = new double[features.numCols];
        for (int i = 0; i < features.numRows; i++) {
            double norm = 0;
            for (int j = 0; j < features.numCols; j++) {
                norm += features.get(i, j) * features.get(i, j);
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < features.numCols; j++) {
                mean[j] += tau * features.get(i, j) / norm / features.numRows;
            }
        }
        return mean;
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
    public FeatureCentring featureCentring() {
        return centring;
    }

    @Override
    public DMatrixRMaj forward(DMatrixRMaj features, int[] labels, DMatrixRMaj logitsOut) {
        int b = features.numRows;
        raw.setTo(features);
        centred.reshape(b, dimension);
        // the test head allocates nothing per step either: the centre goes to a workspace
        java.util.Arrays.fill(centre, 0);
        if (heldCentre != null) {
            System.arraycopy(heldCentre, 0, centre, 0, dimension);
        } else if (centring.centres()) {
            for (int i = 0; i < b; i++) {
                double norm = 0;
                for (int j = 0; j < dimension; j++) {
                    norm += features.get(i, j) * features.get(i, j);
                }
                norm = Math.sqrt(norm);
                for (int j = 0; j < dimension; j++) {
                    centre[j] += tau * features.get(i, j) / norm / b;
                }
            }
        }
        double[] mean = centre;
        for (int i = 0; i < b; i++) {
            double norm = 0;
            for (int j = 0; j < dimension; j++) {
                norm += features.get(i, j) * features.get(i, j);
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < dimension; j++) {
                centred.set(i, j, tau * features.get(i, j) / norm - mean[j]);
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
        // Centring by a differentiated mean: dL/dh~_j = g_j - mean_i g_i; otherwise dL/dh~_j = g_j.
        double[] mean = meanWorkspace;
        java.util.Arrays.fill(mean, 0);
        if (heldCentre == null && centring.differentiatesMean()) {
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < dimension; j++) {
                    mean[j] += centredGradient.get(i, j) / b;
                }
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
