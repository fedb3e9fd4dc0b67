package dev.stiefel.manifold;

import dev.stiefel.kernel.DenseKernels;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;

/**
 * What the matrix manifolds of this package share: points and tangent vectors are
 * {@code rows x cols} matrices of one {@link DenseKernels} backend, and tangent spaces are
 * linear subspaces of {@code R^(rows x cols)} (horizontal spaces, for Grassmann) with the
 * Frobenius inner product. Storage, copies, the metric, linear combinations, the zero vector and
 * the Riemannian gradient (the projection of the Euclidean one) are therefore those of the
 * ambient space and are implemented here once, with the shape and aliasing checks every
 * operation starts with.
 *
 * <p>An instance owns the workspaces it creates through {@link #workspace} and the retraction
 * objects it binds through {@link #ownRetraction}; {@link #close()} closes and frees them, and
 * closes the kernels too when the instance created them. Subclasses supply the geometry:
 * dimension, projection, Hessian, retraction and the checks of their defining equations.
 *
 * @param <M> the backend's matrix type
 */
abstract class DenseMatrixManifold<M> implements Manifold<M>, AutoCloseable {

    /** The backend every operation runs on. */
    final DenseKernels<M> kernels;
    /** Number of rows of a point. */
    final int rows;
    /** Number of columns of a point. */
    final int cols;
    /** {@link #name()}: the manifold with its shape, the prefix of every message. */
    final String name;
    /**
     * A host matrix of the point's shape: the Gaussian draws of the random points and tangent
     * vectors, and the host copy in a message that names a non-finite entry.
     */
    final DMatrixRMaj hostAmbient;

    private final boolean ownsKernels;
    private final List<M> workspaces = new ArrayList<>();
    private final List<Retraction<M>> retractions = new ArrayList<>(2);
    private boolean closed;

    /**
     * @param kernels the backend, non-null (the subclass checks its arguments first, to name
     *     itself in the message)
     * @param rows rows of a point, at least 1
     * @param cols columns of a point, at least 1
     * @param name the manifold with its shape, e.g. {@code "Sphere(3, 1)"}
     * @param ownsKernels whether {@link #close()} closes the kernels too
     */
    DenseMatrixManifold(DenseKernels<M> kernels, int rows, int cols, String name, boolean ownsKernels) {
        this.kernels = kernels;
        this.rows = rows;
        this.cols = cols;
        this.name = name;
        this.ownsKernels = ownsKernels;
        this.hostAmbient = new DMatrixRMaj(rows, cols);
    }

    /** A workspace of the given shape on the backend, freed by {@link #close()}. */
    final M workspace(int workspaceRows, int workspaceCols) {
        M created = kernels.create(workspaceRows, workspaceCols);
        workspaces.add(created);
        return created;
    }

    /**
     * Takes ownership of a bound retraction, closed by {@link #close()}.
     *
     * @param recipe the recipe's name, for the message
     * @throws IllegalArgumentException when the recipe bound to null
     */
    final Retraction<M> ownRetraction(Retraction<M> bound, String recipe) {
        if (bound == null) {
            throw new IllegalArgumentException(name + ": retraction " + recipe + " bound to null");
        }
        retractions.add(bound);
        return bound;
    }

    /** The dense backend every operation runs on. */
    public DenseKernels<M> kernels() {
        return kernels;
    }

    /** The number of rows of a point. */
    public int rows() {
        return rows;
    }

