package dev.stiefel.djl.riemannian;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.random.RandomGenerator;

/**
 * The manifold a DJL parameter lives on, as the {@link RiemannianOptimizer}s use it: the
 * geometry of an embedded submanifold of {@code R^(shape)} with the Euclidean (Frobenius) metric,
 * written in {@link NDArray} operations that run on the parameter's device (geoopt's
 * {@code Manifold}: {@code egrad2rgrad}, {@code retr}, {@code transp}, {@code component_inner};
 * Bécigneul and Ganea, "Riemannian Adaptive Optimization Methods", ICLR 2019). The built-in
 * constraints come from the factories below; another manifold is added by implementing this
 * interface.
 *
 * <p>Operations return new arrays on the manager of their first argument, or (where the
 * operation is the identity) the argument itself, so results are read, never modified in place.
 * The optimisers call them inside an {@code NDScope}, which closes every intermediate array.
 * The constraints of the factories are stateless and may be shared by any number of parameters
 * and optimisers; {@link #forParameter} gives the instance one parameter's updates use, which may
 * keep workspaces.
 */
public interface ManifoldConstraint {

    /**
     * A short name with the convention, for messages.
     *
     * @return e.g. {@code "Stiefel(orthonormal rows)"}
     */
    String name();

    /**
     * Checks that a parameter of this shape can live on the manifold.
     *
     * @param shape the parameter's shape
     * @throws IllegalArgumentException naming the constraint and the shape when it cannot
     */
    void checkShape(Shape shape);

    /**
     * The shape of {@link #componentInner} for a parameter of this shape: {@code (1, 1)} when the
     * whole parameter is one manifold (Stiefel, sphere), one entry per unit vector for an oblique
     * manifold, the parameter's shape for the Euclidean space.
     *
     * @param shape the parameter's shape
     * @return a shape that broadcasts against {@code shape}
     */
    Shape componentShape(Shape shape);

    /**
     * The orthogonal projection of an ambient vector onto the tangent space at {@code point}.
     *
     * @param point a point of the manifold
     * @param vector an array of the point's shape
     * @return {@code P_point(vector)}
     */
    NDArray projectToTangent(NDArray point, NDArray vector);

    /**
     * This constraint for the repeated updates of one parameter of this shape: the same manifold
     * and the same results, but it may keep host workspaces from one call to the next, so it
     * serves one parameter and is not shared between threads. The optimisers hold one per
     * parameter and device. The default is this constraint itself.
     *
     * @param shape the parameter's shape, accepted by {@link #checkShape}
     * @return the constraint for that parameter's updates
     * @throws IllegalArgumentException when {@link #checkShape} rejects the shape
     */
    default ManifoldConstraint forParameter(Shape shape) {
        checkShape(shape);
        return this;
    }

    /**
     * Whether this is the whole space {@code R^(shape)}: the projection and the transport are the
     * identity, {@code R_x(v) = x + v} and {@link #componentInner} is {@code v * v} entry by entry.
     * The optimisers then update such a parameter in place with the same arithmetic, without
     * calling these operations or forming the intermediate arrays of a manifold step. Default
     * false.
     *
     * @return true only for the Euclidean space
     */
    default boolean isEuclidean() {
        return false;
    }

    /**
     * The Riemannian gradient of the embedded metric: the projection of the Euclidean gradient
     * (Absil, Mahony, Sepulchre, "Optimization Algorithms on Matrix Manifolds", Princeton 2008,
     * eq. 3.37).
     *
     * @param point a point of the manifold
     * @param euclideanGradient the gradient of the loss with respect to the parameter's entries
     * @return {@code P_point(euclideanGradient)}
     */
    default NDArray riemannianGradient(NDArray point, NDArray euclideanGradient) {
        return projectToTangent(point, euclideanGradient);
    }

    /**
     * A retraction {@code R_point(tangent)}: a point of the manifold with {@code R_x(0) = x} and
     * velocity {@code tangent} at 0 (Absil, Mahony, Sepulchre 2008, Def. 4.1.1).
     *
     * @param point a point of the manifold
     * @param tangent the step, a tangent vector at {@code point} (an ambient vector is accepted
     *     where the retraction is defined for it, as geoopt's are)
     * @return the new point
     * @throws ArithmeticException when the retraction is not defined there (a rank-deficient
     *     {@code point + tangent} on Stiefel, a non-finite step)
     */
    NDArray retract(NDArray point, NDArray tangent);

