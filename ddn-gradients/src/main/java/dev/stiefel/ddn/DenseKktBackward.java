package dev.stiefel.ddn;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * Dense backward pass of an equality-constrained declarative node
 * {@code y(x) = argmin_y f(x, y) s.t. h(y) = 0} with explicit matrices (Gould, Hartley,
 * Campbell, "Deep Declarative Networks", TPAMI 2021, Prop. 4.5): the reference for small sizes.
 *
 * <p>With {@code A = D h(y)} ({@code q x m}, full row rank), multipliers {@code lambda} from
 * stationarity {@code D_y f^T = A^T lambda} (least squares), the Hessian of the Lagrangian
 * {@code H = D^2_yy f - sum_i lambda_i D^2 h_i} ({@code m x m}) and
 * {@code B = D^2_xy f} ({@code m x n}), Prop. 4.5 reads
 * {@code Dy = (H^-1 A^T (A H^-1 A^T)^-1 A H^-1 - H^-1) B}. For the upstream gradient
 * {@code v = dL/dy}:
 * <pre>
 *   u = -[H^-1 - H^-1 A^T (A H^-1 A^T)^-1 A H^-1] v,        dL/dx = B^T u.
 * </pre>
 * Equivalently {@code u = -a} where {@code (a, mu)} solves the KKT system
 * {@code [H A^T; A 0] [a; mu] = [v; 0]}. That is what is computed here, by the null-space
 * method, which needs {@code H} invertible only on the tangent space {@code null(A)} (where
 * Prop. 4.5 asks it on all of {@code R^m}): with {@code A^T = [Y Z] [S; 0] V^T} (full SVD),
 * {@code a = Z (Z^T H Z)^-1 Z^T v} and {@code mu = V S^-1 Y^T (v - H a)}.
 *
 * <p>Failures are {@link ArithmeticException}s naming the cause: {@code A} rank deficient
 * (smallest singular value at most {@link Options#singularityTolerance()} times the largest),
 * or the reduced Hessian {@code Z^T H Z} singular (smallest eigenvalue magnitude at most that
 * tolerance times the largest). An indefinite but nonsingular reduced Hessian (a saddle) is
 * accepted: the implicit function theorem still holds. Cost {@code O(m^3)} time,
 * {@code O(m^2 + m n)} memory. Not thread-safe.
 */
public final class DenseKktBackward {

    /**
     * @param singularityTolerance relative size of the smallest singular value of {@code A}, or
     *     eigenvalue of {@code Z^T H Z}, below which the KKT system counts as singular. Default
     *     {@code 1e-12}.
     * @param stationarityTolerance largest accepted {@code ||D_y f - A^T lambda|| / ||D_y f||}
     *     when the node computes the multipliers: larger means {@code y} is not a KKT point.
     *     Default {@code 1e-6}.
     */
    public record Options(double singularityTolerance, double stationarityTolerance) {

        public static final Options DEFAULTS = new Options(1e-12, 1e-6);

        public Options {
            if (!(singularityTolerance >= 0.0) || singularityTolerance >= 1.0) {
                throw new IllegalArgumentException("singularityTolerance must be in [0, 1), got " + singularityTolerance);
            }
            if (!(stationarityTolerance > 0.0)) {
                throw new IllegalArgumentException("stationarityTolerance must be positive, got " + stationarityTolerance);
            }
        }

        public Options withSingularityTolerance(double value) {
            return new Options(value, stationarityTolerance);
        }

        public Options withStationarityTolerance(double value) {
            return new Options(singularityTolerance, value);
        }
    }

    private final Options options;

    private int variables = -1;
    private int constraints = -1;
    private SingularValueDecomposition_F64<DMatrixRMaj> svd;
    private EigenDecomposition_F64<DMatrixRMaj> eigen;

    // Factorisation of A^T = [Y Z] [S; 0] V^T.
    private final DMatrixRMaj rangeBasis = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj nullBasis = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj rightVectors = new DMatrixRMaj(1, 1);
    private double[] singularValues = new double[0];

    // Workspaces.
    private final DMatrixRMaj transposedJacobian = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj gradient = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj jacobian = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj lagrangianHessian = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj constraintCurvature = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj hessianTimesNull = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj reducedHessian = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj reducedVector = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj reducedSolution = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj tangentSolution = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj shortVector = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj longVector = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj multipliers = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj adjointMultipliers = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj adjoint = new DMatrixRMaj(1, 1);
    private double[] reducedEigenvalues = new double[0];

    public DenseKktBackward() {
        this(Options.DEFAULTS);
    }

    public DenseKktBackward(Options options) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        this.options = options;
    }

    /**
     * Lagrange multipliers by least squares on stationarity, {@code A^T lambda = g}.
     *
     * @param gradient {@code g = D_y f^T}, {@code m x 1}
     * @param constraintJacobian {@code A}, {@code q x m}, full row rank
     * @param out reshaped to {@code q x 1}
     * @return {@code out}
     * @throws ArithmeticException when {@code A} is rank deficient
     */
    public DMatrixRMaj multipliers(DMatrixRMaj gradient, DMatrixRMaj constraintJacobian, DMatrixRMaj out) {
        factorConstraints(constraintJacobian);
        requireShape("gradient", gradient, variables, 1);
        leastSquaresMultipliers(gradient, out);
        return out;
    }

    /**
     * {@code uOut = -[H^-1 - H^-1 A^T (A H^-1 A^T)^-1 A H^-1] v}, computed from the KKT system
     * (the class comment). The multipliers {@code mu} of that system are then available from
     * {@link #adjointMultipliers()}.
     *
     * @param hessian {@code H}, {@code m x m} symmetric (Hessian of the Lagrangian)
     * @param constraintJacobian {@code A}, {@code q x m}
     * @param upstream {@code v = dL/dy}, {@code m x 1}
     * @param uOut reshaped to {@code m x 1}
     * @return {@code uOut}
     */
    public DMatrixRMaj solveAdjoint(DMatrixRMaj hessian, DMatrixRMaj constraintJacobian, DMatrixRMaj upstream,
            DMatrixRMaj uOut) {
        factorConstraints(constraintJacobian);
        solveFactored(hessian, upstream, uOut);
        return uOut;
    }

    /**
     * {@code out = dL/dx = B^T u} from explicit matrices.
     *
     * @param mixedDerivative {@code B = D^2_xy f}, {@code m x n}
     * @param out reshaped to {@code n x 1}
     * @return {@code out}
     */
    public DMatrixRMaj backward(DMatrixRMaj hessian, DMatrixRMaj constraintJacobian, DMatrixRMaj mixedDerivative,
            DMatrixRMaj upstream, DMatrixRMaj out) {
        solveAdjoint(hessian, constraintJacobian, upstream, adjoint);
        requireShape("mixed derivative B", mixedDerivative, variables, mixedDerivative.numCols);
        out.reshape(mixedDerivative.numCols, 1);
        CommonOps_DDRM.multTransA(mixedDerivative, adjoint, out);
        return out;
    }

    /**
     * {@code out = dL/dx} for a problem given by its pieces: {@link #solveAdjoint(
     * EqualityConstrainedProblem, DMatrixRMaj, DMatrixRMaj, DMatrixRMaj)}, then {@code B^T u}
     * through {@link EqualityConstrainedProblem#mixedDerivativeAdjoint}.
     *
     * @param y the solution, {@code m x 1}
     * @param upstream {@code v = dL/dy}, {@code m x 1}
     * @param out receives {@code dL/dx}, {@code n x 1}
     * @return {@code out}
     * @throws IllegalArgumentException when {@code y} is not a KKT point (stationarity residual
     *     above {@link Options#stationarityTolerance()})
     * @throws ArithmeticException when the KKT system is singular
     */
    public DMatrixRMaj backward(EqualityConstrainedProblem problem, DMatrixRMaj y, DMatrixRMaj upstream,
            DMatrixRMaj out) {
        solveAdjoint(problem, y, upstream, adjoint);
        out.reshape(problem.parameterCount(), 1);
        problem.mixedDerivativeAdjoint(y, adjoint, out);
        return out;
    }

    /**
     * {@code uOut = u} for a problem given by its pieces: multipliers from stationarity
     * ({@link #lastMultipliers()}), then {@code H = D^2_yy f - sum lambda_i D^2 h_i}, then the
     * KKT solve of {@link #solveAdjoint(DMatrixRMaj, DMatrixRMaj, DMatrixRMaj, DMatrixRMaj)}.
     * The problem's mixed derivative is not used.
     *
     * @return {@code uOut}, reshaped to {@code m x 1}
     * @throws IllegalArgumentException when {@code y} is not a KKT point
     * @throws ArithmeticException when the KKT system is singular
     */
    public DMatrixRMaj solveAdjoint(EqualityConstrainedProblem problem, DMatrixRMaj y, DMatrixRMaj upstream,
            DMatrixRMaj uOut) {
        int m = problem.variableCount();
        int q = problem.constraintCount();
        requireShape("y", y, m, 1);
        requireShape("upstream", upstream, m, 1);
        jacobian.reshape(q, m);
        problem.constraintJacobian(y, jacobian);
        factorConstraints(jacobian);

        gradient.reshape(m, 1);
        problem.objectiveGradient(y, gradient);
        requireFinite("objective gradient", gradient);
        leastSquaresMultipliers(gradient, multipliers);
        double gradientNorm = NormOps_DDRM.normF(gradient);
        longVector.reshape(m, 1);
        if (q > 0) {
            CommonOps_DDRM.mult(transposedJacobian, multipliers, longVector);
        } else {
            CommonOps_DDRM.fill(longVector, 0.0);
        }
        CommonOps_DDRM.subtractEquals(longVector, gradient);
        double stationarity = NormOps_DDRM.normF(longVector);
        if (stationarity > options.stationarityTolerance() * gradientNorm) {
            throw new IllegalArgumentException("y is not a KKT point: ||D_y f - A^T lambda|| = " + stationarity
                    + " against ||D_y f|| = " + gradientNorm + " (tolerance " + options.stationarityTolerance() + ")");
        }

        lagrangianHessian.reshape(m, m);
        problem.objectiveHessian(y, lagrangianHessian);
        constraintCurvature.reshape(m, m);
        problem.constraintHessianCombination(y, multipliers, constraintCurvature);
        CommonOps_DDRM.subtractEquals(lagrangianHessian, constraintCurvature);
        solveFactored(lagrangianHessian, upstream, uOut);
        return uOut;
    }

    /** Multipliers {@code lambda} of the last {@link #backward(EqualityConstrainedProblem, DMatrixRMaj, DMatrixRMaj, DMatrixRMaj)} (a copy). */
    public DMatrixRMaj lastMultipliers() {
        return multipliers.copy();
    }

    /** {@code mu} of the KKT system of the last solve (a copy); {@code dL/dx} picks up {@code -C^T mu} when constraints depend on x. */
    public DMatrixRMaj adjointMultipliers() {
        return adjointMultipliers.copy();
    }

    /** Eigenvalues of the reduced Hessian {@code Z^T H Z} of the last solve (a copy): all positive at a strict minimiser. */
    public double[] reducedHessianEigenvalues() {
        return reducedEigenvalues.clone();
    }

    private void factorConstraints(DMatrixRMaj constraintJacobian) {
        int q = constraintJacobian.numRows;
        int m = constraintJacobian.numCols;
        requireFinite("constraint Jacobian A", constraintJacobian);
        if (q > m) {
            throw new ArithmeticException("constraint Jacobian A (" + q + " x " + m + ") is rank deficient:"
                    + " more constraints than variables");
        }
        if (m == 0) {
            throw new IllegalArgumentException("no variables: m = 0");
        }
        if (m != variables || q != constraints) {
            svd = DecompositionFactory_DDRM.svd(m, q, true, true, false);
            eigen = m - q > 0 ? DecompositionFactory_DDRM.eig(m - q, true, true) : null;
            variables = m;
            constraints = q;
        }
        rangeBasis.reshape(m, q);
        nullBasis.reshape(m, m - q);
        if (q == 0) {
            CommonOps_DDRM.setIdentity(nullBasis);
            transposedJacobian.reshape(m, 0);
            rightVectors.reshape(0, 0);
            singularValues = new double[0];
            return;
        }
        CommonOps_DDRM.transpose(constraintJacobian, transposedJacobian);
        if (!svd.decompose(transposedJacobian.copy())) {
            throw new ArithmeticException("SVD of the constraint Jacobian did not converge");
        }
        DMatrixRMaj u = svd.getU(null, false);
        DMatrixRMaj w = svd.getW(null);
        svd.getV(rightVectors, false);
        SingularOps_DDRM.descendingOrder(u, false, w, rightVectors, false);
        if (singularValues.length != q) {
            singularValues = new double[q];
        }
        for (int i = 0; i < q; i++) {
            singularValues[i] = w.get(i, i);
        }
        double largest = singularValues[0];
        double smallest = singularValues[q - 1];
        if (!(largest > 0.0) || smallest <= options.singularityTolerance() * largest) {
            throw new ArithmeticException("constraint Jacobian A (" + q + " x " + m + ") is rank deficient:"
                    + " smallest singular value " + smallest + ", largest " + largest
                    + "; the constraints are not independent (LICQ fails) and the multipliers are not unique");
        }
        CommonOps_DDRM.extract(u, 0, m, 0, q, rangeBasis, 0, 0);
        CommonOps_DDRM.extract(u, 0, m, q, m, nullBasis, 0, 0);
    }

    private void leastSquaresMultipliers(DMatrixRMaj rightHandSide, DMatrixRMaj out) {
        int q = constraints;
        if (q == 0) {
            out.reshape(0, 1);
            return;
        }
        shortVector.reshape(q, 1);
        CommonOps_DDRM.multTransA(rangeBasis, rightHandSide, shortVector);
        for (int i = 0; i < q; i++) {
            shortVector.data[i] /= singularValues[i];
        }
        out.reshape(q, 1);
        CommonOps_DDRM.mult(rightVectors, shortVector, out);
    }

    private void solveFactored(DMatrixRMaj hessian, DMatrixRMaj upstream, DMatrixRMaj uOut) {
        int m = variables;
        int k = m - constraints;
        requireShape("Hessian H", hessian, m, m);
        requireShape("upstream", upstream, m, 1);
        requireFinite("Hessian H", hessian);
        requireFinite("upstream", upstream);
        double hessianScale = CommonOps_DDRM.elementMaxAbs(hessian);
        for (int i = 0; i < m; i++) {
            for (int j = i + 1; j < m; j++) {
                if (Math.abs(hessian.unsafe_get(i, j) - hessian.unsafe_get(j, i)) > 1e-8 * hessianScale) {
                    throw new IllegalArgumentException("Hessian H is not symmetric: H(" + i + "," + j + ") = "
                            + hessian.unsafe_get(i, j) + " but H(" + j + "," + i + ") = " + hessian.unsafe_get(j, i));
                }
            }
        }
        uOut.reshape(m, 1);
        tangentSolution.reshape(m, 1);
        if (k == 0) {
            // No tangent directions: y is pinned by the constraints and does not move with x.
            CommonOps_DDRM.fill(tangentSolution, 0.0);
            reducedEigenvalues = new double[0];
        } else {
            hessianTimesNull.reshape(m, k);
            CommonOps_DDRM.mult(hessian, nullBasis, hessianTimesNull);
            reducedHessian.reshape(k, k);
            CommonOps_DDRM.multTransA(nullBasis, hessianTimesNull, reducedHessian);
            symmetrise(reducedHessian);
            if (!eigen.decompose(reducedHessian.copy())) {
                throw new ArithmeticException("eigendecomposition of the reduced Hessian did not converge");
            }
            if (reducedEigenvalues.length != k) {
                reducedEigenvalues = new double[k];
            }
            double largest = 0.0;
            double smallest = Double.POSITIVE_INFINITY;
            for (int i = 0; i < k; i++) {
                reducedEigenvalues[i] = eigen.getEigenvalue(i).real;
                largest = Math.max(largest, Math.abs(reducedEigenvalues[i]));
                smallest = Math.min(smallest, Math.abs(reducedEigenvalues[i]));
            }
            if (!(largest > 0.0) || smallest <= options.singularityTolerance() * largest) {
                throw new ArithmeticException("KKT system is singular: the Hessian of the Lagrangian restricted to"
                        + " the tangent space (null space of A, dimension " + k + ") has an eigenvalue of magnitude "
                        + smallest + " against " + largest + "; the solution is not locally unique");
            }
            // a = Z W diag(1/eig) W^T Z^T v.
            reducedVector.reshape(k, 1);
            CommonOps_DDRM.multTransA(nullBasis, upstream, reducedVector);
            reducedSolution.reshape(k, 1);
            CommonOps_DDRM.fill(reducedSolution, 0.0);
            for (int i = 0; i < k; i++) {
                DMatrixRMaj vector = eigen.getEigenVector(i);
                double coefficient = CommonOps_DDRM.dot(vector, reducedVector) / reducedEigenvalues[i];
                CommonOps_DDRM.addEquals(reducedSolution, coefficient, vector);
            }
            CommonOps_DDRM.mult(nullBasis, reducedSolution, tangentSolution);
        }
        // mu = V S^-1 Y^T (v - H a).
        longVector.reshape(m, 1);
        CommonOps_DDRM.mult(hessian, tangentSolution, longVector);
        CommonOps_DDRM.subtract(upstream, longVector, longVector);
        leastSquaresMultipliers(longVector, adjointMultipliers);
        CommonOps_DDRM.scale(-1.0, tangentSolution, uOut);
    }

    private static void symmetrise(DMatrixRMaj square) {
        int n = square.numRows;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double mean = 0.5 * (square.unsafe_get(i, j) + square.unsafe_get(j, i));
                square.unsafe_set(i, j, mean);
                square.unsafe_set(j, i, mean);
            }
        }
    }

    private static void requireShape(String name, DMatrixRMaj matrix, int rows, int cols) {
        if (matrix.numRows != rows || matrix.numCols != cols) {
            throw new IllegalArgumentException(name + " must be " + rows + " x " + cols + ", got "
                    + matrix.numRows + " x " + matrix.numCols);
        }
    }

    private static void requireFinite(String name, DMatrixRMaj matrix) {
        for (int i = 0; i < matrix.getNumElements(); i++) {
            if (!Double.isFinite(matrix.data[i])) {
                throw new IllegalArgumentException(name + " contains NaN or infinite entries");
            }
        }
    }
}