    /** The number of columns of a point. */
    public int columns() {
        return cols;
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * A new {@code rows x cols} matrix, zero; the caller owns it (free it with {@link #free}).
     *
     * @throws IllegalStateException after {@link #close()}
     */
    @Override
    public M allocate() {
        requireOpen();
        return kernels.create(rows, cols);
    }

    @Override
    public void free(M a) {
        kernels.free(a);
    }

    /** {@code dst = src} after checking both are {@code rows x cols}. */
    @Override
    public void copy(M src, M dst) {
        requireShape(src, "src");
        requireShape(dst, "dst");
        kernels.copy(src, dst);
    }

    /** The embedded metric {@code <U, V> = tr(U^T V)}, the Frobenius inner product, at every point. */
    @Override
    public double inner(M x, M u, M v) {
        requireShape(u, "u");
        requireShape(v, "v");
        return kernels.dot(u, v);
    }

    /** {@code P_x(G)}: the projection of the Euclidean gradient (embedded metric). */
    @Override
    public void euclideanToRiemannianGradient(M x, M euclideanGradient, M out) {
        projectToTangent(x, euclideanGradient, out);
    }

    /** Transport by projection onto the tangent space at {@code y}; {@code out} may alias {@code v}. */
    @Override
    public void transport(M x, M y, M v, M out) {
        requireShape(x, "point x");
        projectToTangent(y, v, out);
    }

    @Override
    public void zeroTangent(M x, M out) {
        requireShape(out, "out");
        kernels.zero(out);
    }

    /**
     * {@code out = a u + b v} in the ambient space, which is the tangent combination since
     * tangent spaces are linear subspaces of it; {@code out} may alias {@code u} or {@code v}.
     */
    @Override
    public void linearCombination(M x, double a, M u, double b, M v, M out) {
        requireShape(u, "u");
        requireShape(v, "v");
        requireShape(out, "out");
        kernels.addScaled(a, u, b, v, out);
    }

    /**
     * Closes the bound retractions and frees the workspaces (device memory on a GPU backend),
     * and closes the kernels when this instance created them; kernels passed to the constructor
     * stay the caller's. Points and vectors from {@link #allocate()} stay valid and remain the
     * caller's to free. Closing twice is harmless; {@link #allocate()} and the operations that
     * need a workspace throw {@link IllegalStateException} afterwards.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Retraction<M> retraction : retractions) {
            retraction.close();
        }
        for (M workspace : workspaces) {
            kernels.free(workspace);
        }
        if (ownsKernels) {
            kernels.close();
        }
    }

    // ---- checks ---------------------------------------------------------------------------------

    /** @throws IllegalStateException after {@link #close()} */
    final void requireOpen() {
        if (closed) {
            throw new IllegalStateException(name + " was closed (its workspaces are freed)");
        }
    }

    /** @throws IllegalArgumentException unless {@code a} is a non-null {@code rows x cols} matrix */
    final void requireShape(M a, String role) {
        ManifoldSupport.requireShape(kernels, a, rows, cols, name, role);
    }

    /**
     * An output of an operation at the point {@code x}: open instance, right shape, not
     * {@code x} itself.
     */
    final void requireOutput(M x, M out) {
        requireOpen();
        requireShape(out, "out");
        if (out == x) {
            throw new IllegalArgumentException(name + ": out must not alias the base point x");
        }
    }

    /** The shapes of a step {@code v} at {@code x} and of its output, which must not alias {@code x}. */
    final void requireStep(M x, M v, M out) {
        requireShape(x, "point x");
        requireShape(v, "tangent vector v");
        requireOutput(x, out);
    }

    /** The shapes of two points and of an output that aliases neither (inverse retractions, logarithms). */
    final void requirePointPair(M x, M y, M out) {
        requireShape(x, "point x");
        requireShape(y, "point y");
        requireOutput(x, out);
        if (out == y) {
            throw new IllegalArgumentException(name + ": out must not alias the point y");
        }
    }

    /** The shapes of the arguments of {@link #euclideanToRiemannianHessian}, and its output. */
    final void requireHessianArguments(M x, M euclideanGradient, M euclideanHessianV, M v, M out) {
        requireShape(x, "point x");
        requireShape(euclideanGradient, "Euclidean gradient");
        requireShape(euclideanHessianV, "Euclidean Hessian-vector product");
        requireShape(v, "tangent vector v");
        requireOutput(x, out);
    }

    /** The common part of {@link #checkPoint}: a valid tolerance and a finite {@code rows x cols} point. */
    final void requireFinitePoint(M x, double tolerance) {
        ManifoldSupport.requireTolerance(tolerance, name);
        ManifoldSupport.requireFiniteShape(kernels, x, rows, cols, name, "point");
    }

    /** The common part of {@link #checkTangent}: {@link #requireFinitePoint} and a finite vector. */
    final void requireFinitePointAndVector(M x, M v, double tolerance) {
        requireFinitePoint(x, tolerance);
        ManifoldSupport.requireFiniteShape(kernels, v, rows, cols, name, "tangent vector");
    }

    // ---- random draws ---------------------------------------------------------------------------

    /**
     * {@code target = G}, a matrix of independent standard normal entries drawn in row-major order
     * (the same on every backend for a seeded generator), after checking the generator and the
     * shape of the operation's output {@code out}.
     */
    final void drawGaussian(RandomGenerator random, M out, M target) {
        ManifoldSupport.requireRandom(random, name);
        requireShape(out, "out");
        kernels.copyFromHost(ManifoldSupport.fillGaussian(random, hostAmbient), target);
    }

    /**
     * {@code out = P_x(G) / ||P_x(G)||_F} for a Gaussian {@code G}, drawn into the workspace
     * {@code gaussian} of the point's shape (which must alias neither {@code x} nor {@code out});
     * zero when the manifold is zero-dimensional or the projection vanishes, so that a unit
     * tangent is never a division by zero.
     */
    final void randomUnitTangent(M x, RandomGenerator random, M gaussian, M out) {
        drawGaussian(random, out, gaussian);
        projectToTangent(x, gaussian, out);
        double norm = kernels.normF(out);
        if (dimension() == 0 || norm == 0.0) {
            kernels.zero(out);
        } else {
            kernels.scale(1.0 / norm, out);
        }
    }
}
