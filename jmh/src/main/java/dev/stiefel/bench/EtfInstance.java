package dev.stiefel.bench;

import dev.stiefel.testkit.TestMatrices;
import dev.stiefel.etf.EtfOptions;
import dev.stiefel.etf.EtfSolverMethod;
import dev.stiefel.etf.NearestEtf;
import dev.stiefel.etf.NearestEtfProblem;
import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import dev.stiefel.solver.StoppingCriteria;
import org.ejml.data.DMatrixRMaj;

/**
 * One nearest-ETF problem (7) as a training step meets it ({@code docs/mathematics.md} sections
 * 2 and 4), shared by the solver, nearest-ETF and CUDA benchmarks:
 * <ul>
 *   <li>{@code Ht}: normalised centred Gaussian "class means";</li>
 *   <li>{@code Uprox}: the previous step's solution, i.e. the closed-form solution of (6) for
 *       a drifted target {@code normalise(Ht + DRIFT * noise)} started at {@code [I_C; 0]};</li>
 *   <li>{@code delta} from {@link EtfOptions#defaults()} ({@code 1e-3}, the paper's value);</li>
 *   <li>{@code U*}: the closed-form solution of (7), and a Gaussian upstream gradient
 *       {@code dL/dU*} for the backward passes.</li>
 * </ul>
 * After construction the problem holds {@code (Ht, Uprox, delta)} and {@code U*} is its
 * minimiser, so iterative solvers started at {@code Uprox} do a realistic warm-started solve.
 *
 * @param <M> the backend's matrix type
 */
final class EtfInstance<M> {

    /** Relative size of the drift of the class means between two training steps. */
    static final double DRIFT = 0.1;

    final Size size;
    final DenseKernels<M> kernels;
    final Stiefel<M> manifold;
    final EtfOptions options;
    final NearestEtf<M> nearestEtf;
    final NearestEtfProblem<M> problem;
    final M normalisedMeans;
    final M proximalPoint;
    final M solution;
    final M upstream;

    EtfInstance(DenseKernels<M> kernels, Size size) {
        this.size = size;
        this.kernels = kernels;
        int d = size.rows();
        int c = size.cols();
        this.manifold = new Stiefel<>(kernels, d, c, StiefelRetraction.QR);
        this.options = EtfOptions.defaults();
        this.nearestEtf = new NearestEtf<>(kernels, manifold, d, c, options);
        this.problem = nearestEtf.problem();

        DMatrixRMaj means = centredNormalised(TestMatrices.gaussian(d, c, TestMatrices.SEED + 10));
        DMatrixRMaj drifted = TestMatrices.gaussian(d, c, TestMatrices.SEED + 11);
        for (int i = 0; i < drifted.data.length; i++) {
            drifted.data[i] = means.data[i] + DRIFT * drifted.data[i] / Math.sqrt(drifted.data.length);
        }
        normalisedMeans = kernels.fromHost(means);
        M previousMeans = kernels.fromHost(centredNormalised(drifted));
        M start = kernels.create(d, c);
        kernels.setIdentity(start);
        proximalPoint = kernels.create(d, c);
        nearestEtf.solveUnregularised(previousMeans, start, proximalPoint);
        solution = kernels.create(d, c);
        nearestEtf.solve(normalisedMeans, proximalPoint, null, solution);
        upstream = kernels.fromHost(TestMatrices.gaussian(d, c, TestMatrices.SEED + 12));
        kernels.free(previousMeans);
        kernels.free(start);
    }

    /** The stopping rule {@link NearestEtf} gives its Riemannian solvers ({@link EtfOptions#solverStopping()}). */
    StoppingCriteria solverStopping() {
        return options.solverStopping();
    }

    /**
     * A second {@code NearestEtf} on the same backend and manifold, solving by {@code method}
     * with this instance's options otherwise (its own problem object, so the two never share
     * parameters).
     */
    NearestEtf<M> nearestEtf(EtfSolverMethod method) {
        return new NearestEtf<>(kernels, manifold, size.rows(), size.cols(), options.withMethod(method));
    }

    /** A new {@code d x C} backend matrix. */
    M create() {
        return kernels.create(size.rows(), size.cols());
    }

    /** {@code A Mc / ||A Mc||_F}: rows centred over the classes, unit Frobenius norm. */
    static DMatrixRMaj centredNormalised(DMatrixRMaj a) {
        DMatrixRMaj out = a.copy();
        double sumOfSquares = 0;
        for (int i = 0; i < out.numRows; i++) {
            double mean = 0;
            for (int j = 0; j < out.numCols; j++) {
                mean += out.get(i, j);
            }
            mean /= out.numCols;
            for (int j = 0; j < out.numCols; j++) {
                double value = out.get(i, j) - mean;
                out.set(i, j, value);
                sumOfSquares += value * value;
            }
        }
        double norm = Math.sqrt(sumOfSquares);
        for (int i = 0; i < out.data.length; i++) {
            out.data[i] /= norm;
        }
        return out;
    }
}
