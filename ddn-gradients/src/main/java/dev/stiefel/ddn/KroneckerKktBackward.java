package dev.stiefel.ddn;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import java.util.Locale;
import org.ejml.data.DMatrixRMaj;

/**
 * {@link BackwardMethod#DENSE_KRONECKER}: the paper's dense implicit differentiation ({@code docs/mathematics.md}
 * section 5a; Gould, Hartley, Campbell, "Deep Declarative Networks",
 * Prop. 4.5) for problems on St(d, C) whose Euclidean Hessian is a right multiplication,
 * {@code Hess f[V] = V S} ({@link RightMultiplicationHessian}). With row-major
 * {@code vec} ({@code y[a C + b] = U_ab}) and the {@code m = C(C+1)/2} constraints
 * {@code u_i^T u_j = delta_ij} ({@code i <= j}, ordered row by row of the upper triangle):
 * <pre>
 *   Sigma = sym(U^T grad f(U))                     (Lagrange multipliers, paper App. B.1)
 *   K     = S - Sigma,    H = I_d (x) K             (Hessian of the Lagrangian)
 *   A     = D h(U),  m x dC,  row ij = vec(E_ij),   E_ij = u_j e_i^T + u_i e_j^T
 *   u     = -[H^-1 - H^-1 A^T (A H^-1 A^T)^-1 A H^-1] vec(Vbar)
 *   dL/dx = mixedDerivativeAdjoint(U, reshape(u))   (for the ETF: -(2/sqrt(C-1)) reshape(u) Mc)
 * </pre>
 *
 * <p>How: {@code A} is formed explicitly (dense, as the paper does: this is the reference with
 * its real memory). {@code K = Q diag(lambda) Q^T} (symmetric eigendecomposition, C x C), so
 * {@code K^-1 = F J F^T} with {@code F = Q |diag(lambda)|^-1/2} and {@code J = sign(lambda)}.
 * Each row of {@code A} is a {@code d x C} matrix {@code E}, and {@code E K^-1} is how
 * {@code H^-1} acts on it, so {@code B = A (I_d (x) F)} is one product of the
 * {@code (m d) x C} view of {@code A} with {@code F}, done in place block by block. Then
 * <pre>
 *   A H^-1 A^T = B J B^T,   A H^-1 vec(Vbar) = B vec(Vbar F J),
 *   H^-1 A^T z = reshape(B^T z) J F^T,   H^-1 vec(Vbar) = vec(Vbar F J F^T),
 * </pre>
 * with the {@code m x m} Schur matrix {@code B J B^T} from one gemm of the host kernels
 * ({@link Kernels#cpu()}: OpenBLAS when its natives load) and a Cholesky solve. At a strict local
 * minimiser with {@code d > C} the matrix {@code K} is positive definite (the tangent directions
 * {@code U_perp W} see {@code tr(W K W^T)}), {@code J = I} and {@code B} is the only
 * {@code m x dC} array; an indefinite nonsingular {@code K} (a saddle, or {@code d = C}) needs a
 * second one for {@code B J} and an LU solve.
 *
 * <p>Cost: memory {@code 8 (m dC + m^2)} bytes ({@code O(d C^3)}; at d = 1024, C = 100 about
 * 4.3 GB), time {@code 2 m^2 dC} flops for the Schur matrix ({@code O(d C^5)}). Before the large
 * allocations the bytes needed ({@link #requiredBytes}) are compared with
 * {@link Options#memoryLimitBytes()}: above it an {@link IllegalStateException} names both, so a
 * benchmark reports the size instead of dying with {@link OutOfMemoryError}. The large arrays are
 * allocated per call and not retained. Off the heap, OpenBLAS through JavaCPP works on native
 * copies of the Java arrays it is given (JNI {@code Get<Type>ArrayElements} copies on HotSpot):
 * during the Schur product, which passes {@code B} as both operands, the process holds about
 * three copies of {@code B} (observed: 12.8 GB resident at d = 1024, C = 100 with a 4.3 GB
 * estimate). Not thread-safe.
 *
 * @param <M> the backend's matrix type (of the problem's points)
 */
