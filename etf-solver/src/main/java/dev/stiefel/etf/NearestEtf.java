package dev.stiefel.etf;

import dev.stiefel.ddn.PolarBackward;
import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Manifold;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.solver.Solver;
import dev.stiefel.solver.SolverResult;
import dev.stiefel.solver.TrustRegionsOptions;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;

/**
 * Solves the nearest simplex-ETF problems (6) and (7) on St(d, C) ({@code docs/mathematics.md}
 * section 2) by the closed form (the default) or by a Riemannian solver.
 *
 * <p><b>Closed form of (7).</b> On St(d, C) {@code ||U Mt||_F} and {@code ||U||_F} are
 * constant, so (7) is {@code max <U, G>} with {@code G = (2/sqrt(C-1)) Ht Mc + delta Uprox}
 * (orthogonal Procrustes, Schoenemann 1966): {@code U* = polar(G)}, unique when {@code G} has
 * rank C. Computed in the backend's precision by {@link PolarBackward#forward} (the backend's
 * eigen route, {@link DenseKernels#polarFromGramEigen}, else a thin SVD), which keeps the
 * factorisation for the closed-form backward.
 *
 * <p><b>Closed form of (6)</b> ({@code delta = 0}). {@code G = Ht Mc} has {@code G 1 = 0},
 * so its rank is {@code r = C - k} with {@code k >= 1}; {@code k > 1} when classes are missing
 * (a class never seen has a zero EMA column, docs/mathematics.md section 4.4). With the thin SVD
 * {@code G = U S V^T}, {@code Ur, Vr} the first r singular pairs and {@code Vn} (C x k) the
 * null right singular vectors, the minimisers are {@code U = Ur Vr^T + W Vn^T}, {@code W}
 * (d x k) with orthonormal columns orthogonal to {@code range(G)} (they all attain
 * {@code max <U, G> = tr S}). They differ in {@code U Vn}. This class returns the minimiser
 * <em>nearest to the start point</em> (it maximises {@code <U, start>}):
 * {@code W = polar(X)}, {@code X = P_perp start Vn}, {@code P_perp = I - Ur Ur^T}, projected
 * twice (classical Gram-Schmidt, "twice is enough"). It is computed from the eigenpairs of
 * {@code T^T T + shift Vr Vr^T}, {@code T = P_perp start Vn Vn^T = X Vn^T} ({@code C x C}, so
 * the varying k needs no workspace of its own): the k smallest eigenvalues are the squared
 * singular values {@code sigma_i^2} of X with eigenvectors {@code Vn b_i}, and
 * {@code W Vn^T = sum_i T q_i q_i^T / sigma_i}. When {@code sigma_i} is below
 * {@value #COMPLETION_DIRECTION_TOLERANCE} times the start's scale (the start lies nearly in
 * {@code range(G)} along that direction, and every unit vector is as good to within that
 * amount), its column of W is completed deterministically: the null left singular vector of G
 * with the largest component outside {@code range(G)} and the columns of W chosen so far
 * (always at least {@code 1/sqrt(k)}), Gram-Schmidt twice. Finally the polar factor of
 * {@code G + s_max W Vn^T} (whose SVD is {@code [Ur W] diag(Sr, s_max) [Vr Vn]^T}) restores
 * orthonormality to working precision. For k = 1 this is {@code u0 1^T / sqrt(C)} with
 * {@code u0} the normalised projection of {@code start 1}. The classifier {@code U Mc} depends
 * on the completion only in the columns of never-seen classes: with Z the set of classes whose
 * column of {@code Ht} is zero, generically {@code null(G) = span(1, e_a - e_b : a, b in Z)}
 * (so k = max(|Z|, 1)), {@code Vn Vn^T Mc} is the projector onto the vectors supported on Z
 * with zero sum, and {@code U Mc e_j = Ur Vr^T e_j} for every class j outside Z. Rank 0
 * ({@code G = 0}, e.g. all class means equal) has no nearest ETF and throws.
 *
 * <p><b>Riemannian solvers.</b> {@link EtfSolverMethod#TRUST_REGIONS} (the paper's solver,
 * Absil, Baker, Gallivan 2007), {@link EtfSolverMethod#CONJUGATE_GRADIENT} or
 * {@link EtfSolverMethod#RIEMANNIAN_LBFGS} run on
 * {@link NearestEtfProblem} with its exact Euclidean gradient and Hessian, stopped by
 * {@link EtfOptions#solverStopping()}, recording a history when
 * {@link EtfOptions#recordHistory()}; any other {@link Solver} can be given to the constructor
 * instead. For d > C they reach the closed form from any start; for d = C (the orthogonal group, two components that retractions
 * never leave) a start of the other determinant sign ends at the best point of its own
 * component, a worse stationary point.
 *
 * <p>Workspaces live in fields, and the solver objects keep theirs across solves; {@link #close()}
 * frees them. Not thread-safe.
 *
 * @param <M> the backend's matrix type
 */
