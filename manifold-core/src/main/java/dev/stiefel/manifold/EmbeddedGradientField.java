package dev.stiefel.manifold;

import static dev.stiefel.manifold.ManifoldSupport.requireShape;

import dev.stiefel.kernel.DenseKernels;

/**
 * The embedded gradient vector field of Birtea and Comanescu for a cost {@code f} on the Stiefel
 * manifold (Birtea, Comanescu, "Hessian operators on constraint manifolds", J. Nonlinear Sci.
 * 2015; Birtea, Casu, Comanescu, "First order optimality conditions and steepest descent
 * algorithm on orthogonal Stiefel manifolds", Optim. Lett. 2019), defined on all of
 * {@code R^(n x p)}:
 *
 * <pre>
 *   Sigma(U)      = sym(U^T grad f(U))                (the Lagrange multipliers)
 *   G(U)          = grad f(U) - U Sigma(U)            (the field)
 *   Hess G(U)[V]  = P_U(Hess f(U)[V] - V Sigma(U))    (its Hessian on T_U St)
 * </pre>
 *
 * <p>On the manifold {@code G} is the Riemannian gradient of the embedded metric and
 * {@code Hess G} the Riemannian Hessian; off the manifold {@code G} is still defined, and the
 * unprojected {@link #lagrangianHessian} is the Hessian of the Lagrangian
 * {@code f(U) - <Sigma, U^T U - I> / 2} at fixed multipliers, which the KKT system of a
 * declarative node needs. All arithmetic goes through the kernels.
 *
 * @param <M> the backend's matrix type
 */
public final class EmbeddedGradientField<M> implements AutoCloseable {

    private final DenseKernels<M> kernels;
    private final int n;
    private final int p;
    private final String name;
    private final M multipliers;
    /** {@code -V Sigma(U)}, the curvature term of the Lagrangian Hessian. */
    private final M curvatureTerm;
    private boolean closed;

    /** @throws IllegalArgumentException unless {@code n >= p >= 1} */
    public EmbeddedGradientField(DenseKernels<M> kernels, int n, int p) {
        if (n < p || p < 1) {
            throw new IllegalArgumentException("EmbeddedGradientField(n, p) needs n >= p >= 1, got n = " + n
                    + ", p = " + p);
        }
        if (kernels == null) {
            throw new IllegalArgumentException("EmbeddedGradientField: kernels must not be null");
        }
        this.kernels = kernels;
        this.n = n;
        this.p = p;
        this.name = "EmbeddedGradientField(" + n + ", " + p + ")";
        this.multipliers = kernels.create(p, p);
        this.curvatureTerm = kernels.create(n, p);
    }

    /**
     * {@code out = Sigma(U) = sym(U^T grad f(U))}.
     *
     * @param out {@code p x p}, overwritten
     * @return {@code out}
     */
    public M multipliers(M u, M euclideanGradient, M out) {
        requireShape(kernels, u, n, p, name, "point u");
        requireShape(kernels, euclideanGradient, n, p, name, "Euclidean gradient");
        requireShape(kernels, out, p, p, name, "multipliers out");
        return StiefelGeometry.multiplierMatrix(kernels, u, euclideanGradient, out);
    }

    /**
     * {@code out = G(U) = grad f(U) - U Sigma(U)}; {@code out} may alias the gradient, not {@code u}.
     *
     * @return {@code out}
     */
    public M field(M u, M euclideanGradient, M out) {
        requireShape(kernels, u, n, p, name, "point u");
        requireShape(kernels, euclideanGradient, n, p, name, "Euclidean gradient");
        requireOutput(u, out);
        StiefelGeometry.multiplierMatrix(kernels, u, euclideanGradient, multipliers);
        if (out != euclideanGradient) {
            kernels.copy(euclideanGradient, out);
        }
        kernels.gemm(-1.0, u, false, multipliers, false, 1.0, out);
        return out;
    }

    /**
     * {@code out = Hess f(U)[V] - V Sigma(U)}, the Hessian of the Lagrangian at the multipliers
     * {@code Sigma(U)}, applied to {@code v} and not projected. {@code out} may alias any input
     * except {@code u}.
     *
     * @return {@code out}
     */
    public M lagrangianHessian(M u, M euclideanGradient, M euclideanHessianV, M v, M out) {
        requireShape(kernels, u, n, p, name, "point u");
        requireShape(kernels, euclideanGradient, n, p, name, "Euclidean gradient");
        requireShape(kernels, euclideanHessianV, n, p, name, "Euclidean Hessian-vector product");
        requireShape(kernels, v, n, p, name, "direction v");
        requireOutput(u, out);
        StiefelGeometry.multiplierMatrix(kernels, u, euclideanGradient, multipliers);
        kernels.gemm(-1.0, v, false, multipliers, false, 0.0, curvatureTerm);
        kernels.addScaled(1.0, euclideanHessianV, 1.0, curvatureTerm, out);
        return out;
    }

    /**
     * {@code out = P_U(Hess f(U)[V] - V Sigma(U))} with {@code P_U(Z) = Z - U sym(U^T Z)}: the
     * Hessian of the field on the tangent space, equal to the Riemannian Hessian of the embedded
     * metric for {@code U} on the manifold. {@code out} may alias any input except {@code u}.
     *
     * @return {@code out}
     */
    public M hessian(M u, M euclideanGradient, M euclideanHessianV, M v, M out) {
        lagrangianHessian(u, euclideanGradient, euclideanHessianV, v, out);
        StiefelGeometry.multiplierMatrix(kernels, u, out, multipliers);
        kernels.gemm(-1.0, u, false, multipliers, false, 1.0, out);
        return out;
    }

    private void requireOutput(M u, M out) {
        requireShape(kernels, out, n, p, name, "out");
        if (out == u) {
            throw new IllegalArgumentException(name + ": out must not alias the point u");
        }
    }

    /**
     * Frees the workspaces (device memory on a GPU backend); the kernels stay the caller's.
     * Closing twice is harmless.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        kernels.free(multipliers);
        kernels.free(curvatureTerm);
    }
}
