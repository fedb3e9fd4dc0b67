package dev.stiefel.etf;

import dev.stiefel.ddn.DeclarativeBackward;
import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.MatrixChecks;
import dev.stiefel.manifold.Manifold;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * The host implementation of {@link ImplicitEtfState} as it was before the state became generic
 * in the backend's matrix type (entrywise EMA and backward loops on {@link DMatrixRMaj}), frozen
 * here as the reference the generic path is compared with. Persistence and accessors the
 * comparison does not need are left out.
 */
final class HostReferenceEtfState {

    private final int dimension;
    private final int numClasses;
    private final EtfOptions options;
    private final DenseKernels<DMatrixRMaj> kernels;
    private final NearestEtf<DMatrixRMaj> solver;
    private final DeclarativeBackward<DMatrixRMaj> solutionBackward;

    private long step;
    private final DMatrixRMaj movingAverage;
    private final boolean[] seen;
    private final DMatrixRMaj solution;
    private boolean hasSolution;

    // the last step, for the backward pass
    private final DMatrixRMaj normalisedMeans;
    private final boolean[] present;
    private double movingAverageNorm;
    private double rate;
    private boolean backwardReady;
    private EtfSolveResult lastResult;

    private final DMatrixRMaj firstSolution;
    private final DMatrixRMaj candidateAverage;
    private final DMatrixRMaj candidateSolution;
    private final DMatrixRMaj targetGradient;

    /**
     * @param kernels host backend for the solves
     * @param manifold St(d, C) on that backend
     * @throws IllegalArgumentException on {@code C < 2}, {@code d < C} or null options
     */
    HostReferenceEtfState(DenseKernels<DMatrixRMaj> kernels, Manifold<DMatrixRMaj> manifold, int dimension,
            int numClasses, EtfOptions options) {
        this.kernels = kernels;
        this.solver = new NearestEtf<>(kernels, manifold, dimension, numClasses, options);
        this.solutionBackward = options.backwardMethod().declarativeMethod().create(kernels);
        this.dimension = dimension;
        this.numClasses = numClasses;
        this.options = options;
        movingAverage = new DMatrixRMaj(dimension, numClasses);
        seen = new boolean[numClasses];
        solution = new DMatrixRMaj(dimension, numClasses);
        normalisedMeans = new DMatrixRMaj(dimension, numClasses);
        present = new boolean[numClasses];
        firstSolution = new DMatrixRMaj(dimension, numClasses);
        candidateAverage = new DMatrixRMaj(dimension, numClasses);
        candidateSolution = new DMatrixRMaj(dimension, numClasses);
        targetGradient = new DMatrixRMaj(dimension, numClasses);
    }

    public int dimension() {
        return dimension;
    }

    public int numClasses() {
        return numClasses;
    }

    public EtfOptions options() {
        return options;
    }

    /** Steps taken so far (t of the last step; 0 before the first). */
    public long step() {
        return step;
    }

    /** The EMA {@code HbarEMA_t}, unnormalised ({@code d x C}, owned; do not modify). */
    public DMatrixRMaj movingAverage() {
        return movingAverage;
    }

    /** {@code Ht} of the last step ({@code d x C}, owned; do not modify). */
    public DMatrixRMaj normalisedMeans() {
        return normalisedMeans;
    }

    /** The current solution {@code U*} ({@code d x C}, owned; do not modify). */
    public DMatrixRMaj solution() {
        return solution;
    }

    public boolean hasSolution() {
        return hasSolution;
    }

    /** Outcome of the last step's solve of (7) (iterations, cost, stop reason); null before the first step. */
    public EtfSolveResult lastSolveResult() {
        return lastResult;
    }

    /** EMA rate {@code a_t} of the last step. */
    public double lastRate() {
        return rate;
    }

    /** Whether class c has appeared in some batch. */
    public boolean seen(int label) {
        return seen[label];
    }

    /** The solver (its problem keeps the last step's parameters). */
    public NearestEtf<DMatrixRMaj> solver() {
        return solver;
    }

    /** {@code a_t = max(2/(t+1), emaFloor)}. */
    public static double rate(long step, double emaFloor) {
        return Math.max(2.0 / (step + 1.0), emaFloor);
    }

