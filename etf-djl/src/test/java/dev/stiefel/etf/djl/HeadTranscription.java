package dev.stiefel.etf.djl;

import dev.stiefel.etf.EtfOptions;
import dev.stiefel.etf.train.HeadKind;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * A direct float64 transcription of the heads' definitions, written for the tests and independent
 * of the block's code: plain loops and EJML, the polar factor from EJML's SVD (the block uses the
 * eigendecomposition of {@code G^T G}), problem (6) for a first batch with every class present in
 * closed form (docs/mathematics.md section 2, case k = 1: {@code U = U_r V_r^T + u0 1^T / sqrt(C)},
 * {@code u0} the normalised part of {@code start 1} outside {@code range(G)}). Sources: the authors'
 * code (Markou, Ajanthan, Gould, "Guiding Neural Collapse", NeurIPS 2024,
 * github.com/evanmarkou/Guiding-Neural-Collapse, {@code nc/models/resnet.py} and
 * {@code nc/models/ddn_modules.py}) and docs/mathematics.md sections 1 to 4:
 * <ul>
 *   <li>standard: {@code z_i = V h~_i};</li>
 *   <li>fixed: {@code z_i = W^T (h~_i - hG)}, {@code W = [I; 0] Mh};</li>
 *   <li>implicit: {@code z_i = W^T (h~_i - hG)}, {@code W = U* Mh}, {@code U* = polar((2/sqrt(C-1)) Ht Mc
 *       + delta Uprox)}, {@code Ht} the normalised EMA of the centred class means.</li>
 * </ul>
 * The feature side is a linear backbone {@code H = X A^T + 1 b^T}, so that a test can take finite
 * differences in the backbone's parameters. Also steps the backbone (and the standard head's V)
 * by plain SGD, and re-normalises V's rows after the step, as the block's training does.
 */
final class HeadTranscription {

    final HeadKind kind;
    final int dimension;
    final int numClasses;
    final double tau;
    final double delta;
    final double emaFloor;

    /** Backbone weight A ({@code d x inputs}) and bias b (d). */
    final DMatrixRMaj weight;
    final double[] bias;
    /** The standard head's V ({@code C x d}). */
    final DMatrixRMaj classifier;

    long step;
    DMatrixRMaj average;
    DMatrixRMaj solution;
    /** When set, the implicit head's {@code U*} held at this value (what the forward-only head differentiates). */
    private DMatrixRMaj frozenSolution;
    /** When set, the batch mean used for the centring (the fixed head's bias, which carries no gradient). */
    private double[] frozenMean;
    /** When set, the proximal point of the first step (a constant of the step, like every {@code Uprox}). */
    private DMatrixRMaj frozenProximal;

    HeadTranscription(HeadKind kind, int dimension, int numClasses, EtfOptions options, DMatrixRMaj weight,
            double[] bias, DMatrixRMaj classifier) {
        this.kind = kind;
        this.dimension = dimension;
        this.numClasses = numClasses;
        this.tau = options.tau();
        this.delta = options.delta();
        this.emaFloor = options.emaFloor();
        this.weight = weight.copy();
        this.bias = bias.clone();
        this.classifier = classifier == null ? null : classifier.copy();
        this.average = new DMatrixRMaj(dimension, numClasses);
    }

    /**
     * A copy in which what the head's step treats as constant is held at the values of
     * {@code forward}: the fixed head's batch mean, the forward-only head's {@code U*} and the first
     * step's proximal point; the loss of the copy is then the function whose gradient the head
     * computes.
     */
    HeadTranscription withConstantsOf(Forward forward) {
        HeadTranscription copy = new HeadTranscription(kind, dimension, numClasses,
                EtfOptions.defaults().withTau(tau).withDelta(delta).withEmaFloor(emaFloor), weight, bias, classifier);
        copy.step = step;
        copy.average = average.copy();
        copy.solution = solution == null ? null : solution.copy();
        if (kind == HeadKind.FIXED) {
            copy.frozenMean = forward.mean.clone();
        }
        if (kind == HeadKind.IMPLICIT_FORWARD_ONLY) {
            copy.frozenSolution = forward.solution.copy();
        }
        if (kind.isImplicit() && solution == null) {
            copy.frozenProximal = forward.proximal.copy();
        }
        return copy;
    }

    /** The result of a training forward, with the implicit state it would leave. */
    static final class Forward {
        DMatrixRMaj logits;
        double loss;
        double[] mean;
        DMatrixRMaj average;
        DMatrixRMaj proximal;
        DMatrixRMaj solution;
    }

    /** Features {@code H = X A^T + 1 b^T} of the given backbone. */
    static DMatrixRMaj features(DMatrixRMaj inputs, DMatrixRMaj weight, double[] bias) {
        DMatrixRMaj features = new DMatrixRMaj(inputs.numRows, weight.numRows);
        CommonOps_DDRM.multTransB(inputs, weight, features);
        for (int i = 0; i < features.numRows; i++) {
            for (int k = 0; k < features.numCols; k++) {
                features.add(i, k, bias[k]);
            }
        }
        return features;
    }

