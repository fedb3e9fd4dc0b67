package dev.stiefel.etf;

import dev.stiefel.ddn.BackwardMethod;
import dev.stiefel.ddn.DeclarativeBackward;
import dev.stiefel.ddn.ProcrustesClosedFormBackward;
import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.MatrixChecks;
import dev.stiefel.manifold.Manifold;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.ejml.data.DMatrixRMaj;

/**
 * The implicit ETF across training steps ({@code docs/mathematics.md} section 4), on any
 * {@link DenseKernels} backend: the EMA, {@code Ht} and {@code U*} stay in the backend's matrices
 * {@code M} across steps (on a device they never leave it); only the batch's class means come in
 * from the host ({@link #advance}), one upload per step.
 * <ol>
 *   <li>EMA of the centred class means (paper eq. 9):
 *       {@code HbarEMA_t = a_t Hbar_t + (1 - a_t) HbarEMA_{t-1}},
 *       {@code a_t = max(2/(t+1), emaFloor)}, {@code t = 1, 2, ...} counting steps, never reset.
 *       Column by column: a class absent from the batch keeps its previous EMA column (which is
 *       0 for a class never seen, a neutral column, unlike the authors' code, which puts the
 *       uncentred batch mean there). A class seen for the first time at step t enters with
 *       {@code a_t Hbar_t} (its previous column being 0), exactly as the formula says.</li>
 *   <li>{@code Ht = HbarEMA_t / ||HbarEMA_t||_F}; the stored EMA stays unnormalised.</li>
 *   <li>Step 1 solves (6) from the configured start ({@code [I_C; 0]} or Haar) and then (7)
 *       with that result as start and {@code Uprox}; later steps solve (7) with start =
 *       {@code Uprox} = previous {@code U*}.</li>
 * </ol>
 * The backward pass ({@link #backward}) maps {@code dL/dU*} to {@code dL/dHbar_t} (the batch's
 * centred means), with {@code Uprox} and the previous EMA constant (docs/mathematics.md section 5):
 * {@code dL/dHt} by the configured {@link BackwardMethod}, then through the Frobenius
 * normalisation and the EMA (scaled by {@code a_t}, zero for absent classes).
 *
 * <p>{@link #save}/{@link #restore} write and read the persistent part (step count, EMA, seen
 * classes, current solution) in a documented binary format so a trainer can resume.
 * {@link #close()} frees the device or native workspaces. Not thread-safe.
 *
 * <p>The EMA update is done column-wise with {@link DenseKernels#scaleColumns}:
 * {@code a_t Hbar_t diag(p) + HbarEMA_{t-1} diag(1 - a_t p)}, {@code p} the 0/1 presence of each
 * class, which on a host backend rounds exactly as the entrywise formula.
 *
 * @param <M> the backend's matrix type
 */
public final class ImplicitEtfState<M> implements AutoCloseable {

    /** First int of the binary format: the ASCII bytes {@code "ETFS"}. */
    public static final int FORMAT_MAGIC = ImplicitEtfStateFormat.MAGIC;
    /** Version of the binary format written by {@link #save}: 2 adds the payload length and a CRC-32. */
    public static final int FORMAT_VERSION = ImplicitEtfStateFormat.VERSION;
    /**
     * An EMA of centred class means at most this times the feature scale is rounding noise: the
     * centring {@code hbar_c - hG} of equal means leaves errors of order {@code eps} times the
     * scale, grown at most linearly with the rows summed ({@code eps B < 1e-10} up to
     * {@code B = 4.5e5}, and like {@code sqrt(B)} in practice); a real difference between class
     * means is many orders of magnitude larger.
     */
    public static final double ROUNDING_NOISE = 1e-10;
    /** Orthonormality a restored solution must have ({@code ||U^T U - I||_F}). */
    private static final double RESTORED_POINT_TOLERANCE = 1e-10;

    private final int dimension;
    private final int numClasses;
    private final EtfOptions options;
    private final DenseKernels<M> kernels;
    private final NearestEtf<M> solver;
    private final DeclarativeBackward<M> solutionBackward;
    private final ImplicitEtfStateFormat format;

    private long step;
    private final M movingAverage;
    private final boolean[] seen;
    private final M solution;
    private boolean hasSolution;

    // the last step, for the backward pass
    private final M normalisedMeans;
    private final boolean[] present;
    private double movingAverageNorm;
    private double rate;
    private boolean backwardReady;
    private EtfSolveResult lastResult;

    private final M firstSolution;
    private final M candidateAverage;
    private final M candidateSolution;
    private final M targetGradient;
    private final M batchMeans;
    private final M scaledBatch;
    private final double[] batchWeights;
    private final double[] averageWeights;
    private boolean closed;

