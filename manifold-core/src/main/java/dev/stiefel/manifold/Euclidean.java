package dev.stiefel.manifold;

import static dev.stiefel.manifold.ManifoldSupport.requireFiniteShape;
import static dev.stiefel.manifold.ManifoldSupport.requireShape;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;

/**
 * The flat space {@code R^(n x m)} with the Frobenius inner product (pymanopt's
 * {@code Euclidean}, Manopt's {@code euclideanfactory}): every tangent space is the whole space,
 * the Riemannian gradient and Hessian are the Euclidean ones, the retraction
 * {@code R_x(v) = x + v} is the exponential map and is inverted by {@code y - x}, and transport is
 * the identity. Unconstrained problems and the Euclidean factors of a {@link Product} use it.
 *
 * @param <M> the backend's matrix type
 */
public final class Euclidean<M> implements Manifold<M>, AutoCloseable {

    private final DenseKernels<M> kernels;
    private final int rows;
    private final int cols;
    private final String name;
    /** A Gaussian draw for the random tangent vector. */
    private final M gaussian;
    /** The difference of two points. */
    private final M difference;
    private boolean closed;
    private final DMatrixRMaj hostAmbient;

    /**
     * @throws IllegalArgumentException unless {@code rows >= 1} and {@code cols >= 1}, or when
     *     {@code kernels} is null
     */
    public Euclidean(DenseKernels<M> kernels, int rows, int cols) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("Euclidean(rows, cols) needs rows >= 1 and cols >= 1, got rows = "
                    + rows + ", cols = " + cols);
        }
        if (kernels == null) {
            throw new IllegalArgumentException("Euclidean(" + rows + ", " + cols + "): kernels must not be null");
        }
        this.kernels = kernels;
        this.rows = rows;
        this.cols = cols;
        this.name = "Euclidean(" + rows + ", " + cols + ")";
        this.gaussian = kernels.create(rows, cols);
        this.difference = kernels.create(rows, cols);
        this.hostAmbient = new DMatrixRMaj(rows, cols);
    }

    /** {@code R^(rows x cols)} on the default CPU backend ({@link Kernels#cpu()}). */
    public static Euclidean<DMatrixRMaj> onCpu(int rows, int cols) {
        return new Euclidean<>(Kernels.cpu(), rows, cols);
    }

    public DenseKernels<M> kernels() {
        return kernels;
    }

    public int rows() {
        return rows;
    }

    public int columns() {
        return cols;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return name + " on " + kernels.name();
    }

    /** {@code rows * cols}. */
    @Override
    public int dimension() {
        return rows * cols;
    }

    @Override
    public M allocate() {
        return kernels.create(rows, cols);
    }

    @Override
    public void free(M a) {
        kernels.free(a);
    }

    @Override
    public void copy(M src, M dst) {
        ManifoldSupport.copy(kernels, rows, cols, name, src, dst);
    }

    @Override
    public double inner(M x, M u, M v) {
        return ManifoldSupport.inner(kernels, rows, cols, name, u, v);
    }

    /** The identity: {@code out = z}. */
    @Override
    public void projectToTangent(M x, M z, M out) {
        check(z, "ambient vector z");
        check(out, "out");
        if (out != z) {
            kernels.copy(z, out);
        }
    }

    @Override
    public void euclideanToRiemannianGradient(M x, M euclideanGradient, M out) {
        projectToTangent(x, euclideanGradient, out);
    }

    /** The Euclidean Hessian-vector product itself (no curvature). */
    @Override
    public void euclideanToRiemannianHessian(M x, M euclideanGradient, M euclideanHessianV, M v, M out) {
        check(euclideanGradient, "Euclidean gradient");
        check(v, "tangent vector v");
        projectToTangent(x, euclideanHessianV, out);
    }

    /** {@code out = x + v}; {@code out} may alias {@code v} (and here even {@code x}). */
    @Override
    public void retract(M x, M v, M out) {
        check(x, "point x");
        check(v, "tangent vector v");
        check(out, "out");
        kernels.addScaled(1.0, x, 1.0, v, out);
    }

    @Override
    public boolean hasInverseRetraction() {
        return true;
    }

    /** {@code out = y - x}. */
    @Override
    public void inverseRetract(M x, M y, M out) {
        check(x, "point x");
        check(y, "point y");
        check(out, "out");
        kernels.addScaled(1.0, y, -1.0, x, out);
    }

    /** The identity. */
    @Override
    public void transport(M x, M y, M v, M out) {
        projectToTangent(y, v, out);
    }

    /** Standard normal entries, drawn in row-major order. */
    @Override
    public void randomPoint(RandomGenerator random, M out) {
        ManifoldSupport.requireRandom(random, name);
        check(out, "out");
        kernels.copyFromHost(ManifoldSupport.fillGaussian(random, hostAmbient), out);
    }

    /** A Gaussian direction, normalised. */
    @Override
    public void randomTangent(M x, RandomGenerator random, M out) {
        randomPoint(random, gaussian);
        kernels.copy(gaussian, out);
        kernels.scale(1.0 / kernels.normF(out), out);
    }

    @Override
    public void zeroTangent(M x, M out) {
        ManifoldSupport.zeroTangent(kernels, rows, cols, name, out);
    }

    @Override
    public void linearCombination(M x, double a, M u, double b, M v, M out) {
        ManifoldSupport.linearCombination(kernels, rows, cols, name, a, u, b, v, out);
    }

    /** {@code sqrt(rows * cols)}, as Manopt's {@code euclideanfactory}. */
    @Override
    public double typicalDistance() {
        return Math.sqrt((double) rows * cols);
    }

    /** Shape and finiteness: every finite matrix of the right shape is a point. */
    @Override
    public void checkPoint(M x, double tolerance) {
        ManifoldSupport.requireTolerance(tolerance, name);
        requireFiniteShape(kernels, x, rows, cols, name, "point");
    }

    /** Shape and finiteness. */
    @Override
    public void checkTangent(M x, M v, double tolerance) {
        ManifoldSupport.requireTolerance(tolerance, name);
        requireFiniteShape(kernels, x, rows, cols, name, "point");
        requireFiniteShape(kernels, v, rows, cols, name, "tangent vector");
    }

    /** {@code ||x - y||_F}. */
    @Override
    public double distance(M x, M y) {
        check(x, "point x");
        check(y, "point y");
        kernels.addScaled(1.0, x, -1.0, y, difference);
        return kernels.normF(difference);
    }

    private void check(M a, String role) {
        requireShape(kernels, a, rows, cols, name, role);
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
        kernels.free(gaussian);
        kernels.free(difference);
    }
}
