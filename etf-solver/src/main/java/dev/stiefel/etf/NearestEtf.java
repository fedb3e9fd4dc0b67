package dev.stiefel.etf;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Manifold;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.solver.ConjugateGradient;
import dev.stiefel.solver.ConjugateGradientOptions;
import dev.stiefel.solver.Solver;
import dev.stiefel.solver.SolverResult;
import dev.stiefel.solver.TrustRegions;
import dev.stiefel.solver.TrustRegionsOptions;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;

/**
 * Solves the nearest simplex-ETF problems (6) and (7) on St(d, C) (spec {@code nearest-etf.md}
 * section 2) by the closed form (the default) or by a Riemannian solver.
 *
 * <p><b>Closed form of (7).</b> On St(d, C) {@code ||U Mt||_F} and {@code ||U||_F} are
 * constant, so (7) is {@code max <U, G>} with {@code G = (2/sqrt(C-1)) Ht Mc + delta Uprox}
 * (orthogonal Procrustes, Schoenemann 1966): {@code U* = polar(G)}, unique when {@code G} has
 * rank C. Computed in the backend's precision by {@link DenseKernels#polar}.
 *
 * <p><b>Closed form of (6)</b> ({@code delta = 0}). {@code G = Ht Mc} has {@code G 1 = 0} and
 * rank C-1, so its polar factor is not unique: the minimisers are
 * {@code U = Ur Vr^T + u0 1^T/sqrt(C)}, {@code G = Ur Sr Vr^T} the rank-(C-1) SVD and
 * {@code u0} any unit vector orthogonal to {@code range(G)}. They differ only in {@code U 1},
 * so the classifier {@code U Mc} is the same for all. This class completes {@code G} to
 * {@code G + s_max u0 1^T / sqrt(C)} and takes its polar factor, with {@code u0} the
 * normalised projection of {@code start 1} onto {@code range(G)}'s orthogonal complement: that
 * is the minimiser <em>nearest to the start point</em> (it maximises {@code <U, start>} over
 * all minimisers), which matches what a local solver started there would tend to. When
 * {@code start 1} lies (numerically) in {@code range(G)}, the left singular vector of the zero
 * singular value is used. The projection is done twice (classical Gram-Schmidt, "twice is
 * enough") so {@code u0} is orthogonal to {@code range(G)} to working precision.
 *
 * <p><b>Riemannian solvers.</b> {@link EtfSolverMethod#TRUST_REGIONS} (the paper's solver,
 * Absil, Baker, Gallivan 2007) or {@link EtfSolverMethod#CONJUGATE_GRADIENT} run on
 * {@link NearestEtfProblem} with its exact Euclidean gradient and Hessian, stopped by
 * {@link EtfOptions#solverStopping()}, without recording a history. For d > C they reach the
 * closed form from any start; for d = C (the orthogonal group, two components that retractions
 * never leave) a start of the other determinant sign ends at the best point of its own
 * component, a worse stationary point.
 *
 * <p>Workspaces live in fields, and the solver objects keep theirs across solves. Not
 * thread-safe.
 *
 * @param <M> the backend's matrix type
 */
public final class NearestEtf<M> {

    /** Below this relative norm the projection of {@code start 1} is not trusted as a direction. */
    private static final double COMPLETION_DIRECTION_TOLERANCE = 1e-6;

    private final DenseKernels<M> kernels;
    private final Manifold<M> manifold;
    private final EtfOptions options;
    private final NearestEtfProblem<M> problem;
    private final int dimension;
    private final int numClasses;

    private final M procrustes;
    private final M leftSingular;
    private final double[] singularValues;
    private final M rightSingular;
    private final M ones;
    private final M lastUnit;
    private final M direction;
    private final M lastLeftSingular;
    private final M coefficients;
    private final Solver<M> iterativeSolver;

    /**
     * @param kernels the backend
     * @param manifold St(d, C) on that backend
     * @throws IllegalArgumentException on {@code C < 2}, {@code d < C} or mismatched manifold
     */
    public NearestEtf(DenseKernels<M> kernels, Manifold<M> manifold, int dimension, int numClasses,
            EtfOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        this.problem = new NearestEtfProblem<>(kernels, manifold, dimension, numClasses);
        this.kernels = kernels;
        this.manifold = manifold;
        this.options = options;
        this.dimension = dimension;
        this.numClasses = numClasses;
        procrustes = kernels.create(dimension, numClasses);
        leftSingular = kernels.create(dimension, numClasses);
        singularValues = new double[numClasses];
        rightSingular = kernels.create(numClasses, numClasses);
        DMatrixRMaj host = new DMatrixRMaj(numClasses, 1);
        host.fill(1.0);
        ones = kernels.fromHost(host);
        host.zero();
        host.set(numClasses - 1, 0, 1.0);
        lastUnit = kernels.fromHost(host);
        direction = kernels.create(dimension, 1);
        lastLeftSingular = kernels.create(dimension, 1);
        coefficients = kernels.create(numClasses, 1);
        iterativeSolver = switch (options.method()) {
            case CLOSED_FORM -> null;
            case TRUST_REGIONS -> new TrustRegions<>(TrustRegionsOptions.defaults()
                    .withStopping(options.solverStopping()).withRecordHistory(false));
            case CONJUGATE_GRADIENT -> new ConjugateGradient<>(ConjugateGradientOptions.defaults()
                    .withStopping(options.solverStopping()).withRecordHistory(false));
        };
    }