public final class KroneckerKktBackward<M> implements DeclarativeBackward<M> {

    /** Orthonormality a solution must have. */
    private static final double POINT_TOLERANCE = 1e-8;
    /** Relative asymmetry of S accepted as rounding. */
    private static final double SYMMETRY_TOLERANCE = 1e-10;
    /** Rows of the {@code (m d) x C} view of A transformed per block (bounds the block buffers). */
    private static final int BLOCK_ROWS = 4096;
    /** Largest element count of one Java array (a little below Integer.MAX_VALUE, as the JDK allows). */
    private static final long MAX_ARRAY_ELEMENTS = Integer.MAX_VALUE - 8L;
    private static final double BYTES_PER_GB = 1e9;

    /**
     * Options, immutable.
     *
     * @param memoryLimitBytes the most bytes the backward may allocate for {@code A} and the
     *     Schur matrix; above it {@link #vjp} throws {@link IllegalStateException} before
     *     allocating. Default ({@link #defaults()}): 60% of {@link Runtime#maxMemory()}.
     * @param singularityTolerance {@code K} counts as singular when its smallest eigenvalue
     *     magnitude is at most this times the largest. Default {@code 1e-12}.
     * @param stationarityTolerance largest accepted {@code ||grad f - U Sigma|| / ||grad f||}:
     *     larger means the point is not a KKT point. Default {@code 1e-6} (as {@link DenseKktBackward}).
     */
    public record Options(long memoryLimitBytes, double singularityTolerance, double stationarityTolerance) {

        /** Share of the maximum heap the default memory limit allows. */
        public static final double DEFAULT_HEAP_FRACTION = 0.6;

        /** @throws IllegalArgumentException on a non-positive limit or a tolerance out of range */
        public Options {
            if (memoryLimitBytes <= 0) {
                throw new IllegalArgumentException("memoryLimitBytes must be positive, got " + memoryLimitBytes);
            }
            if (!(singularityTolerance >= 0.0) || singularityTolerance >= 1.0) {
                throw new IllegalArgumentException("singularityTolerance must be in [0, 1), got " + singularityTolerance);
            }
            if (!(stationarityTolerance > 0.0) || !Double.isFinite(stationarityTolerance)) {
                throw new IllegalArgumentException("stationarityTolerance must be finite and positive, got "
                        + stationarityTolerance);
            }
        }

        /** The documented defaults; the memory limit is read from the running JVM. */
        public static Options defaults() {
            return new Options((long) (DEFAULT_HEAP_FRACTION * Runtime.getRuntime().maxMemory()), 1e-12, 1e-6);
        }

        public Options withMemoryLimitBytes(long value) {
            return new Options(value, singularityTolerance, stationarityTolerance);
        }

        public Options withSingularityTolerance(double value) {
            return new Options(memoryLimitBytes, value, stationarityTolerance);
        }

        public Options withStationarityTolerance(double value) {
            return new Options(memoryLimitBytes, singularityTolerance, value);
        }
    }

    private final DenseKernels<M> kernels;
    private final DenseKernels<DMatrixRMaj> host;
    private final Options options;

    // Host workspaces of size O(dC + C^2 + m), reshaped on use; the m x dC and m x m arrays are per call.
    private final DMatrixRMaj point = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj upstream = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj gradient = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj stationarityResidual = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj multipliers = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj lagrangianFactor = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj eigenvectors = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj inverseRoot = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj scaledUpstream = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj correction = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj adjoint = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj blockIn = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj blockOut = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj schurRightHandSide = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj schurSolution = new DMatrixRMaj(1, 1);
    private double[] eigenvalues = new double[0];
    private double[] signs = new double[0];
    private double[] inverseRootScales = new double[0];

