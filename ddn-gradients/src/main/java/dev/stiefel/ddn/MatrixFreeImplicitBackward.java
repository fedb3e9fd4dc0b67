package dev.stiefel.ddn;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.manifold.Manifold;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.problem.EuclideanHessian;
import java.util.List;

/**
 * Matrix-free implicit differentiation of {@code U(x) = argmin_{U in M} f(x, U)}
 * ({@link BackwardMethod#MATRIX_FREE}): conjugate gradients on the tangent space solve
 * <pre>
 *   Hess f(U)[xi] = P_U(Vbar),     then     dL/dx = -mixedDerivativeAdjoint(U, xi)
 * </pre>
 * (signs derived in {@link DeclarativeBackward}). The Riemannian Hessian-vector product is
 * {@link Manifold#euclideanToRiemannianHessian}; on Stiefel with the embedded metric it is
 * {@code P_U(Hess f[V] - V sym(U^T grad f))}, where {@code sym(U^T grad f)} are the Lagrange
 * multipliers of {@code U^T U = I} given by the embedded gradient vector field
 * ({@code docs/mathematics.md} sections 5a and 5b; Absil, Mahony, Sepulchre 2008, section 5.5;
 * Boumal 2023, section 7.7).
 *
 * <p>Written against {@link Manifold}, it works on any manifold whose Hessian conversion is
 * right; Stiefel is the case it is tuned for: on a {@link Stiefel} manifold the multipliers {@code Sigma = sym(U^T grad f)} are
 * formed once per solve rather than in every Hessian-vector product (one {@code n p^2} product
 * saved out of about five per iteration); the result is the same.
 *
 * <p>Conjugate gradients need a positive-definite operator. The Riemannian Hessian is positive
 * definite at a nondegenerate local minimiser; at a degenerate one (or at a saddle) the solve
 * fails loudly: zero or negative curvature, a numerically singular Hessian (Rayleigh quotient
 * below {@link ImplicitBackwardOptions#curvatureTolerance()} times the largest seen) or no
 * convergence within {@link ImplicitBackwardOptions#maxIterations()} throw
 * {@link ArithmeticException}. Memory: six vectors of the point's size, plus on Stiefel a
 * {@code p x p} multiplier matrix and one more ambient buffer ({@code O(np)} in all), kept
 * across calls for the same manifold; each iteration costs one Euclidean Hessian-vector product
 * and its conversion. Not thread-safe.
 *
 * @param <P> point type
 */
public final class MatrixFreeImplicitBackward<P> implements DeclarativeBackward<P> {

    /** Orthonormality a solution must have: far looser than any solver's result, tight enough to catch a non-point. */
    private static final double POINT_TOLERANCE = 1e-8;

    private final ImplicitBackwardOptions options;

    private Manifold<P> workspaceManifold;
    private P euclideanGradient;
    private P euclideanHessianProduct;
    private P xi;
    private P residual;
    private P direction;
    private P hessianDirection;
    /** Set when the workspace manifold is a Stiefel manifold: its kernels, Sigma and an ambient buffer. */
    private Stiefel<P> stiefel;
    private DenseKernels<P> stiefelKernels;
    private P multipliers;
    private P ambient;

    private int lastIterations;
    private double lastRelativeResidual = Double.NaN;

    /** With {@link ImplicitBackwardOptions#DEFAULTS}. */
    public MatrixFreeImplicitBackward() {
        this(ImplicitBackwardOptions.DEFAULTS);
    }

    public MatrixFreeImplicitBackward(ImplicitBackwardOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        this.options = options;
    }

    @Override
    public BackwardMethod method() {
        return BackwardMethod.MATRIX_FREE;
    }

    public ImplicitBackwardOptions options() {
        return options;
    }

    /** Conjugate-gradient iterations of the last {@link #vjp}. */
    public int lastIterations() {
        return lastIterations;
    }

