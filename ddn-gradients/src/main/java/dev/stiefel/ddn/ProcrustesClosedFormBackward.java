package dev.stiefel.ddn;

import dev.stiefel.kernel.DenseKernels;

/**
 * {@link BackwardMethod#CLOSED_FORM}: for a {@link ProcrustesParametricProblem}, whose minimiser
 * is {@code U = polar(G(x))}, {@code xi = dL/dG} comes from {@link PolarBackward} and
 * {@code dL/dx = (DG)^T xi = -mixedDerivativeAdjoint(U, xi)}. The polar backward's {@code dL/dG}
 * is a tangent vector at {@code U} and equals {@code Hess f(U)^-1 P_U(Vbar)}, so this is the
 * same quantity the implicit methods compute (docs/mathematics.md section 5c).
 *
 * <p>The given solution must be {@code polar(G)} to {@link #SOLUTION_TOLERANCE} (relative,
 * Frobenius): a mismatch means the caller solved a different problem. Not thread-safe.
 *
 * <p>Built with the {@link PolarBackward} whose {@link PolarBackward#forward} computed the
 * solution (a closed-form solver's), the backward reuses that factorisation when it
 * {@link PolarBackward#holds} this problem's {@code G} (an {@code O(dC)} comparison) instead of
 * decomposing {@code G} again.
 *
 * @param <M> the backend's matrix type
 */
public final class ProcrustesClosedFormBackward<M> implements DeclarativeBackward<M> {

    /** How far the given solution may be from {@code polar(G)}, relative to {@code ||U||_F = sqrt(p)}. */
    public static final double SOLUTION_TOLERANCE = 1e-6;

    private final DenseKernels<M> kernels;
    private final PolarBackward<M> polar;
    /** Whether {@link #polar} was created here (and is closed here) rather than shared. */
    private final boolean ownsPolar;
    private M procrustes;
    private M polarFactor;
    private M gradient;

    public ProcrustesClosedFormBackward(DenseKernels<M> kernels) {
        this(kernels, new PolarBackward<>(kernels), true);
    }

    /**
     * @param kernels the backend of the problem's points
     * @param polar the factorisation the forward solve used (shared, not copied; its owner
     *     closes it)
     */
    public ProcrustesClosedFormBackward(DenseKernels<M> kernels, PolarBackward<M> polar) {
        this(kernels, polar, false);
    }

    private ProcrustesClosedFormBackward(DenseKernels<M> kernels, PolarBackward<M> polar, boolean ownsPolar) {
        if (kernels == null || polar == null) {
            throw new IllegalArgumentException("kernels and polar must not be null");
        }
        this.kernels = kernels;
        this.polar = polar;
        this.ownsPolar = ownsPolar;
    }

    @Override
    public BackwardMethod method() {
        return BackwardMethod.CLOSED_FORM;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when the problem is not a {@link ProcrustesParametricProblem}
     *     or the solution is not {@code polar(G)}
     * @throws ArithmeticException when {@code G} is numerically rank deficient
     */
    @Override
    public <X> X vjp(ParametricProblem<M, X> problem, M solution, M upstream, X out) {
        if (!(problem instanceof ProcrustesParametricProblem)) {
            throw new IllegalArgumentException("the closed-form backward needs a ProcrustesParametricProblem"
                    + " (cost -<U, G(x)> on the manifold); got " + (problem == null ? "null" : problem.getClass().getName())
                    + ": use MATRIX_FREE or DENSE");
        }
        ProcrustesParametricProblem<M, X> procrustesProblem = (ProcrustesParametricProblem<M, X>) problem;
        ensureWorkspaces(kernels.rows(solution), kernels.cols(solution));
        procrustesProblem.procrustesMatrix(procrustes);
        if (!polar.holds(procrustes)) {
            polar.forward(procrustes, polarFactor);
        }
        kernels.addScaled(1.0, polar.factor(), -1.0, solution, gradient);
        double mismatch = kernels.normF(gradient) / Math.sqrt(kernels.cols(solution));
        if (!(mismatch <= SOLUTION_TOLERANCE)) {
            throw new IllegalArgumentException("the solution is not polar(G) of the problem: relative distance "
                    + mismatch + " > " + SOLUTION_TOLERANCE);
        }
        polar.backward(upstream, gradient);
        // dL/dx = (DG)^T xi = -mixedDerivativeAdjoint(U, xi); negate xi since x's type is opaque.
        kernels.scale(-1.0, gradient);
        problem.mixedDerivativeAdjoint(solution, gradient, out);
        return out;
    }

    private void ensureWorkspaces(int rows, int cols) {
        if (procrustes != null && kernels.rows(procrustes) == rows && kernels.cols(procrustes) == cols) {
            return;
        }
        if (procrustes != null) {
            kernels.free(procrustes);
            kernels.free(polarFactor);
            kernels.free(gradient);
        }
        procrustes = kernels.create(rows, cols);
        polarFactor = kernels.create(rows, cols);
        gradient = kernels.create(rows, cols);
    }

    /**
     * Frees the three {@code d x C} workspaces, and the polar factorisation when this instance
     * created it (a shared one stays its owner's). Closing twice is harmless; a later
     * {@link #vjp} allocates the workspaces again.
     */
    @Override
    public void close() {
        if (procrustes != null) {
            kernels.free(procrustes);
            kernels.free(polarFactor);
            kernels.free(gradient);
            procrustes = null;
            polarFactor = null;
            gradient = null;
        }
        if (ownsPolar) {
            polar.close();
        }
    }
}