    /**
     * One training step: EMA update with the batch's centred class means, normalisation, solve.
     *
     * @param batchCentredMeans {@code Hbar_t}: column c is {@code hbar_c - hG} for the classes
     *     present in the batch (other columns are ignored)
     * @param presentInBatch which classes the batch contains
     * @return the new solution {@code U*} (owned)
     * @throws IllegalArgumentException on a wrong shape or a non-finite entry
     * @throws ArithmeticException when the EMA is all zero or the nearest ETF is not unique
     */
    public DMatrixRMaj advance(DMatrixRMaj batchCentredMeans, boolean[] presentInBatch) {
        MatrixChecks.requireShape(batchCentredMeans, dimension, numClasses, "batch centred class means");
        MatrixChecks.requireFinite(batchCentredMeans, "batch centred class means");
        if (presentInBatch == null || presentInBatch.length != numClasses) {
            throw new IllegalArgumentException("presentInBatch: expected " + numClasses + " flags");
        }
        backwardReady = false;
        long nextStep = step + 1;
        double nextRate = rate(nextStep, options.emaFloor());
        // everything goes into candidates first: a failed step leaves the state as it was
        for (int row = 0; row < dimension; row++) {
            for (int label = 0; label < numClasses; label++) {
                candidateAverage.unsafe_set(row, label,
                        movingAverageValue(batchCentredMeans, presentInBatch, nextRate, row, label));
            }
        }
        // the backend's norm, so that the comparison stays bit for bit (its summation order
        // is the kernels' business, not the state's)
        double norm = kernels.normF(candidateAverage);
        if (!(norm > 0) || !Double.isFinite(norm)) {
            throw new ArithmeticException("implicit ETF: the moving average of the centred class means is "
                    + (norm == 0 ? "all zero" : "not finite") + " at step " + nextStep
                    + "; the nearest ETF is undefined");
        }
        CommonOps_DDRM.scale(1.0 / norm, candidateAverage, normalisedMeans);
        if (!hasSolution) {
            solver.startPoint(firstSolution);
            solver.solveUnregularised(normalisedMeans, firstSolution, firstSolution);
            lastResult = solver.solve(normalisedMeans, firstSolution, firstSolution, candidateSolution);
        } else {
            lastResult = solver.solve(normalisedMeans, solution, solution, candidateSolution);
        }
        movingAverage.setTo(candidateAverage);
        solution.setTo(candidateSolution);
        hasSolution = true;
        step = nextStep;
        rate = nextRate;
        movingAverageNorm = norm;
        for (int label = 0; label < numClasses; label++) {
            present[label] = presentInBatch[label];
            seen[label] |= presentInBatch[label];
        }
        backwardReady = true;
        return solution;
    }

    private double movingAverageValue(DMatrixRMaj batch, boolean[] presentInBatch, double stepRate, int row,
            int label) {
        double previous = movingAverage.unsafe_get(row, label);
        if (!presentInBatch[label]) {
            return previous;
        }
        return stepRate * batch.unsafe_get(row, label) + (1 - stepRate) * previous;
    }

    /**
     * {@code dL/dHbar_t} from {@code dL/dU*} for the last {@link #advance}: through the
     * solution (configured {@link EtfBackwardMethod}), the normalisation
     * {@code dL/dE = (dL/dHt - Ht <Ht, dL/dHt>) / ||E||} and the EMA ({@code a_t} for the
     * classes present, 0 for the others).
     *
     * @param solutionGradient {@code dL/dU*}, {@code d x C}
     * @param out reshaped to {@code d x C}
     * @throws IllegalStateException when no step has been taken since construction or restore
     */
    public DMatrixRMaj backward(DMatrixRMaj solutionGradient, DMatrixRMaj out) {
        if (!backwardReady) {
            throw new IllegalStateException("implicit ETF backward: no forward step to differentiate");
        }
        MatrixChecks.requireShape(solutionGradient, dimension, numClasses, "solution gradient dL/dU*");
        MatrixChecks.requireFinite(solutionGradient, "solution gradient dL/dU*");
        normalisedMeansGradient(solutionGradient, targetGradient);
        double radial = 0;
        for (int index = 0; index < dimension * numClasses; index++) {
            radial += targetGradient.data[index] * normalisedMeans.data[index];
        }
        out.reshape(dimension, numClasses);
        for (int row = 0; row < dimension; row++) {
            for (int label = 0; label < numClasses; label++) {
                double value = 0;
                if (present[label]) {
                    int index = row * numClasses + label;
                    value = rate * (targetGradient.data[index] - radial * normalisedMeans.data[index])
                            / movingAverageNorm;
                }
                out.unsafe_set(row, label, value);
            }
        }
        return out;
    }

    /**
     * {@code dL/dHt} from {@code dL/dU*} by the configured method (ddn-gradients, sign convention
     * of {@link DeclarativeBackward}): for the closed form {@code dL/dHt = (2/sqrt(C-1)) dL/dG Mc}
     * with {@code dL/dG} from the polar factor's derivative; the implicit methods solve with the
     * Riemannian Hessian and apply the mixed-derivative adjoint {@code -(2/sqrt(C-1)) xi Mc}.
     * The problem still holds this step's {@code Ht} and {@code Uprox}.
     */
    private void normalisedMeansGradient(DMatrixRMaj solutionGradient, DMatrixRMaj out) {
        solutionBackward.vjp(solver.problem(), solution, solutionGradient, out);
    }
}