    public KroneckerKktBackward(DenseKernels<M> kernels) {
        this(kernels, Options.defaults());
    }

    public KroneckerKktBackward(DenseKernels<M> kernels, Options options) {
        if (kernels == null || options == null) {
            throw new IllegalArgumentException("kernels and options must not be null");
        }
        this.kernels = kernels;
        this.options = options;
        this.host = Kernels.cpu();
    }

    @Override
    public BackwardMethod method() {
        return BackwardMethod.DENSE_KRONECKER;
    }

    public Options options() {
        return options;
    }

    /** Eigenvalues of {@code K = S - Sigma} of the last {@link #vjp} (a copy), ascending. */
    public double[] lastLagrangianFactorEigenvalues() {
        return eigenvalues.clone();
    }

    /**
     * Bytes the backward allocates at {@code d x C} beyond {@code O(dC + C^2)},
     * {@code m = C(C+1)/2}: the {@code m x dC} Jacobian and the {@code m x m} Schur matrix,
     * factored in place; when {@code K} is indefinite a second Jacobian and two more
     * {@code m x m} matrices for the LU solve.
     *
     * @param indefinite whether {@code K} has a negative eigenvalue (never at a strict minimiser with d > C)
     */
    public static long requiredBytes(int rows, int columns, boolean indefinite) {
        double m = columns * (columns + 1.0) / 2.0;
        double jacobianElements = m * rows * (double) columns;
        double total = Double.BYTES * (indefinite ? 2.0 * jacobianElements + 3.0 * m * m : jacobianElements + m * m);
        return total >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) total;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when the problem does not implement
     *     {@link RightMultiplicationHessian}, the solution is not a point of St(d, C) or not a KKT
     *     point, shapes differ, or the upstream gradient or {@code S} is not finite
     * @throws ArithmeticException when {@code K} (hence {@code H}) or the Schur matrix is singular
     * @throws IllegalStateException when the memory needed exceeds {@link Options#memoryLimitBytes()}
     *     or a Java array
     */
    @Override
    public <X> X vjp(ParametricProblem<M, X> problem, M solution, M upstreamGradient, X out) {
        RightMultiplicationHessian<M> structured = requireStructure(problem);
        problem.manifold().checkPoint(solution, POINT_TOLERANCE);
        int d = kernels.rows(solution);
        int c = kernels.cols(solution);
        if (kernels.rows(upstreamGradient) != d || kernels.cols(upstreamGradient) != c) {
            throw new IllegalArgumentException("upstream must be " + d + " x " + c + " (the solution's shape), got "
                    + kernels.rows(upstreamGradient) + " x " + kernels.cols(upstreamGradient));
        }
        if (!kernels.allFinite(upstreamGradient)) {
            throw new IllegalArgumentException("upstream gradient contains NaN or infinite entries");
        }
        kernels.toHost(solution, point);
        kernels.toHost(upstreamGradient, upstream);
        M backendMatrix = kernels.create(d, c);
        M backendFactor = kernels.create(c, c);
        try {
            problem.euclideanGradient(solution, backendMatrix);
            kernels.toHost(backendMatrix, gradient);
            structured.euclideanHessianFactor(solution, backendFactor);
            kernels.toHost(backendFactor, lagrangianFactor);
            formLagrangianFactor(d, c);
            boolean indefinite = factorLagrangianFactor(c);
            solveKkt(d, c, indefinite);
            kernels.copyFromHost(adjoint, backendMatrix);
            problem.mixedDerivativeAdjoint(solution, backendMatrix, out);
        } finally {
            kernels.free(backendMatrix);
            kernels.free(backendFactor);
        }
        return out;
    }

    @SuppressWarnings("unchecked") // the problem's points are M, so its factor is an M too
    private RightMultiplicationHessian<M> requireStructure(ParametricProblem<M, ?> problem) {
        if (problem == null) {
            throw new IllegalArgumentException("problem must not be null");
        }
        if (!(problem instanceof RightMultiplicationHessian<?>)) {
            throw new IllegalArgumentException("the Kronecker dense backward needs Hess f[V] = V S: the problem "
                    + problem.getClass().getSimpleName() + " does not implement RightMultiplicationHessian"
                    + " (use BackwardMethod.DENSE)");
        }
        return (RightMultiplicationHessian<M>) problem;
    }

    /**
     * {@code lagrangianFactor <- K = S - Sigma}, {@code Sigma = sym(U^T grad f)}, after checking
     * stationarity {@code grad f = U Sigma} (the KKT condition of {@code U^T U = I}).
     */
    private void formLagrangianFactor(int d, int c) {
        if (lagrangianFactor.numRows != c || lagrangianFactor.numCols != c) {
            throw new IllegalArgumentException("Hessian factor S must be " + c + " x " + c + ", got "
                    + lagrangianFactor.numRows + " x " + lagrangianFactor.numCols);
        }
        if (!host.allFinite(lagrangianFactor) || !host.allFinite(gradient)) {
            throw new IllegalArgumentException("Hessian factor S or the Euclidean gradient contains NaN or"
                    + " infinite entries");
        }
        double scale = 0.0;
        double asymmetry = 0.0;
        for (int i = 0; i < c; i++) {
            for (int j = 0; j < c; j++) {
                scale = Math.max(scale, Math.abs(lagrangianFactor.unsafe_get(i, j)));
                asymmetry = Math.max(asymmetry,
                        Math.abs(lagrangianFactor.unsafe_get(i, j) - lagrangianFactor.unsafe_get(j, i)));
            }
        }
        if (asymmetry > SYMMETRY_TOLERANCE * scale) {
            throw new IllegalArgumentException("Hessian factor S is not symmetric: largest |S_ij - S_ji| = "
                    + asymmetry + " against max |S_ij| = " + scale);
        }
        multipliers.reshape(c, c);
        host.gemm(1.0, point, true, gradient, false, 0.0, multipliers);
        host.symmetricPart(multipliers, multipliers);
        stationarityResidual.reshape(d, c);
        host.copy(gradient, stationarityResidual);
        host.gemm(-1.0, point, false, multipliers, false, 1.0, stationarityResidual);
        double residual = host.normF(stationarityResidual);
        double gradientNorm = host.normF(gradient);
        if (residual > options.stationarityTolerance() * gradientNorm) {
            throw new IllegalArgumentException("the solution is not a KKT point: ||grad f - U Sigma|| = " + residual
                    + " against ||grad f|| = " + gradientNorm + " (tolerance " + options.stationarityTolerance() + ")");
        }
        host.addScaled(1.0, lagrangianFactor, -1.0, multipliers, lagrangianFactor);
        host.symmetricPart(lagrangianFactor, lagrangianFactor);
    }

    /**
     * {@code K = Q diag(lambda) Q^T}; {@code inverseRoot <- F = Q |diag(lambda)|^-1/2},
     * {@code signs <- J}.
     *
     * @return whether {@code K} has a negative eigenvalue
     * @throws ArithmeticException when {@code K} is singular
     */
    private boolean factorLagrangianFactor(int c) {
        if (eigenvalues.length != c) {
            eigenvalues = new double[c];
            signs = new double[c];
            inverseRootScales = new double[c];
        }
        eigenvectors.reshape(c, c);
        host.symmetricEigen(lagrangianFactor, eigenvectors, eigenvalues);
        double largest = 0.0;
        double smallest = Double.POSITIVE_INFINITY;
        boolean indefinite = false;
        for (int i = 0; i < c; i++) {
            double magnitude = Math.abs(eigenvalues[i]);
            largest = Math.max(largest, magnitude);
            smallest = Math.min(smallest, magnitude);
            indefinite |= eigenvalues[i] < 0.0;
        }
        if (!(largest > 0.0) || smallest <= options.singularityTolerance() * largest) {
            throw new ArithmeticException(String.format(Locale.ROOT, "dense KKT backward: K = S - Sigma (%d x %d)"
                    + " is singular (smallest |eigenvalue| %.3e, largest %.3e), so H = I_d (x) K has no inverse"
                    + " (Prop. 4.5 needs one); the nearest-ETF problem without a proximal term (delta = 0) is"
                    + " flat along U 1", c, c, smallest, largest));
        }
        for (int i = 0; i < c; i++) {
            signs[i] = Math.signum(eigenvalues[i]);
            inverseRootScales[i] = 1.0 / Math.sqrt(Math.abs(eigenvalues[i]));
        }
        inverseRoot.reshape(c, c);
        host.scaleColumns(eigenvectors, inverseRootScales, inverseRoot);
        return indefinite;
    }

    /** {@code adjoint <- reshape(u)}, the class comment's formula. */
    private void solveKkt(int d, int c, boolean indefinite) {
        int m = c * (c + 1) / 2;
        int variables = d * c;
        long needed = requiredBytes(d, c, indefinite);
        if (needed > options.memoryLimitBytes()) {
            throw new IllegalStateException(String.format(Locale.ROOT, "dense KKT backward needs %.1f GB at d = %d,"
                    + " C = %d (constraint Jacobian A: %d x %d doubles%s, Schur matrix %d x %d);"
                    + " limit is %.1f GB (KroneckerKktBackward.Options.memoryLimitBytes, default %.0f%% of the"
                    + " maximum heap)", needed / BYTES_PER_GB, d, c, m, variables, indefinite ? ", twice" : "", m, m,
                    options.memoryLimitBytes() / BYTES_PER_GB, 100 * Options.DEFAULT_HEAP_FRACTION));
        }
        if ((long) m * variables > MAX_ARRAY_ELEMENTS) {
            throw new IllegalStateException("dense KKT backward at d = " + d + ", C = " + c
                    + ": the constraint Jacobian A has " + (long) m * variables
                    + " entries, more than one Java array holds (" + MAX_ARRAY_ELEMENTS + ")");
        }
        DMatrixRMaj jacobian = constraintJacobian(d, c, m);
        transformByInverseRoot(jacobian, m * d, c);
        DMatrixRMaj transformed = jacobian;
        DMatrixRMaj signed = transformed;
        if (indefinite) {
            signed = new DMatrixRMaj(m, variables);
            host.scaleColumns(DMatrixRMaj.wrap(m * d, c, transformed.data), signs, DMatrixRMaj.wrap(m * d, c, signed.data));
        }
        // A H^-1 A^T = B J B^T.
        DMatrixRMaj schur = new DMatrixRMaj(m, m);
        host.gemm(1.0, transformed, false, signed, true, 0.0, schur);
        host.symmetricPart(schur, schur);

        // A H^-1 vec(Vbar) = B vec(Vbar F J).
        scaledUpstream.reshape(d, c);
        host.gemm(1.0, upstream, false, inverseRoot, false, 0.0, scaledUpstream);
        host.scaleColumns(scaledUpstream, signs, scaledUpstream);
        schurRightHandSide.reshape(m, 1);
        host.gemm(1.0, transformed, false, DMatrixRMaj.wrap(variables, 1, scaledUpstream.data), false, 0.0,
                schurRightHandSide);
        schurSolution.reshape(m, 1);
        solveSchur(schur, schurRightHandSide, schurSolution, indefinite);

        // H^-1 A^T z = reshape(B^T z) J F^T; u = H^-1 A^T z - H^-1 vec(Vbar).
        correction.reshape(d, c);
        host.gemm(1.0, transformed, true, schurSolution, false, 0.0, DMatrixRMaj.wrap(variables, 1, correction.data));
        host.scaleColumns(correction, signs, correction);
        host.addScaled(1.0, correction, -1.0, scaledUpstream, correction);
        adjoint.reshape(d, c);
        host.gemm(1.0, correction, false, inverseRoot, true, 0.0, adjoint);
    }

    /**
     * {@code schur z = rightHandSide}. With {@code K} positive definite the Schur matrix
     * {@code B B^T} is too ({@code A} has full row rank on St(d, C)): Cholesky in place
     * (LAPACK {@code dpotrf} under OpenBLAS), then the two triangular solves. Otherwise EJML's LU:
     * OpenBLAS's threaded {@code dgetrf} overflows a Java thread's default 1 MB stack from
     * {@code n} of about 128 (a native crash, not an exception), and an indefinite {@code K} only
     * happens at small test sizes (saddles, {@code d = C}).
     *
     * @throws ArithmeticException when the Schur matrix is singular (or, for positive-definite
     *     {@code K}, not positive definite to working precision)
     */
    private void solveSchur(DMatrixRMaj schur, DMatrixRMaj rightHandSide, DMatrixRMaj out, boolean indefinite) {
        int m = schur.numRows;
        if (indefinite) {
            Kernels.ejml().solve(schur, rightHandSide, out);
            return;
        }
        try {
            host.cholesky(schur, schur);
        } catch (ArithmeticException notPositiveDefinite) {
            throw new ArithmeticException("dense KKT backward: the Schur matrix A H^-1 A^T (" + m + " x " + m
                    + ") is not positive definite to working precision although K is: "
                    + notPositiveDefinite.getMessage());
        }
        double[] lower = schur.data;
        double[] z = out.data;
        // L y = r: only the lower triangle of the factor is read.
        for (int i = 0; i < m; i++) {
            double sum = rightHandSide.data[i];
            int rowStart = i * m;
            for (int k = 0; k < i; k++) {
                sum -= lower[rowStart + k] * z[k];
            }
            z[i] = sum / lower[rowStart + i];
        }
        // L^T z = y.
        for (int i = m - 1; i >= 0; i--) {
            double sum = z[i];
            for (int k = i + 1; k < m; k++) {
                sum -= lower[k * m + i] * z[k];
            }
            z[i] = sum / lower[i * m + i];
        }
    }

    /**
     * {@code A = D h(U)}, {@code m x dC}: {@code d(u_i^T u_j)/dU_ab = delta_bi U_aj + delta_bj U_ai}.
     */
    private DMatrixRMaj constraintJacobian(int d, int c, int m) {
        int variables = d * c;
        DMatrixRMaj jacobian = new DMatrixRMaj(m, variables);
        double[] data = jacobian.data;
        double[] u = point.data;
        long row = 0;
        for (int i = 0; i < c; i++) {
            for (int j = i; j < c; j++) {
                long offset = row * variables;
                for (int a = 0; a < d; a++) {
                    data[(int) (offset + a * c + i)] += u[a * c + j];
                    data[(int) (offset + a * c + j)] += u[a * c + i];
                }
                row++;
            }
        }
        return jacobian;
    }

    /**
     * {@code A <- A (I_d (x) F)}: every row of the {@code (m d) x C} view of {@code A} times
     * {@code F}, in place through block buffers (gemm may not write over its input).
     */
    private void transformByInverseRoot(DMatrixRMaj jacobian, int viewRows, int c) {
        int blockRows = Math.min(BLOCK_ROWS, viewRows);
        blockIn.reshape(blockRows, c);
        blockOut.reshape(blockRows, c);
        for (int start = 0; start < viewRows; start += blockRows) {
            int rows = Math.min(blockRows, viewRows - start);
            if (rows != blockIn.numRows) {
                blockIn.reshape(rows, c);
                blockOut.reshape(rows, c);
            }
            System.arraycopy(jacobian.data, start * c, blockIn.data, 0, rows * c);
            host.gemm(1.0, blockIn, false, inverseRoot, false, 0.0, blockOut);
            System.arraycopy(blockOut.data, 0, jacobian.data, start * c, rows * c);
        }
    }
}