    /**
     * @param kernels backend for the solves, where the state lives
     * @param manifold St(d, C) on that backend
     * @throws IllegalArgumentException on {@code C < 2}, {@code d < C} or null options
     */
    public ImplicitEtfState(DenseKernels<M> kernels, Manifold<M> manifold, int dimension,
            int numClasses, EtfOptions options) {
        this.kernels = kernels;
        this.solver = new NearestEtf<>(kernels, manifold, dimension, numClasses, options);
        // the closed form shares the solver's factorisation of G instead of decomposing it again
        this.solutionBackward = options.backwardMethod() == BackwardMethod.CLOSED_FORM
                ? new ProcrustesClosedFormBackward<>(kernels, solver.polarFactorisation())
                : options.backwardMethod().create(kernels);
        this.dimension = dimension;
        this.numClasses = numClasses;
        this.options = options;
        this.format = new ImplicitEtfStateFormat(dimension, numClasses);
        movingAverage = kernels.create(dimension, numClasses);
        seen = new boolean[numClasses];
        solution = kernels.create(dimension, numClasses);
        normalisedMeans = kernels.create(dimension, numClasses);
        present = new boolean[numClasses];
        firstSolution = kernels.create(dimension, numClasses);
        candidateAverage = kernels.create(dimension, numClasses);
        candidateSolution = kernels.create(dimension, numClasses);
        targetGradient = kernels.create(dimension, numClasses);
        batchMeans = kernels.create(dimension, numClasses);
        scaledBatch = kernels.create(dimension, numClasses);
        batchWeights = new double[numClasses];
        averageWeights = new double[numClasses];
    }

