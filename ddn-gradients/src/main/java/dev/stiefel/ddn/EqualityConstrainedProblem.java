package dev.stiefel.ddn;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * The explicit pieces of {@code y(x) = argmin_y f(x, y) s.t. h(y) = 0} that
 * {@link DenseKktBackward} needs, at the current parameters {@code x}: {@code y} in
 * {@code R^m} (a column vector), {@code q} constraints not depending on {@code x}, {@code n}
 * parameters. Vectors are {@code k x 1} matrices; every output is reshaped by the caller.
 */
public interface EqualityConstrainedProblem {

    /** m, the number of variables. */
    int variableCount();

    /** q, the number of equality constraints. */
    int constraintCount();

    /** n, the number of parameters x. */
    int parameterCount();

    /** {@code out = D_y f(x, y)^T}, {@code m x 1}. */
    void objectiveGradient(DMatrixRMaj y, DMatrixRMaj out);

    /** {@code out = D^2_yy f(x, y)}, {@code m x m}, symmetric. */
    void objectiveHessian(DMatrixRMaj y, DMatrixRMaj out);

    /** {@code out = A = D h(y)}, {@code q x m}. */
    void constraintJacobian(DMatrixRMaj y, DMatrixRMaj out);

    /** {@code out = sum_i lambda_i D^2 h_i(y)}, {@code m x m}, for multipliers {@code lambda} ({@code q x 1}). */
    void constraintHessianCombination(DMatrixRMaj y, DMatrixRMaj lambda, DMatrixRMaj out);

    /** {@code out = B = D^2_xy f(x, y)}, {@code m x n}: {@code B_ij = d^2 f / dy_i dx_j}. */
    void mixedDerivative(DMatrixRMaj y, DMatrixRMaj out);

    /**
     * {@code out = B^T w} ({@code n x 1}) for {@code w} in {@code R^m}. The default forms
     * {@code B}; override when the product is cheaper than the matrix.
     */
    default void mixedDerivativeAdjoint(DMatrixRMaj y, DMatrixRMaj w, DMatrixRMaj out) {
        DMatrixRMaj b = new DMatrixRMaj(variableCount(), parameterCount());
        mixedDerivative(y, b);
        out.reshape(parameterCount(), 1);
        CommonOps_DDRM.multTransA(b, w, out);
    }
}
