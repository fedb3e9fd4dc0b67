package dev.stiefel.manifold;

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
public final class Euclidean<M> extends DenseMatrixManifold<M> {

    /** The difference of two points. */
    private final M difference;

    /**
     * @throws IllegalArgumentException unless {@code rows >= 1} and {@code cols >= 1}, or when
     *     {@code kernels} is null
     */
    public Euclidean(DenseKernels<M> kernels, int rows, int cols) {
        super(requireArguments(kernels, rows, cols), rows, cols, "Euclidean(" + rows + ", " + cols + ")", false);
        this.difference = workspace(rows, cols);
    }

    private static <M> DenseKernels<M> requireArguments(DenseKernels<M> kernels, int rows, int cols) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("Euclidean(rows, cols) needs rows >= 1 and cols >= 1, got rows = "
                    + rows + ", cols = " + cols);
        }
        if (kernels == null) {
            throw new IllegalArgumentException("Euclidean(" + rows + ", " + cols + "): kernels must not be null");
        }
        return kernels;
    }

    /** {@code R^(rows x cols)} on the default CPU backend ({@link Kernels#cpu()}). */
    public static Euclidean<DMatrixRMaj> onCpu(int rows, int cols) {
        return new Euclidean<>(Kernels.cpu(), rows, cols);
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

    /** The identity: {@code out = z}. */
    @Override
    public void projectToTangent(M x, M z, M out) {
        requireShape(z, "ambient vector z");
        requireShape(out, "out");
        if (out != z) {
            kernels.copy(z, out);
        }
    }

    /** The Euclidean Hessian-vector product itself (no curvature). */
    @Override
    public void euclideanToRiemannianHessian(M x, M euclideanGradient, M euclideanHessianV, M v, M out) {
        requireShape(euclideanGradient, "Euclidean gradient");
        requireShape(v, "tangent vector v");
        projectToTangent(x, euclideanHessianV, out);
    }

    /** {@code out = x + v}; {@code out} may alias {@code v} (and here even {@code x}). */
    @Override
    public void retract(M x, M v, M out) {
        requireShape(x, "point x");
        requireShape(v, "tangent vector v");
        requireShape(out, "out");
        kernels.addScaled(1.0, x, 1.0, v, out);
    }

    @Override
    public boolean hasInverseRetraction() {
        return true;
    }

    /** {@code out = y - x}. */
    @Override
    public void inverseRetract(M x, M y, M out) {
        requireShape(x, "point x");
        requireShape(y, "point y");
        requireShape(out, "out");
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
        drawGaussian(random, out, out);
    }

    /** A Gaussian direction, normalised. */
    @Override
    public void randomTangent(M x, RandomGenerator random, M out) {
        drawGaussian(random, out, out);
        kernels.scale(1.0 / kernels.normF(out), out);
    }

    /** {@code sqrt(rows * cols)}, as Manopt's {@code euclideanfactory}. */
    @Override
    public double typicalDistance() {
        return Math.sqrt((double) rows * cols);
    }

    /** Shape and finiteness: every finite matrix of the right shape is a point. */
    @Override
    public void checkPoint(M x, double tolerance) {
        requireFinitePoint(x, tolerance);
    }

    /** Shape and finiteness. */
    @Override
    public void checkTangent(M x, M v, double tolerance) {
        requireFinitePointAndVector(x, v, tolerance);
    }

    /** {@code ||x - y||_F}. */
    @Override
    public double distance(M x, M y) {
        requireShape(x, "point x");
        requireShape(y, "point y");
        requireOpen();
        kernels.addScaled(1.0, x, -1.0, y, difference);
        return kernels.normF(difference);
    }
}