    /** The backend the state lives on. */
    public DenseKernels<M> kernels() {
        return kernels;
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
    public M movingAverage() {
        return movingAverage;
    }

    /** {@code Ht} of the last step ({@code d x C}, owned; do not modify). */
    public M normalisedMeans() {
        return normalisedMeans;
    }

    /** The current solution {@code U*} ({@code d x C}, owned; do not modify). */
    public M solution() {
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
    public NearestEtf<M> solver() {
        return solver;
    }

    /** {@code a_t = max(2/(t+1), emaFloor)}. */
    public static double rate(long step, double emaFloor) {
        return Math.max(2.0 / (step + 1.0), emaFloor);
    }

    /**
     * One training step with the feature scale unknown: {@link #advance(DMatrixRMaj, boolean[],
     * double)} with scale 0, so only exactly zero centred means and a first batch of a single
     * class are rejected. Callers that know the scale of the features (a head normalising them
     * to {@code tau}) should pass it.
     */
    public M advance(DMatrixRMaj batchCentredMeans, boolean[] presentInBatch) {
        return advance(batchCentredMeans, presentInBatch, 0.0);
    }

    /**
     * One training step: EMA update with the batch's centred class means, normalisation, solve.
     *
     * @param batchCentredMeans {@code Hbar_t} on the host (uploaded to the backend): column c is
     *     {@code hbar_c - hG} for the classes present in the batch (other columns are ignored)
     * @param presentInBatch which classes the batch contains
     * @param featureScale the norm of the features the means were taken of ({@code tau} for
     *     normalised features), or 0 when unknown: an EMA of norm at most
     *     {@value #ROUNDING_NOISE} times it is rounding noise, not a direction
     * @return the new solution {@code U*} (owned)
     * @throws IllegalArgumentException on a wrong shape, a non-finite entry or a negative or
     *     non-finite scale
     * @throws ArithmeticException when the EMA is zero relative to the feature scale (all class
     *     means equal, e.g. a batch of a single class: normalising the rounding noise of the
     *     centring would make {@code U*} depend on the batch's row order), or when the first
     *     batch holds fewer than two classes; classes never seen (zero columns) are fine
     */
    public M advance(DMatrixRMaj batchCentredMeans, boolean[] presentInBatch, double featureScale) {
        requireOpen();
        MatrixChecks.requireShape(batchCentredMeans, dimension, numClasses, "batch centred class means");
        MatrixChecks.requireFinite(batchCentredMeans, "batch centred class means");
        if (presentInBatch == null || presentInBatch.length != numClasses) {
            throw new IllegalArgumentException("presentInBatch: expected " + numClasses + " flags");
        }
        if (!(featureScale >= 0) || !Double.isFinite(featureScale)) {
            throw new IllegalArgumentException("featureScale must be finite and >= 0, got " + featureScale);
        }
        long nextStep = step + 1;
        requireTwoClassesSeen(presentInBatch, nextStep);
        backwardReady = false;
        double nextRate = rate(nextStep, options.emaFloor());
        // everything goes into candidates first: a failed step leaves the state as it was
        kernels.copyFromHost(batchCentredMeans, batchMeans);
        for (int label = 0; label < numClasses; label++) {
            batchWeights[label] = presentInBatch[label] ? nextRate : 0;
            averageWeights[label] = presentInBatch[label] ? 1 - nextRate : 1;
        }
        kernels.scaleColumns(batchMeans, batchWeights, scaledBatch);
        kernels.scaleColumns(movingAverage, averageWeights, candidateAverage);
        kernels.addScaled(1, scaledBatch, 1, candidateAverage, candidateAverage);
        double norm = kernels.normF(candidateAverage);
        if (!(norm > 0) || !Double.isFinite(norm)) {
            throw new ArithmeticException("implicit ETF: the moving average of the centred class means is "
                    + (norm == 0 ? "all zero" : "not finite") + " at step " + nextStep
                    + "; the nearest ETF is undefined");
        }
        double noiseLevel = ROUNDING_NOISE * featureScale;
        if (norm <= noiseLevel) {
            throw new ArithmeticException("implicit ETF: the moving average of the centred class means has norm "
                    + norm + " at step " + nextStep + ", at most the rounding level " + noiseLevel + " ("
                    + ROUNDING_NOISE + " x feature scale " + featureScale + "): the class means seen are all"
                    + " equal (e.g. only one class present), so there is nothing to align the ETF to");
        }
        kernels.copy(candidateAverage, normalisedMeans);
        kernels.scale(1.0 / norm, normalisedMeans);
        if (!hasSolution) {
            solver.startPoint(firstSolution);
            solver.solveUnregularised(normalisedMeans, firstSolution, firstSolution);
            lastResult = solver.solveFromSolution(normalisedMeans, firstSolution, firstSolution, candidateSolution);
        } else {
            lastResult = solver.solveFromSolution(normalisedMeans, solution, solution, candidateSolution);
        }
        kernels.copy(candidateAverage, movingAverage);
        kernels.copy(candidateSolution, solution);
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

    /**
     * {@code dL/dHbar_t} from {@code dL/dU*} for the last {@link #advance}: through the
     * solution (configured {@link BackwardMethod}), the normalisation
     * {@code dL/dE = (dL/dHt - Ht <Ht, dL/dHt>) / ||E||} and the EMA ({@code a_t} for the
     * classes present, 0 for the others).
     *
     * @param solutionGradient {@code dL/dU*}, {@code d x C}
     * @param out {@code d x C} (a host {@link DMatrixRMaj} is reshaped to it)
     * @throws IllegalStateException when no step has been taken since construction or restore
     */
    public M backward(M solutionGradient, M out) {
        requireOpen();
        if (!backwardReady) {
            throw new IllegalStateException("implicit ETF backward: no forward step to differentiate");
        }
        requireShape(solutionGradient, "solution gradient dL/dU*");
        if (out instanceof DMatrixRMaj host) {
            host.reshape(dimension, numClasses);
        }
        requireShape(out, "out");
        if (!kernels.allFinite(solutionGradient)) {
            throw new IllegalArgumentException("solution gradient dL/dU*: contains NaN or infinite entries");
        }
        normalisedMeansGradient(solutionGradient, targetGradient);
        double radial = kernels.dot(targetGradient, normalisedMeans);
        kernels.addScaled(1, targetGradient, -radial, normalisedMeans, scaledBatch);
        for (int label = 0; label < numClasses; label++) {
            batchWeights[label] = present[label] ? rate / movingAverageNorm : 0;
        }
        kernels.scaleColumns(scaledBatch, batchWeights, out);
        return out;
    }

    /**
     * Before any class is seen the EMA is zero, so the first batch alone must hold two classes:
     * the centred mean of a single class is {@code hbar_c - hG = 0}, computed as rounding noise.
     */
    private void requireTwoClassesSeen(boolean[] presentInBatch, long nextStep) {
        int classesSeen = 0;
        int onlyClass = -1;
        for (int label = 0; label < numClasses; label++) {
            if (seen[label] || presentInBatch[label]) {
                classesSeen++;
                onlyClass = label;
            }
        }
        if (classesSeen < 2) {
            throw new ArithmeticException("implicit ETF: " + (classesSeen == 0 ? "no class"
                    : "only one class (" + onlyClass + ")") + " present by step " + nextStep
                    + "; its centred mean is zero, so there is nothing to align the ETF to"
                    + " (the first batch needs at least two classes)");
        }
    }

    private void requireShape(M matrix, String name) {
        if (matrix == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (kernels.rows(matrix) != dimension || kernels.cols(matrix) != numClasses) {
            throw new IllegalArgumentException(name + ": expected " + dimension + " x " + numClasses + ", got "
                    + kernels.rows(matrix) + " x " + kernels.cols(matrix));
        }
    }

    /**
     * {@code dL/dHt} from {@code dL/dU*} by the configured method (ddn-gradients, sign convention
     * of {@link DeclarativeBackward}): for the closed form {@code dL/dHt = (2/sqrt(C-1)) dL/dG Mc}
     * with {@code dL/dG} from the polar factor's derivative; the implicit methods solve with the
     * Riemannian Hessian and apply the mixed-derivative adjoint {@code -(2/sqrt(C-1)) xi Mc}.
     * The problem still holds this step's {@code Ht} and {@code Uprox}.
     */
    private void normalisedMeansGradient(M solutionGradient, M out) {
        solutionBackward.vjp(solver.problem(), solution, solutionGradient, out);
    }

    /**
     * Writes the persistent state. Format version 2 (big-endian, {@link DataOutputStream}):
     * <pre>
     *   header:   int magic "ETFS", int version (2), int d, int C, long payloadLength
     *   payload:  long step, boolean hasSolution, C booleans seen,
     *             d*C doubles HbarEMA (row-major), then, when hasSolution, d*C doubles U* (row-major)
     *   trailer:  int CRC-32 of header and payload
     * </pre>
     * {@code payloadLength} is the payload's byte count, so that {@link #restore} can name a
     * truncated state, a corrupted one (checksum) and bytes after the end. Options are not
     * stored: the caller restores into a state built with its own options.
     */
    public void save(DataOutputStream output) throws IOException {
        requireOpen();
        DMatrixRMaj hostAverage = kernels.toHost(movingAverage, new DMatrixRMaj(dimension, numClasses));
        DMatrixRMaj hostSolution = hasSolution ? kernels.toHost(solution, new DMatrixRMaj(dimension, numClasses)) : null;
        format.write(output, new ImplicitEtfStateFormat.Saved(step, seen, hostAverage, hostSolution));
    }

    /**
     * Replaces the persistent state by one written by {@link #save}; the state must be the
     * whole rest of {@code input} (it is read to its end, so that bytes after the state are
     * noticed). The next {@link #advance} continues with step {@code t + 1}; {@link #backward}
     * needs a new step first.
     *
     * @throws IOException on a read failure, or naming what is wrong: an empty or truncated
     *     input, another magic number or version, another d or C, a checksum that does not
     *     match (a corrupted byte), bytes after the checksum, or a non-finite EMA or a solution
     *     that is not a point of St(d, C) (the state is unchanged then)
     */
    public void restore(DataInputStream input) throws IOException {
        requireOpen();
        ImplicitEtfStateFormat.Saved saved = format.read(input);
        DMatrixRMaj storedSolution = saved.solution();
        if (storedSolution != null) {
            kernels.copyFromHost(storedSolution, candidateSolution);
            try {
                solver.manifold().checkPoint(candidateSolution, RESTORED_POINT_TOLERANCE);
            } catch (IllegalArgumentException notAPoint) {
                throw new IOException("implicit ETF state: the stored solution is not a point of St(d, C): "
                        + notAPoint.getMessage(), notAPoint);
            }
        }
        step = saved.step();
        System.arraycopy(saved.seen(), 0, seen, 0, numClasses);
        kernels.copyFromHost(saved.movingAverage(), movingAverage);
        hasSolution = saved.hasSolution();
        if (hasSolution) {
            kernels.copy(candidateSolution, solution);
        } else {
            kernels.zero(solution);
        }
        backwardReady = false;
        Arrays.fill(present, false);
    }

    /**
     * Frees the state's matrices, the solution backward's workspaces, the solver's workspaces
     * and the polar factorisation they share (device memory on a GPU backend); the kernels and
     * the manifold passed in stay the caller's. Closing twice is harmless; {@link #advance},
     * {@link #backward}, {@link #save} and {@link #restore} throw {@link IllegalStateException}
     * afterwards.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        solutionBackward.close();
        solver.close();
        // the closed-form backward shares the solver's factorisation without owning it
        solver.polarFactorisation().close();
        for (M m : java.util.Arrays.asList(movingAverage, solution, normalisedMeans, firstSolution, candidateAverage,
                candidateSolution, targetGradient, batchMeans, scaledBatch)) {
            kernels.free(m);
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("ImplicitEtfState was closed (its workspaces are freed)");
        }
    }
}
