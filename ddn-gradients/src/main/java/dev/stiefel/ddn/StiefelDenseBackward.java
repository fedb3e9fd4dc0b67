package dev.stiefel.ddn;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.problem.EuclideanHessian;
import java.util.Locale;
import org.ejml.data.DMatrixRMaj;

/**
 * {@link BackwardMethod#DENSE}: the explicit KKT reference for any {@link ParametricProblem} on
 * St(n, p), built from the problem's Euclidean derivatives and solved by
 * {@link DenseKktBackward} (Gould et al., Prop. 4.5; docs/mathematics.md section 5a).
 *
 * <p>Variables {@code y = vec(U)}, row-major ({@code y[a p + b] = U_ab}), {@code m = n p}.
 * Constraints {@code h_ij(U) = u_i^T u_j - delta_ij} for {@code i <= j} (columns {@code u_i}),
 * {@code q = p (p + 1) / 2}, ordered row by row of the upper triangle, with
 * <pre>
 *   D h_ij [V] = u_i^T v_j + v_i^T u_j,
 *   sum_{i &lt;= j} lambda_ij D^2 h_ij = I_n (x) L,   L_ii = 2 lambda_ii,  L_ij = L_ji = lambda_ij.
 * </pre>
 * {@link DenseKktBackward} finds the multipliers from stationarity by least squares; at a
 * critical point {@code L = sym(U^T grad f)}, {@code Sigma} of docs/mathematics.md section 5 (embedded gradient
 * vector field, paper App. B.1), which the tests check. The Euclidean Hessian is assembled
 * column by column from {@code m} Hessian-vector products with the unit matrices {@code E_k},
 * and {@code dL/dx = B^T u = mixedDerivativeAdjoint(U, reshape(u))}.
 *
 * <p>Memory {@code O((np)^2)} for the explicit Hessian and null-space basis, time
 * {@code O((np)^3)}: small sizes only (at {@code n = 1024, p = 100} the Hessian alone would be
 * 84 GB). Before anything is assembled the bytes needed ({@link #requiredBytes}) are compared
 * with the memory limit (default 60% of {@link Runtime#maxMemory()}, as
 * {@link KroneckerKktBackward}): above it an {@link IllegalStateException} names both and the
 * methods that fit, instead of an {@link OutOfMemoryError} after minutes of assembly.
 * Matrices cross to the host through the kernels. Not thread-safe.
 *
 * @param <M> the backend's matrix type
 */
public final class StiefelDenseBackward<M> implements DeclarativeBackward<M> {

    /** Orthonormality a solution must have. */
    private static final double POINT_TOLERANCE = 1e-8;
    /** Largest element count of one Java array (a little below Integer.MAX_VALUE, as the JDK allows). */
    private static final long MAX_ARRAY_ELEMENTS = Integer.MAX_VALUE - 8L;
    private static final double BYTES_PER_GB = 1e9;

    private final long memoryLimitBytes;
    private final DenseKernels<M> kernels;
    private final DenseKktBackward kkt;

    private final DMatrixRMaj hostPoint = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj hostMatrix = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj hostUpstream = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj adjoint = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj solutionVector = new DMatrixRMaj(1, 1);

    public StiefelDenseBackward(DenseKernels<M> kernels) {
        this(kernels, DenseKktBackward.Options.DEFAULTS);
    }

    /** With the default memory limit, 60% of {@link Runtime#maxMemory()}. */
    public StiefelDenseBackward(DenseKernels<M> kernels, DenseKktBackward.Options options) {
        this(kernels, options, (long) (KroneckerKktBackward.Options.DEFAULT_HEAP_FRACTION * Runtime.getRuntime().maxMemory()));
    }

    /**
     * @param memoryLimitBytes the most bytes {@link #vjp} may allocate ({@link #requiredBytes});
     *     above it, it throws {@link IllegalStateException} before allocating
     * @throws IllegalArgumentException on null arguments or a non-positive limit
     */
    public StiefelDenseBackward(DenseKernels<M> kernels, DenseKktBackward.Options options, long memoryLimitBytes) {
        if (kernels == null) {
            throw new IllegalArgumentException("kernels must not be null");
        }
        if (memoryLimitBytes <= 0) {
            throw new IllegalArgumentException("memoryLimitBytes must be positive, got " + memoryLimitBytes);
        }
        this.kernels = kernels;
        this.kkt = new DenseKktBackward(options);
        this.memoryLimitBytes = memoryLimitBytes;
    }