public final class NearestEtf<M> implements AutoCloseable {

    /** Below this relative norm the projection of {@code start 1} is not trusted as a direction. */
    private static final double COMPLETION_DIRECTION_TOLERANCE = 1e-6;
    /**
     * Largest {@code ||Uprox^T Uprox - I||_F} accepted for the proximal point: the default of the
     * solvers' start-point check ({@link TrustRegionsOptions#pointTolerance()}).
     */
    static final double PROXIMAL_POINT_TOLERANCE = 1e-8;

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
    private final double[] rangeMask;
    private final double[] nullMask;
    private final double[] completionScale;
    private final double[] selector;
    private final double[] eigenvalues;
    private final M rangeLeft;
    private final M rangeRight;
    private final M nullRight;
    private final M startNull;
    private final M nullPart;
    private final M gram;
    private final M projectionCoefficients;
    private final M eigenvectors;
    private final M completion;
    private final M candidate;
    private final M candidateCoefficients;
    private final M ones;
    private final M onesRow;
    private final M unitRow;
    /** The solver of problems (6) and (7); null for the closed form. */
    private final Solver<M> iterativeSolver;
    private final EtfSolverMethod method;
    private boolean closed;
    private final PolarBackward<M> polarFactorisation;

    /**
     * With the method of {@code options} ({@link EtfOptions#method()}; the closed form by
     * default).
     *
     * @param kernels the backend
     * @param manifold St(d, C) on that backend
     * @throws IllegalArgumentException on {@code C < 2}, {@code d < C} or mismatched manifold
     */
    public NearestEtf(DenseKernels<M> kernels, Manifold<M> manifold, int dimension, int numClasses,
            EtfOptions options) {
        this(kernels, manifold, dimension, numClasses, options, null, true);
    }

    /**
     * With {@code solver} for problems (6) and (7) in place of {@link EtfOptions#method()}: any
     * {@link Solver} of St(d, C) on this backend, e.g. a library solver with options of your
     * choice or a subclass of {@link dev.stiefel.solver.IterativeSolver}. It runs on
     * {@link NearestEtfProblem} from the start point of each solve, with its own stopping
     * criteria ({@link EtfOptions#solverStopping()} and {@link EtfOptions#recordHistory()} do not
     * apply to it), and its results report {@link EtfSolverMethod#GIVEN_SOLVER}.
     *
     * @param kernels the backend
     * @param manifold St(d, C) on that backend
     * @param solver owned by this object from now on ({@link #close()} closes it); null for the
     *     closed form
     * @throws IllegalArgumentException on {@code C < 2}, {@code d < C} or mismatched manifold
     */
    public NearestEtf(DenseKernels<M> kernels, Manifold<M> manifold, int dimension, int numClasses,
            EtfOptions options, Solver<M> solver) {
        this(kernels, manifold, dimension, numClasses, options, solver, false);
    }