    /** {@code ||P_U(Vbar) - Hess f[xi]|| / ||P_U(Vbar)||} recomputed at the end of the last {@link #vjp}. */
    public double lastRelativeResidual() {
        return lastRelativeResidual;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when the problem has no Euclidean Hessian, the solution is
     *     not a point of the manifold, or the upstream gradient is not finite
     * @throws ArithmeticException on zero or negative curvature, a numerically singular Hessian,
     *     or no convergence
     */
    @Override
    public <X> X vjp(ParametricProblem<P, X> problem, P point, P upstream, X out) {
        solveForXi(problem, point, upstream);
        // The adjoint is linear in its direction and x's type is opaque here: negate xi, not dL/dx.
        problem.manifold().linearCombination(point, -1.0, xi, 0.0, xi, xi);
        problem.mixedDerivativeAdjoint(point, xi, out);
        return out;
    }

    /**
     * Solves {@code Hess f(U)[xi] = P_U(Vbar)} on the tangent space and writes {@code xi} into
     * {@code out}. For a problem of {@link ProcrustesParametricProblem} form {@code xi = dL/dG}.
     *
     * @param out tangent vector storage of the manifold; may not alias the inputs
     * @return {@code out}
     */
    public P solveHessianSystem(ParametricProblem<P, ?> problem, P point, P upstream, P out) {
        solveForXi(problem, point, upstream);
        problem.manifold().copy(xi, out);
        return out;
    }

    /** Solves the Hessian system; the result is left in the field {@link #xi}. */
    private void solveForXi(ParametricProblem<P, ?> problem, P point, P upstream) {
        if (problem == null) {
            throw new IllegalArgumentException("problem must not be null");
        }
        EuclideanHessian<P> hessian = problem.euclideanHessian().orElseThrow(() -> new IllegalArgumentException(
                "the matrix-free backward needs Euclidean Hessian-vector products, but "
                        + problem.getClass().getName() + " supplies no Euclidean Hessian (its euclideanHessian()"
                        + " is empty); give the problem a Hessian part"));
        Manifold<P> manifold = problem.manifold();
        manifold.checkPoint(point, POINT_TOLERANCE);
        ensureWorkspaces(manifold);
        lastIterations = 0;
        lastRelativeResidual = Double.NaN;

        problem.euclideanGradient(point, euclideanGradient);
        if (stiefel != null) {
            stiefel.multiplierMatrix(point, euclideanGradient, multipliers);
        }
        manifold.projectToTangent(point, upstream, residual);
        double rightHandSideNorm = manifold.norm(point, residual);
        if (!Double.isFinite(rightHandSideNorm)) {
            throw new IllegalArgumentException("upstream gradient contains NaN or infinite entries");
        }
        manifold.zeroTangent(point, xi);
        if (rightHandSideNorm == 0.0) {
            lastRelativeResidual = 0.0;
            return;
        }
        manifold.copy(residual, direction);
        double residualSquared = rightHandSideNorm * rightHandSideNorm;
        double threshold = options.relativeTolerance() * rightHandSideNorm;
        double largestRayleigh = 0.0;
        for (int iteration = 1; iteration <= options.maxIterations(); iteration++) {
            riemannianHessian(hessian, manifold, point, direction, hessianDirection);
            double curvature = manifold.inner(point, direction, hessianDirection);
            double directionSquared = manifold.inner(point, direction, direction);
            double rayleigh = curvature / directionSquared;
            if (!(curvature > 0.0)) {
                throw new ArithmeticException("Riemannian Hessian is not positive definite at the solution:"
                        + " curvature " + curvature + " along a conjugate-gradient direction (iteration "
                        + iteration + "); the point is not a strict local minimiser or the Hessian is singular");
            }
            largestRayleigh = Math.max(largestRayleigh, rayleigh);
            if (rayleigh <= options.curvatureTolerance() * largestRayleigh) {
                throw new ArithmeticException("Riemannian Hessian is numerically singular at the solution:"
                        + " Rayleigh quotient " + rayleigh + " against " + largestRayleigh
                        + " (iteration " + iteration + ")");
            }
            double step = residualSquared / curvature;
            manifold.linearCombination(point, 1.0, xi, step, direction, xi);
            manifold.linearCombination(point, 1.0, residual, -step, hessianDirection, residual);
            double newResidualSquared = manifold.inner(point, residual, residual);
            lastIterations = iteration;
            if (Math.sqrt(newResidualSquared) <= threshold) {
                lastRelativeResidual = trueRelativeResidual(hessian, manifold, point, upstream, rightHandSideNorm);
                return;
            }
            manifold.linearCombination(point, 1.0, residual, newResidualSquared / residualSquared, direction,
                    direction);
            residualSquared = newResidualSquared;
        }
        throw new ArithmeticException("conjugate gradients on the Riemannian Hessian did not converge in "
                + options.maxIterations() + " iterations (relative residual "
                + Math.sqrt(residualSquared) / rightHandSideNorm + ", tolerance " + options.relativeTolerance()
                + "); the Hessian is singular or badly conditioned at the solution");
    }

    /** Recomputes the residual from scratch: conjugate gradients' recursive residual drifts. */
    private double trueRelativeResidual(EuclideanHessian<P> hessian, Manifold<P> manifold, P point,
            P upstream, double rightHandSideNorm) {
        riemannianHessian(hessian, manifold, point, xi, hessianDirection);
        manifold.projectToTangent(point, upstream, residual);
        manifold.linearCombination(point, 1.0, residual, -1.0, hessianDirection, residual);
        return manifold.norm(point, residual) / rightHandSideNorm;
    }

    /** The Riemannian Hessian at {@code point} applied to {@code tangent}, from the Euclidean one. */
    private void riemannianHessian(EuclideanHessian<P> hessian, Manifold<P> manifold, P point, P tangent, P out) {
        hessian.apply(point, tangent, euclideanHessianProduct);
        if (stiefel != null) {
            // Stiefel's euclideanToRiemannianHessian with the constant Sigma hoisted out of the loop.
            stiefelKernels.copy(euclideanHessianProduct, ambient);
            stiefelKernels.gemm(-1.0, tangent, false, multipliers, false, 1.0, ambient);
            stiefel.projectToTangent(point, ambient, out);
        } else {
            manifold.euclideanToRiemannianHessian(point, euclideanGradient, euclideanHessianProduct, tangent, out);
        }
    }

    /** Frees the conjugate-gradient workspaces (device memory on a GPU backend). Idempotent. */
    @Override
    public void close() {
        freeWorkspaces();
        workspaceManifold = null;
        stiefel = null;
    }

    private void ensureWorkspaces(Manifold<P> manifold) {
        if (manifold == workspaceManifold) {
            return;
        }
        freeWorkspaces();
        stiefel = null;
        allocateWorkspaces(manifold);
    }

    private void freeWorkspaces() {
        if (workspaceManifold != null) {
            for (P p : List.of(euclideanGradient, euclideanHessianProduct, xi, residual,
                    direction, hessianDirection)) {
                workspaceManifold.free(p);
            }
            if (stiefel != null) {
                stiefelKernels.free(multipliers);
                stiefel.free(ambient);
            }
        }
    }

    private void allocateWorkspaces(Manifold<P> manifold) {
        if (manifold instanceof Stiefel) {
            @SuppressWarnings("unchecked") // a Manifold<P> that is a Stiefel is a Stiefel<P>
            Stiefel<P> asStiefel = (Stiefel<P>) manifold;
            stiefel = asStiefel;
            stiefelKernels = asStiefel.kernels();
            multipliers = stiefelKernels.create(asStiefel.columns(), asStiefel.columns());
            ambient = asStiefel.allocate();
        }
        euclideanGradient = manifold.allocate();
        euclideanHessianProduct = manifold.allocate();
        xi = manifold.allocate();
        residual = manifold.allocate();
        direction = manifold.allocate();
        hessianDirection = manifold.allocate();
        workspaceManifold = manifold;
    }
}