    /** On the default CPU backend ({@link Kernels#cpu()}, St(d, C) with the QR retraction). */
    public static NearestEtf<DMatrixRMaj> onCpu(int dimension, int numClasses, EtfOptions options) {
        SimplexEtf.requireDimensions(dimension, numClasses);
        return new NearestEtf<>(Kernels.cpu(), Stiefel.onCpu(dimension, numClasses), dimension, numClasses, options);
    }

    public EtfOptions options() {
        return options;
    }

    /** The problem of the last solve, with its parameters still set (for implicit backward passes). */
    public NearestEtfProblem<M> problem() {
        return problem;
    }

    public Manifold<M> manifold() {
        return manifold;
    }

    public DenseKernels<M> kernels() {
        return kernels;
    }

    /**
     * The configured first start point: {@code [I_C; 0]} or a Haar-random point from
     * {@link EtfOptions#seed()}.
     *
     * @return {@code out}
     */
    public M startPoint(M out) {
        if (options.start() == EtfStart.HAAR) {
            manifold.randomPoint(new SplittableRandom(options.seed()), out);
        } else {
            kernels.setIdentity(out);
        }
        return out;
    }

    /**
     * Problem (7) with {@code delta} from the options: {@code out = argmin ||Ht - U Mt||^2 +
     * (delta/2)||U - Uprox||^2}.
     *
     * @param normalisedMeans {@code Ht}, {@code d x C}
     * @param proximalPoint {@code Uprox}, a point of St(d, C)
     * @param start start of an iterative solver; {@code null} means {@code Uprox}; unused by
     *     the closed form
     * @param out receives {@code U*}; may alias any input
     * @throws ArithmeticException when {@code G} is rank deficient
     */
    public EtfSolveResult solve(M normalisedMeans, M proximalPoint, M start, M out) {
        problem.setTarget(normalisedMeans);
        problem.setProximal(options.delta(), proximalPoint);
        return solveCurrent(start == null ? proximalPoint : start, out);
    }

    /**
     * Problem (6): {@code out = argmin ||Ht - U Mt||^2}, the minimiser nearest to {@code start}
     * for the closed form (see the class comment), the local solver's limit from {@code start}
     * otherwise.
     *
     * @param start a point of St(d, C)
     * @param out receives {@code U*}; may alias any input
     * @throws ArithmeticException when the centred means span fewer than C-1 dimensions
     */
    public EtfSolveResult solveUnregularised(M normalisedMeans, M start, M out) {
        problem.setTarget(normalisedMeans);
        problem.removeProximal();
        return solveCurrent(start, out);
    }

    private EtfSolveResult solveCurrent(M start, M out) {
        if (iterativeSolver != null) {
            if (start == null) {
                throw new IllegalArgumentException(options.method() + " needs a start point");
            }
            SolverResult<M> result = iterativeSolver.solve(problem, start, out);
            return new EtfSolveResult(options.method(), result.iterations(), result.cost(),
                    result.stopReason().name(), result.gradientNorm());
        }
        if (problem.hasProximal()) {
            problem.procrustesMatrix(procrustes);
            polarOrExplain(out);
        } else {
            completedPolar(start, out);
        }
        return new EtfSolveResult(EtfSolverMethod.CLOSED_FORM, 0, problem.cost(out), "CLOSED_FORM", Double.NaN);
    }

    /** Closed form of (6): completes the rank-(C-1) {@code Ht Mc} towards {@code start 1}. */
    private void completedPolar(M start, M out) {
        if (start == null) {
            throw new IllegalArgumentException("problem (6) needs a start point (it picks among equivalent minimisers)");
        }
        problem.procrustesMatrix(procrustes);
        kernels.svdThin(procrustes, leftSingular, singularValues, rightSingular);
        double largest = singularValues[0];
        double rankTolerance = dimension * Math.ulp(1.0) * largest;
        if (!(largest > 0) || singularValues[numClasses - 2] <= rankTolerance) {
            throw new ArithmeticException("nearest ETF (6): the centred class means span fewer than C-1 = "
                    + (numClasses - 1) + " dimensions (singular values " + largest + " ... "
                    + singularValues[numClasses - 2] + "); the nearest ETF is not unique");
        }
        kernels.gemm(1.0, leftSingular, false, lastUnit, false, 0.0, lastLeftSingular);
        kernels.gemm(1.0, start, false, ones, false, 0.0, direction);
        double startNorm = kernels.normF(direction);
        for (int pass = 0; pass < 2; pass++) {
            // remove the components along the first C-1 left singular vectors (range(G))
            kernels.gemm(1.0, leftSingular, true, direction, false, 0.0, coefficients);
            double alongLast = kernels.dot(lastUnit, coefficients);
            kernels.gemm(-1.0, leftSingular, false, coefficients, false, 1.0, direction);
            kernels.addScaled(1.0, direction, alongLast, lastLeftSingular, direction);
        }
        double norm = kernels.normF(direction);
        if (!(norm > COMPLETION_DIRECTION_TOLERANCE * startNorm)) {
            kernels.copy(lastLeftSingular, direction);
            norm = kernels.normF(direction);
        }
        kernels.gemm(largest / (norm * Math.sqrt(numClasses)), direction, false, ones, true, 1.0, procrustes);
        polarOrExplain(out);
    }

    private void polarOrExplain(M out) {
        try {
            kernels.polar(procrustes, out);
        } catch (ArithmeticException rankDeficient) {
            throw new ArithmeticException("nearest ETF: G = (2/sqrt(C-1)) Ht Mc + delta Uprox is rank deficient,"
                    + " the nearest ETF is not unique (" + rankDeficient.getMessage() + ")");
        }
    }
}