    private NearestEtf(DenseKernels<M> kernels, Manifold<M> manifold, int dimension, int numClasses,
            EtfOptions options, Solver<M> solver, boolean solverFromOptions) {
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
        rangeMask = new double[numClasses];
        nullMask = new double[numClasses];
        completionScale = new double[numClasses];
        selector = new double[numClasses];
        eigenvalues = new double[numClasses];
        rangeLeft = kernels.create(dimension, numClasses);
        rangeRight = kernels.create(numClasses, numClasses);
        nullRight = kernels.create(numClasses, numClasses);
        startNull = kernels.create(dimension, numClasses);
        nullPart = kernels.create(dimension, numClasses);
        gram = kernels.create(numClasses, numClasses);
        projectionCoefficients = kernels.create(numClasses, numClasses);
        eigenvectors = kernels.create(numClasses, numClasses);
        completion = kernels.create(dimension, numClasses);
        candidate = kernels.create(dimension, 1);
        candidateCoefficients = kernels.create(numClasses, 1);
        DMatrixRMaj host = new DMatrixRMaj(numClasses, 1);
        host.fill(1.0);
        ones = kernels.fromHost(host);
        host.reshape(1, numClasses);
        host.fill(1.0);
        onesRow = kernels.fromHost(host);
        unitRow = kernels.create(1, numClasses);
        polarFactorisation = new PolarBackward<>(kernels);
        if (solverFromOptions) {
            method = options.method();
            iterativeSolver = method.newSolver(options);
        } else {
            method = solver == null ? EtfSolverMethod.CLOSED_FORM : EtfSolverMethod.GIVEN_SOLVER;
            iterativeSolver = solver;
        }
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

    /**
     * The polar factor's factorisation from the last closed-form solve ({@code G} and its
     * eigen or SVD factors), for a backward pass that reuses it
     * ({@link dev.stiefel.ddn.ProcrustesClosedFormBackward}).
     */
    public PolarBackward<M> polarFactorisation() {
        return polarFactorisation;
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
     * @throws IllegalArgumentException when {@code Uprox} is not a point of St(d, C) (checked with
     *     {@code manifold.checkPoint} to {@value #PROXIMAL_POINT_TOLERANCE}, as the solvers check
     *     their start points): the closed form would silently solve another problem
     * @throws ArithmeticException when {@code G} is rank deficient
     */
    public EtfSolveResult solve(M normalisedMeans, M proximalPoint, M start, M out) {
        if (proximalPoint == null) {
            throw new IllegalArgumentException("nearest ETF (7): the proximal point Uprox must not be null");
        }
        try {
            manifold.checkPoint(proximalPoint, PROXIMAL_POINT_TOLERANCE);
        } catch (IllegalArgumentException notAPoint) {
            throw new IllegalArgumentException("nearest ETF (7): the proximal point Uprox is not a point of St("
                    + dimension + ", " + numClasses + "): " + notAPoint.getMessage(), notAPoint);
        }
        return solveFromSolution(normalisedMeans, proximalPoint, start, out);
    }

    /**
     * {@link #solve} without the proximal point's check, for a {@code Uprox} that is a solution
     * of this class (a polar factor, orthonormal to working precision) or was checked when it
     * was restored: the check would add a {@code d x C x C} product to every training step.
     */
    EtfSolveResult solveFromSolution(M normalisedMeans, M proximalPoint, M start, M out) {
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
     * @throws IllegalArgumentException when {@code start} is not a point of St(d, C) (checked
     *     as the proximal point of {@link #solve}): the closed form picks the minimiser nearest
     *     to it, which is meaningless for a zero or stretched start, and the iterative solvers
     *     reject it too
     * @throws ArithmeticException when the centred means are all zero (G = 0)
     */
    public EtfSolveResult solveUnregularised(M normalisedMeans, M start, M out) {
        problem.setTarget(normalisedMeans);
        problem.removeProximal();
        return solveCurrent(start, out);
    }

    private EtfSolveResult solveCurrent(M start, M out) {
        requireOpen();
        if (iterativeSolver != null) {
            if (start == null) {
                throw new IllegalArgumentException(method + " needs a start point");
            }
            SolverResult<M> result = iterativeSolver.solve(problem, start, out);
            return EtfSolveResult.of(method, result);
        }
        long started = System.nanoTime();
        if (problem.hasProximal()) {
            problem.procrustesMatrix(procrustes);
            polarOrExplain(out);
        } else {
            completedPolar(start, out);
        }
        double cost = problem.cost(out);
        return EtfSolveResult.closedForm(cost, (System.nanoTime() - started) * 1e-9);
    }

    /**
     * Frees the workspaces and those of the Riemannian solver (device memory on a GPU backend);
     * the manifold passed in is the caller's and stays open. Closing twice is harmless; a solve
     * afterwards throws {@link IllegalStateException}.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (iterativeSolver != null) {
            iterativeSolver.close();
        }
        for (M m : java.util.Arrays.asList(procrustes, leftSingular, rightSingular, rangeLeft, rangeRight, nullRight,
                startNull, nullPart, gram, projectionCoefficients, eigenvectors, completion, candidate,
                candidateCoefficients, ones, onesRow, unitRow)) {
            kernels.free(m);
        }
        polarFactorisation.close();
        problem.close();
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("NearestEtf was closed (its workspaces are freed); create a new one");
        }
    }

    /**
     * Closed form of (6): {@code out = polar(G + s_max W Vn^T)}, the minimiser nearest to
     * {@code start} (see the class comment). Everything runs through the kernels on workspaces
     * sized for the largest k (C - 1): the varying k is expressed by column masks.
     */
    private void completedPolar(M start, M out) {
        if (start == null) {
            throw new IllegalArgumentException("problem (6) needs a start point (it picks among equivalent minimisers)");
        }
        try {
            manifold.checkPoint(start, PROXIMAL_POINT_TOLERANCE);
        } catch (IllegalArgumentException notAPoint) {
            throw new IllegalArgumentException("nearest ETF (6): the start point is not a point of St(" + dimension
                    + ", " + numClasses + ") (the minimiser nearest to it is undefined): " + notAPoint.getMessage(),
                    notAPoint);
        }
        problem.procrustesMatrix(procrustes);
        kernels.svdThin(procrustes, leftSingular, singularValues, rightSingular);
        double largest = singularValues[0];
        double rankTolerance = dimension * Math.ulp(1.0) * largest;
        // G = (2/sqrt(C-1)) Ht Mc is computed with rounding errors of order eps ||Ht||: a G below
        // that is the zero matrix (all class means equal), not a rank-one signal
        double zeroTolerance = dimension * numClasses * Math.ulp(1.0) * 2.0 / Math.sqrt(numClasses - 1.0)
                * kernels.normF(problem.target());
        if (!(largest > zeroTolerance) || !Double.isFinite(largest)) {
            throw new ArithmeticException("nearest ETF (6): the centred class means are all zero (G = Ht Mc has rank"
                    + " 0, largest singular value " + largest + "); the nearest ETF is undefined");
        }
        // G 1 = 0 exactly, so at least the last singular value belongs to the null space even
        // when rounding lifts it above the tolerance
        int rank = 1;
        while (rank < numClasses - 1 && singularValues[rank] > rankTolerance) {
            rank++;
        }
        int nullity = numClasses - rank;
        for (int index = 0; index < numClasses; index++) {
            rangeMask[index] = index < rank ? 1.0 : 0.0;
            nullMask[index] = 1.0 - rangeMask[index];
        }
        kernels.scaleColumns(leftSingular, rangeMask, rangeLeft);
        kernels.scaleColumns(rightSingular, rangeMask, rangeRight);
        kernels.scaleColumns(rightSingular, nullMask, nullRight);

        // T = P_perp start Vn Vn^T (d x C), projected twice
        kernels.gemm(1.0, start, false, nullRight, false, 0.0, startNull);
        kernels.gemm(1.0, startNull, false, nullRight, true, 0.0, nullPart);
        for (int pass = 0; pass < 2; pass++) {
            kernels.gemm(1.0, rangeLeft, true, nullPart, false, 0.0, projectionCoefficients);
            kernels.gemm(-1.0, rangeLeft, false, projectionCoefficients, false, 1.0, nullPart);
        }
        // T^T T lives on range(Vn) with eigenvalues sigma_i^2 <= ||start||_F^2; the shift on
        // range(Vr) puts those eigenvalues above, so the k smallest are the wanted ones
        double startScale = kernels.normF(start);
        double shift = 2.0 * startScale * startScale + 1.0;
        kernels.gemm(1.0, nullPart, true, nullPart, false, 0.0, gram);
        kernels.gemm(shift, rangeRight, false, rangeRight, true, 1.0, gram);
        kernels.symmetricEigen(gram, eigenvectors, eigenvalues);

        // columns i < k of T Q scaled by 1/sigma_i are the columns of W (in the basis Vn b_i)
        double directionTolerance = COMPLETION_DIRECTION_TOLERANCE * startScale / Math.sqrt(numClasses);
        boolean needsCompletion = false;
        for (int index = 0; index < numClasses; index++) {
            double sigma = Math.sqrt(Math.max(eigenvalues[index], 0.0));
            boolean accepted = index < nullity && sigma > directionTolerance;
            completionScale[index] = accepted ? 1.0 / sigma : 0.0;
            needsCompletion |= index < nullity && !accepted;
        }
        kernels.gemm(1.0, nullPart, false, eigenvectors, false, 0.0, completion);
        kernels.scaleColumns(completion, completionScale, completion);
        if (needsCompletion) {
            completeDegenerateColumns(rank, nullity);
        }
        // the eigenvectors' columns i < k, as the right factor Vn B of W Vn^T
        for (int index = 0; index < numClasses; index++) {
            completionScale[index] = index < nullity ? 1.0 : 0.0;
        }
        kernels.scaleColumns(eigenvectors, completionScale, eigenvectors);
        kernels.gemm(largest, completion, false, eigenvectors, true, 1.0, procrustes);
        polarOrExplain(out);
    }

    /**
     * Fills the zero columns {@code i < k} of {@code completion} (directions in which the start
     * has no usable component outside {@code range(G)}) with unit vectors orthogonal to
     * {@code range(G)} and to the columns already there. Candidates are the null left singular
     * vectors of G; the one with the largest remaining component is taken. Since those k
     * vectors are orthonormal and orthogonal to {@code range(G)}, and fewer than k columns are
     * filled, the sum of their squared remaining norms is at least 1: the largest is at least
     * {@code 1/sqrt(k)}. Runs at most once per training run (step 1), so the scalar loop over
     * candidates is not a hot path.
     */
    private void completeDegenerateColumns(int rank, int nullity) {
        for (int column = 0; column < nullity; column++) {
            if (completionScale[column] != 0.0) {
                continue;
            }
            int best = -1;
            double bestNorm = -1;
            for (int index = rank; index < numClasses; index++) {
                double norm = projectedCandidate(index);
                if (norm > bestNorm) {
                    bestNorm = norm;
                    best = index;
                }
            }
            if (!(bestNorm > 0.5 / Math.sqrt(nullity))) {
                throw new ArithmeticException("nearest ETF (6): the null left singular vectors of G are not orthonormal"
                        + " (largest remaining component " + bestNorm + "); cannot complete the solution");
            }
            projectedCandidate(best);
            Arrays.fill(selector, 0.0);
            selector[column] = 1.0;
            kernels.scaleColumns(onesRow, selector, unitRow);
            kernels.gemm(1.0 / bestNorm, candidate, false, unitRow, false, 1.0, completion);
            completionScale[column] = 1.0;
        }
    }

    /**
     * {@code candidate} = left singular vector {@code index} of G with the components along
     * {@code range(G)} and along the columns of {@code completion} removed (twice).
     *
     * @return its norm
     */
    private double projectedCandidate(int index) {
        Arrays.fill(selector, 0.0);
        selector[index] = 1.0;
        kernels.scaleColumns(leftSingular, selector, startNull);
        kernels.gemm(1.0, startNull, false, ones, false, 0.0, candidate);
        for (int pass = 0; pass < 2; pass++) {
            kernels.gemm(1.0, rangeLeft, true, candidate, false, 0.0, candidateCoefficients);
            kernels.gemm(-1.0, rangeLeft, false, candidateCoefficients, false, 1.0, candidate);
            kernels.gemm(1.0, completion, true, candidate, false, 0.0, candidateCoefficients);
            kernels.gemm(-1.0, completion, false, candidateCoefficients, false, 1.0, candidate);
        }
        return kernels.normF(candidate);
    }

    private void polarOrExplain(M out) {
        try {
            polarFactorisation.forward(procrustes, out);
        } catch (ArithmeticException rankDeficient) {
            throw new ArithmeticException("nearest ETF: G = (2/sqrt(C-1)) Ht Mc"
                    + (problem.hasProximal() ? " + delta Uprox" : " + s_max W Vn^T (completed)")
                    + " is rank deficient, the nearest ETF is not unique (" + rankDeficient.getMessage() + ")");
        }
    }
}