    /** A training forward with the current state and parameters; changes nothing. */
    Forward forward(DMatrixRMaj inputs, int[] labels) {
        return forward(inputs, labels, weight, bias, classifier);
    }

    Forward forward(DMatrixRMaj inputs, int[] labels, DMatrixRMaj backboneWeight, double[] backboneBias,
            DMatrixRMaj learned) {
        DMatrixRMaj features = features(inputs, backboneWeight, backboneBias);
        int rows = features.numRows;
        DMatrixRMaj normalised = new DMatrixRMaj(rows, dimension);
        for (int i = 0; i < rows; i++) {
            double sum = 0;
            for (int k = 0; k < dimension; k++) {
                sum += features.get(i, k) * features.get(i, k);
            }
            double norm = Math.sqrt(sum);
            for (int k = 0; k < dimension; k++) {
                normalised.set(i, k, tau * features.get(i, k) / norm);
            }
        }
        double[] mean = new double[dimension];
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < dimension; k++) {
                mean[k] += normalised.get(i, k) / rows;
            }
        }
        Forward result = new Forward();
        result.mean = mean.clone();
        if (frozenMean != null) {
            mean = frozenMean.clone();
        }
        DMatrixRMaj classifierColumns;
        boolean centred;
        switch (kind) {
            case STANDARD -> {
                classifierColumns = new DMatrixRMaj(dimension, numClasses);
                CommonOps_DDRM.transpose(learned, classifierColumns);
                centred = false;
            }
            case FIXED -> {
                classifierColumns = centredColumns(identityColumns());
                centred = true;
            }
            default -> {
                if (frozenSolution != null) {
                    result.solution = frozenSolution;
                } else {
                    implicitStep(normalised, mean, labels, result);
                }
                classifierColumns = centredColumns(result.solution);
                centred = true;
            }
        }
        result.logits = new DMatrixRMaj(rows, numClasses);
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < numClasses; c++) {
                double sum = 0;
                for (int k = 0; k < dimension; k++) {
                    sum += (normalised.get(i, k) - (centred ? mean[k] : 0)) * classifierColumns.get(k, c);
                }
                result.logits.set(i, c, sum);
            }
        }
        result.loss = crossEntropy(result.logits, labels);
        return result;
    }

    private void implicitStep(DMatrixRMaj normalised, double[] mean, int[] labels, Forward result) {
        long next = step + 1;
        double rate = Math.max(2.0 / (next + 1.0), emaFloor);
        int[] counts = new int[numClasses];
        DMatrixRMaj sums = new DMatrixRMaj(dimension, numClasses);
        for (int i = 0; i < labels.length; i++) {
            counts[labels[i]]++;
            for (int k = 0; k < dimension; k++) {
                sums.add(k, labels[i], normalised.get(i, k));
            }
        }
        DMatrixRMaj average = new DMatrixRMaj(dimension, numClasses);
        double squares = 0;
        for (int c = 0; c < numClasses; c++) {
            for (int k = 0; k < dimension; k++) {
                double value = counts[c] > 0 ? rate * (sums.get(k, c) / counts[c] - mean[k])
                        + (1 - rate) * this.average.get(k, c) : this.average.get(k, c);
                average.set(k, c, value);
                squares += value * value;
            }
        }
        DMatrixRMaj target = average.copy();
        CommonOps_DDRM.divide(target, Math.sqrt(squares));
        DMatrixRMaj proximal = solution != null ? solution
                : frozenProximal != null ? frozenProximal : firstSolution(target);
        result.proximal = proximal;
        DMatrixRMaj procrustes = centredRows(target);
        CommonOps_DDRM.scale(2.0 / Math.sqrt(numClasses - 1.0), procrustes);
        CommonOps_DDRM.addEquals(procrustes, delta, proximal);
        result.average = average;
        result.solution = polar(procrustes);
    }

    /** Problem (6) for a target whose centred means span C - 1 directions, from the start [I; 0]. */
    private DMatrixRMaj firstSolution(DMatrixRMaj target) {
        DMatrixRMaj procrustes = centredRows(target);
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(dimension, numClasses, true,
                true, true);
        if (!svd.decompose(procrustes.copy())) {
            throw new ArithmeticException("SVD failed");
        }
        double[] values = svd.getSingularValues();
        DMatrixRMaj left = svd.getU(null, false);
        DMatrixRMaj right = svd.getV(null, false);
        int smallest = 0;
        for (int j = 1; j < numClasses; j++) {
            if (values[j] < values[smallest]) {
                smallest = j;
            }
        }
        DMatrixRMaj solution = new DMatrixRMaj(dimension, numClasses);
        DMatrixRMaj range = new DMatrixRMaj(dimension, numClasses - 1);
        int column = 0;
        for (int j = 0; j < numClasses; j++) {
            if (j == smallest) {
                continue;
            }
            for (int k = 0; k < dimension; k++) {
                range.set(k, column, left.get(k, j));
                for (int c = 0; c < numClasses; c++) {
                    solution.add(k, c, left.get(k, j) * right.get(c, j));
                }
            }
            column++;
        }
        // u0: the start's column sum (first C rows of [I; 0] times 1) outside range(G), normalised
        double[] start = new double[dimension];
        for (int k = 0; k < numClasses; k++) {
            start[k] = 1;
        }
        for (int pass = 0; pass < 2; pass++) {
            for (int j = 0; j < numClasses - 1; j++) {
                double dot = 0;
                for (int k = 0; k < dimension; k++) {
                    dot += range.get(k, j) * start[k];
                }
                for (int k = 0; k < dimension; k++) {
                    start[k] -= dot * range.get(k, j);
                }
            }
        }
        double norm = 0;
        for (double value : start) {
            norm += value * value;
        }
        norm = Math.sqrt(norm);
        for (int k = 0; k < dimension; k++) {
            for (int c = 0; c < numClasses; c++) {
                solution.add(k, c, start[k] / norm / Math.sqrt(numClasses));
            }
        }
        return solution;
    }

    /** Commits the state a forward computed and steps the parameters by SGD with the given gradients. */
    void step(Forward forward, DMatrixRMaj weightGradient, double[] biasGradient, DMatrixRMaj classifierGradient,
            double learningRate) {
        if (kind.isImplicit()) {
            step++;
            average = forward.average;
            solution = forward.solution;
        }
        CommonOps_DDRM.addEquals(weight, -learningRate, weightGradient);
        for (int k = 0; k < dimension; k++) {
            bias[k] -= learningRate * biasGradient[k];
        }
        if (classifier != null) {
            CommonOps_DDRM.addEquals(classifier, -learningRate, classifierGradient);
            for (int c = 0; c < numClasses; c++) {
                double norm = 0;
                for (int k = 0; k < dimension; k++) {
                    norm += classifier.get(c, k) * classifier.get(c, k);
                }
                norm = Math.sqrt(norm);
                for (int k = 0; k < dimension; k++) {
                    classifier.set(c, k, classifier.get(c, k) / norm);
                }
            }
        }
    }

    /** The polar factor {@code U_G V_G^T} from EJML's SVD. */
    static DMatrixRMaj polar(DMatrixRMaj matrix) {
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(matrix.numRows,
                matrix.numCols, true, true, true);
        if (!svd.decompose(matrix.copy())) {
            throw new ArithmeticException("SVD failed");
        }
        DMatrixRMaj left = svd.getU(null, false);
        DMatrixRMaj right = svd.getV(null, false);
        DMatrixRMaj out = new DMatrixRMaj(matrix.numRows, matrix.numCols);
        CommonOps_DDRM.multTransB(left, right, out);
        return out;
    }

    private DMatrixRMaj identityColumns() {
        DMatrixRMaj identity = new DMatrixRMaj(dimension, numClasses);
        for (int c = 0; c < numClasses; c++) {
            identity.set(c, c, 1);
        }
        return identity;
    }

    /** {@code U Mh}: rows centred, scaled by {@code sqrt(C/(C-1))}. */
    private DMatrixRMaj centredColumns(DMatrixRMaj point) {
        DMatrixRMaj out = centredRows(point);
        CommonOps_DDRM.scale(Math.sqrt(numClasses / (numClasses - 1.0)), out);
        return out;
    }

    /** {@code A Mc}: each row minus its mean. */
    static DMatrixRMaj centredRows(DMatrixRMaj a) {
        DMatrixRMaj out = a.copy();
        for (int k = 0; k < a.numRows; k++) {
            double mean = 0;
            for (int c = 0; c < a.numCols; c++) {
                mean += a.get(k, c) / a.numCols;
            }
            for (int c = 0; c < a.numCols; c++) {
                out.add(k, c, -mean);
            }
        }
        return out;
    }

    /** Mean softmax cross-entropy, with the row maximum subtracted. */
    static double crossEntropy(DMatrixRMaj logits, int[] labels) {
        double total = 0;
        for (int i = 0; i < logits.numRows; i++) {
            double largest = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < logits.numCols; c++) {
                largest = Math.max(largest, logits.get(i, c));
            }
            double sum = 0;
            for (int c = 0; c < logits.numCols; c++) {
                sum += Math.exp(logits.get(i, c) - largest);
            }
            total += largest + Math.log(sum) - logits.get(i, labels[i]);
        }
        return total / logits.numRows;
    }
}