    /**
     * Vector transport from {@code from} to {@code to}; the default is the projection onto the
     * tangent space at {@code to}, as geoopt's {@code transp} for these manifolds.
     *
     * @param from the point {@code vector} is tangent at
     * @param to the target point
     * @param vector a tangent vector at {@code from}
     * @return a tangent vector at {@code to}
     */
    default NDArray transport(NDArray from, NDArray to, NDArray vector) {
        return projectToTangent(to, vector);
    }

    /**
     * The squared norm of a tangent vector split into the manifold's components (geoopt's
     * {@code component_inner(x, u)}): {@code ||u||_F^2} as one entry for the Stiefel manifold and
     * the sphere, {@code ||u_j||^2} per unit vector on the oblique manifold, {@code u * u} entry
     * by entry in the Euclidean space. Riemannian Adam keeps its second moment in this shape.
     *
     * @param point a point of the manifold
     * @param tangent a tangent vector at {@code point}
     * @return an array of shape {@link #componentShape}
     */
    NDArray componentInner(NDArray point, NDArray tangent);

    /**
     * How far an array is from the manifold, computed in float64 on the host: {@code ||X^T X -
     * I||_F} on Stiefel, {@code max_j | ||x_j|| - 1 |} on the oblique manifold and the sphere, 0
     * in the Euclidean space.
     *
     * @param point an array of a shape this constraint accepts
     * @return the defect, 0 on the manifold up to rounding
     */
    double defect(NDArray point);

    /**
     * A random point for a parameter of this shape, reproducible for a seeded generator: Haar
     * measure on Stiefel (QR of a Gaussian matrix with the signs fixed), uniform on spheres,
     * standard normal entries in the Euclidean space.
     *
     * @param shape the parameter's shape, accepted by {@link #checkShape}
     * @param random the generator the Gaussian entries are drawn from
     * @return the point's entries in row-major order
     */
    double[] randomPoint(Shape shape, RandomGenerator random);

    /**
     * The Euclidean space: the ordinary update, what unconstrained parameters get.
     *
     * @return the shared instance
     */
    static ManifoldConstraint euclidean() {
        return EuclideanConstraint.INSTANCE;
    }

    /**
     * The Stiefel manifold {@code {X in R^(n x p) : X^T X = I}} of a matrix parameter with
     * orthonormal columns ({@code n >= p}), with the QR retraction as geoopt's
     * {@code EuclideanStiefel}.
     *
     * @return the shared instance
     */
    static ManifoldConstraint stiefelColumns() {
        return StiefelConstraint.COLUMNS;
    }

    /**
     * The Stiefel manifold of a matrix parameter with orthonormal rows, {@code X X^T = I}
     * ({@code rows <= columns}): a DJL {@code Linear} weight, stored {@code (out, in)}, whose
     * output directions are orthonormal. It is {@link #stiefelColumns()} of the transpose.
     *
     * @return the shared instance
     */
    static ManifoldConstraint stiefelRows() {
        return StiefelConstraint.ROWS;
    }

    /**
     * The unit sphere {@code {X : ||X||_F = 1}} of a parameter of any shape, with the
     * normalisation retraction.
     *
     * @return the shared instance
     */
    static ManifoldConstraint sphere() {
        return SphereConstraint.INSTANCE;
    }

    /**
     * The oblique manifold of a matrix parameter with unit-norm columns, {@code diag(X^T X) = 1},
     * with the normalisation retraction of each column.
     *
     * @return the shared instance
     */
    static ManifoldConstraint obliqueColumns() {
        return ObliqueConstraint.COLUMNS;
    }

    /**
     * The oblique manifold of a matrix parameter with unit-norm rows, {@code diag(X X^T) = 1}:
     * a DJL {@code Linear} weight, stored {@code (out, in)}, with one unit vector per output
     * (geoopt's {@code Sphere} applied to a matrix).
     *
     * @return the shared instance
     */
    static ManifoldConstraint obliqueRows() {
        return ObliqueConstraint.ROWS;
    }
}