    /**
     * Bytes of the arrays {@link #vjp} holds at once for a point of St(n, p), with
     * {@code m = np} variables, {@code q = p(p+1)/2} constraints and {@code k = m - q}: the
     * Hessian of the Lagrangian, the constraint curvature and the SVD's {@code m x m} left
     * factor (twice, EJML's and its copy), the null-space basis and its product with the
     * Hessian ({@code m x k} each), the reduced Hessian, its copy and the eigensolver's two
     * {@code k x k} arrays, and six {@code m x q} copies of the constraint Jacobian and its
     * factors. An estimate of the peak, not a bound (the decompositions' small workspaces are
     * left out).
     */
    public static long requiredBytes(int n, int p) {
        double m = (double) n * p;
        double q = p * (p + 1.0) / 2.0;
        double k = m - q;
        double total = Double.BYTES * (4.0 * m * m + 2.0 * m * k + 4.0 * k * k + 6.0 * m * q);
        return total >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) total;
    }

    /** The limit {@link #vjp} checks {@link #requiredBytes} against. */
    public long memoryLimitBytes() {
        return memoryLimitBytes;
    }

    @Override
    public BackwardMethod method() {
        return BackwardMethod.DENSE;
    }

    /** The underlying node, for its diagnostics (multipliers, reduced-Hessian eigenvalues) after a call. */
    public DenseKktBackward kkt() {
        return kkt;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when the problem has no Euclidean Hessian, the solution is
     *     not a point of St(n, p) or not a KKT point
     * @throws ArithmeticException when the KKT system is singular
     * @throws IllegalStateException when the memory needed ({@link #requiredBytes}) exceeds the
     *     limit, or an {@code np x np} matrix exceeds a Java array
     */
    @Override
    public <X> X vjp(ParametricProblem<M, X> problem, M solution, M upstream, X out) {
        if (problem == null) {
            throw new IllegalArgumentException("problem must not be null");
        }
        EuclideanHessian<M> hessian = problem.euclideanHessian().orElseThrow(() -> new IllegalArgumentException(
                "the dense backward assembles the Euclidean Hessian from Hessian-vector products, but "
                        + problem.getClass().getName() + " supplies no Euclidean Hessian (its euclideanHessian()"
                        + " is empty); give the problem a Hessian part"));
        problem.manifold().checkPoint(solution, POINT_TOLERANCE);
        int n = kernels.rows(solution);
        int p = kernels.cols(solution);
        if (kernels.rows(upstream) != n || kernels.cols(upstream) != p) {
            throw new IllegalArgumentException("upstream must be " + n + " x " + p + " (the solution's shape), got "
                    + kernels.rows(upstream) + " x " + kernels.cols(upstream));
        }
        requireMemory(n, p);
        kernels.toHost(solution, hostPoint);
        kernels.toHost(upstream, hostUpstream);
        StiefelConstraints<X> pieces = new StiefelConstraints<>(problem, hessian, solution, n, p);
        try {
            // Row-major storage makes vec(U) the data array itself.
            solutionVector.setTo(hostPoint);
            solutionVector.reshape(n * p, 1);
            hostUpstream.reshape(n * p, 1);
            kkt.solveAdjoint(pieces, solutionVector, hostUpstream, adjoint);
            adjoint.reshape(n, p);
            kernels.copyFromHost(adjoint, pieces.direction);
            problem.mixedDerivativeAdjoint(solution, pieces.direction, out);
        } finally {
            pieces.free();
        }
        return out;
    }

    private void requireMemory(int n, int p) {
        long variables = (long) n * p;
        long needed = requiredBytes(n, p);
        String instead = " Use BackwardMethod.MATRIX_FREE (conjugate gradients, O(np) memory), or CLOSED_FORM for"
                + " Procrustes-form problems such as the nearest ETF.";
        if (needed > memoryLimitBytes) {
            throw new IllegalStateException(String.format(Locale.ROOT, "dense backward (DENSE) needs %.1f GB at"
                    + " n = %d, p = %d (Hessian of the Lagrangian, SVD factors and null-space basis: %d x %d doubles"
                    + " each); limit is %.1f GB (StiefelDenseBackward memoryLimitBytes, default %.0f%% of the maximum"
                    + " heap).", needed / BYTES_PER_GB, n, p, variables, variables, memoryLimitBytes / BYTES_PER_GB,
                    100 * KroneckerKktBackward.Options.DEFAULT_HEAP_FRACTION) + instead);
        }
        if (variables * variables > MAX_ARRAY_ELEMENTS) {
            throw new IllegalStateException("dense backward (DENSE) at n = " + n + ", p = " + p + ": the " + variables
                    + " x " + variables + " Hessian has " + variables * variables
                    + " entries, more than one Java array holds (" + MAX_ARRAY_ELEMENTS + ")." + instead);
        }
    }

    /** The KKT pieces of a problem on St(n, p) at a fixed solution (see the class comment). */
    private final class StiefelConstraints<X> implements EqualityConstrainedProblem {

        private final ParametricProblem<M, X> problem;
        private final EuclideanHessian<M> hessian;
        private final M point;
        private final int n;
        private final int p;
        final M direction;
        private final M product;

        StiefelConstraints(ParametricProblem<M, X> problem, EuclideanHessian<M> hessian, M point, int n, int p) {
            this.problem = problem;
            this.hessian = hessian;
            this.point = point;
            this.n = n;
            this.p = p;
            this.direction = kernels.create(n, p);
            this.product = kernels.create(n, p);
        }

        void free() {
            kernels.free(direction);
            kernels.free(product);
        }

        @Override
        public int variableCount() {
            return n * p;
        }

        @Override
        public int constraintCount() {
            return p * (p + 1) / 2;
        }

        @Override
        public int parameterCount() {
            throw new UnsupportedOperationException("the parameters are opaque here");
        }

        @Override
        public void objectiveGradient(DMatrixRMaj y, DMatrixRMaj out) {
            problem.euclideanGradient(point, product);
            kernels.toHost(product, hostMatrix);
            out.reshape(n * p, 1);
            System.arraycopy(hostMatrix.data, 0, out.data, 0, n * p);
        }

        @Override
        public void objectiveHessian(DMatrixRMaj y, DMatrixRMaj out) {
            int m = n * p;
            out.reshape(m, m);
            hostMatrix.reshape(n, p);
            hostMatrix.zero();
            for (int k = 0; k < m; k++) {
                hostMatrix.data[k] = 1.0;
                kernels.copyFromHost(hostMatrix, direction);
                hostMatrix.data[k] = 0.0;
                hessian.apply(point, direction, product);
                kernels.toHost(product, adjoint);
                for (int row = 0; row < m; row++) {
                    out.unsafe_set(row, k, adjoint.data[row]);
                }
                hostMatrix.reshape(n, p);
            }
        }

        @Override
        public void constraintJacobian(DMatrixRMaj y, DMatrixRMaj out) {
            out.reshape(constraintCount(), n * p);
            out.zero();
            int row = 0;
            for (int i = 0; i < p; i++) {
                for (int j = i; j < p; j++) {
                    // d(u_i^T u_j)/dU_ab = delta_bi U_aj + delta_bj U_ai.
                    for (int a = 0; a < n; a++) {
                        out.unsafe_set(row, a * p + i, out.unsafe_get(row, a * p + i) + hostPoint.unsafe_get(a, j));
                        out.unsafe_set(row, a * p + j, out.unsafe_get(row, a * p + j) + hostPoint.unsafe_get(a, i));
                    }
                    row++;
                }
            }
        }

        @Override
        public void constraintHessianCombination(DMatrixRMaj y, DMatrixRMaj lambda, DMatrixRMaj out) {
            int m = n * p;
            out.reshape(m, m);
            out.zero();
            int index = 0;
            for (int i = 0; i < p; i++) {
                for (int j = i; j < p; j++) {
                    double weight = i == j ? 2.0 * lambda.data[index] : lambda.data[index];
                    for (int a = 0; a < n; a++) {
                        out.unsafe_set(a * p + i, a * p + j, weight);
                        out.unsafe_set(a * p + j, a * p + i, weight);
                    }
                    index++;
                }
            }
        }

        @Override
        public void mixedDerivative(DMatrixRMaj y, DMatrixRMaj out) {
            throw new UnsupportedOperationException("the parameters are opaque here: use the problem's adjoint");
        }
    }
}
