package dev.stiefel.manifold;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;

/**
 * The unit sphere {@code {X in R^(n x m) : ||X||_F = 1}} with the embedded metric (Absil, Mahony,
 * Sepulchre 2008, Example 3.6.1; Boumal 2023, Sec. 7.2; pymanopt's {@code Sphere}):
 * projection {@code P_x(z) = z - <x, z> x}, Riemannian Hessian
 * {@code P_x(H[v]) - <x, G> v}, transport by projection, dimension {@code n m - 1}, and the
 * retraction object of {@link SphereRetraction} (normalisation or exponential, both invertible,
 * or a user-defined one). The exponential and logarithm are also available directly.
 * {@link #close()} frees the workspaces.
 *
 * @param <M> the backend's matrix type
 */
public final class Sphere<M> extends DenseMatrixManifold<M> implements RiemannianSubmanifold<M> {

    /**
     * At the antipode the direction {@code u = y - <x, y> x} is rounding noise (about
     * {@code eps |x|}): below this size the logarithm is rejected rather than pointed anywhere.
     */
    private static final double ANTIPODAL_SINE = 1e-13;

    private final SphereRetraction retraction;
    private final Retraction<M> retractionMethod;
    /** A tangent vector scaled to unit norm and projected; a point's distance vector; a checked vector's scaled copy. */
    private final M direction;
    private final double argumentTolerance;
    private final ManifoldSupport.TangencyDefect<M> normalComponent;
    private final double[] angle = new double[1];
    private final double[] cosine = new double[1];
    private final double[] sine = new double[1];

    /**
     * @throws IllegalArgumentException unless {@code rows >= 1} and {@code cols >= 1}, or when an
     *     argument is null
     */
    public Sphere(DenseKernels<M> kernels, int rows, int cols, SphereRetraction retraction) {
        super(requireArguments(kernels, rows, cols, retraction), rows, cols, "Sphere(" + rows + ", " + cols + ")",
                false);
        this.retraction = retraction;
        this.direction = workspace(rows, cols);
        this.argumentTolerance = ManifoldSupport.argumentTolerance(kernels);
        this.normalComponent = (point, vector) -> Math.abs(kernels.dot(point, vector));
        this.retractionMethod = ownRetraction(retraction.bind(this), retraction.name());
    }

    private static <M> DenseKernels<M> requireArguments(DenseKernels<M> kernels, int rows, int cols,
            SphereRetraction retraction) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("Sphere(rows, cols) needs rows >= 1 and cols >= 1, got rows = "
                    + rows + ", cols = " + cols);
        }
        if (kernels == null || retraction == null) {
            throw new IllegalArgumentException("Sphere(" + rows + ", " + cols
                    + "): kernels and retraction must not be null");
        }
        return kernels;
    }

    /**
     * The checks of the operations that build a point: {@code | ||x||_F - 1 |} and
     * {@code |<x, v>| / max(1, ||v||_F)} within {@link Manifold#ARGUMENT_TOLERANCE}.
     */
    private void requirePointAndTangent(M x, M v) {
        requireUnitNorm(x, "point x");
        ManifoldSupport.requireTangent(kernels, x, v, direction, hostAmbient, argumentTolerance, name, "|<x, v>|", normalComponent);
    }

    private void requireUnitNorm(M x, String role) {
        double defect = Math.abs(kernels.normF(x) - 1.0);
        if (!(defect <= argumentTolerance) && !kernels.allFinite(x)) {
            throw new IllegalArgumentException(name + ": " + role + " " + ManifoldSupport.firstNonFinite(kernels, x,
                    hostAmbient));
        }
        if (!(defect <= argumentTolerance)) {
            throw new IllegalArgumentException(name + ": " + role + " is not a point of the manifold, | ||x||_F - 1 | = "
                    + defect + " > " + argumentTolerance);
        }
    }

    /** The unit sphere of {@code R^(rows x cols)} on {@link Kernels#cpu()} with normalisation. */
    public static Sphere<DMatrixRMaj> onCpu(int rows, int cols) {
        return new Sphere<>(Kernels.cpu(), rows, cols, SphereRetraction.NORMALIZATION);
    }

    /**
     * The same sphere on the same backend with another retraction, built-in or user-defined
     * (new workspaces; close it separately).
     */
    public Sphere<M> withRetraction(SphereRetraction newRetraction) {
        return new Sphere<>(kernels, rows, cols, newRetraction);
    }

    /** The retraction recipe this instance was built with. */
    public SphereRetraction retraction() {
        return retraction;
    }

    /** The bound retraction object {@link #retract} delegates to. */
    public Retraction<M> retractionMethod() {
        return retractionMethod;
    }

    @Override
    public String toString() {
        return name + " with " + retraction.name() + " retraction on " + kernels.name();
    }

    /** {@code rows * cols - 1}. */
    @Override
    public int dimension() {
        return rows * cols - 1;
    }

    /** {@code out = z - <x, z> x}; {@code out} may alias {@code z}. */
    @Override
    public void projectToTangent(M x, M z, M out) {
        requireShape(x, "point x");
        requireShape(z, "ambient vector z");
        requireOutput(x, out);
        kernels.addScaled(1.0, z, -kernels.dot(x, z), x, out);
    }

    /**
     * {@code out = P_x(H[v]) - <x, G> v} (Absil, Mahony, Trumpf 2013; pymanopt's
     * {@code Sphere.euclidean_to_riemannian_hessian}), by the formula of
     * {@link RiemannianSubmanifold}; {@code out} may alias any input but {@code x}.
     */
    @Override
    public void euclideanToRiemannianHessian(M x, M euclideanGradient, M euclideanHessianV, M v, M out) {
        requireHessianArguments(x, euclideanGradient, euclideanHessianV, v, out);
        RiemannianSubmanifold.euclideanToRiemannianHessian(this, x, euclideanGradient, euclideanHessianV, v,
                direction, out);
    }

    /**
     * The Weingarten map of the sphere, {@code W_x(v, n) = -<x, n> v} for a tangent {@code v}
     * and a normal {@code n} (pymanopt's {@code Sphere.weingarten}). {@code out} may alias
     * {@code v}, not {@code normal}.
     */
    public void weingarten(M x, M v, M normal, M out) {
        requireShape(x, "point x");
        requireShape(v, "tangent vector v");
        requireShape(normal, "normal vector");
        requireOutput(x, out);
        if (out == normal) {
            throw new IllegalArgumentException(name + ": weingarten output must not alias the normal vector");
        }
        kernels.addScaled(-kernels.dot(x, normal), v, 0.0, v, out);
    }

    /**
     * {@code out = -<x, G> v}: the Weingarten map of the normal part {@code <x, G> x} of
     * {@code G}, whose {@code <x, n>} is {@code <x, G>}.
     */
    @Override
    public void weingartenOfNormalPart(M x, M v, M euclideanGradient, M out) {
        if (out == v || out == euclideanGradient) {
            throw new IllegalArgumentException(name + ": the Weingarten term's output must alias neither input");
        }
        kernels.addScaled(-kernels.dot(x, euclideanGradient), v, 0.0, v, out);
    }

    /**
     * The configured retraction, see {@link SphereRetraction}; {@code out} may alias {@code v},
     * not {@code x}.
     *
     * @throws IllegalArgumentException when {@code x} is not a point or {@code v} not tangent
     *     there, beyond {@link Manifold#ARGUMENT_TOLERANCE}
     */
    @Override
    public void retract(M x, M v, M out) {
        requireStep(x, v, out);
        requirePointAndTangent(x, v);
        retractionMethod.retract(x, v, out);
    }

    /** Normalisation {@code (x + v) / ||x + v||}, for every finite {@code v}. */
    void normalisedSum(M x, M v, M out) {
        kernels.addScaled(1.0, x, 1.0, v, out);
        // A power-of-two scaling first, so that a norm beyond Double.MAX_VALUE cannot overflow.
        ManifoldSupport.scaleToUnitNorm(kernels, out, out);
        kernels.scale(1.0 / kernels.normF(out), out);
    }

    /** The exponential map, whatever the configured retraction (both are second order). */
    @Override
    public void secondOrderRetract(M x, M v, M out) {
        exponential(x, v, out);
    }

    /**
     * {@code Exp_x(v) = cos(|v|) x + (sin(|v|) / |v|) v}; {@code out} may alias {@code v}.
     * Evaluated for tangent vectors of every finite length: {@code v} is scaled by a power of
     * two to unit norm (the scale goes into the angle, whose cosine and sine are exact for every
     * finite angle) and projected once more onto the tangent space, and the result is
     * normalised, so that it has unit norm to rounding.
     */
    public void exponential(M x, M v, M out) {
        requireStep(x, v, out);
        requirePointAndTangent(x, v);
        exponentialOfChecked(x, v, out);
    }

    /** The exponential of a checked point and tangent vector. */
    void exponentialOfChecked(M x, M v, M out) {
        int exponent = ManifoldSupport.scaleToUnitNorm(kernels, v, direction);
        kernels.addScaled(1.0, direction, -kernels.dot(x, direction), x, direction);
        double length = kernels.normF(direction);
        if (length == 0.0) {
            kernels.copy(x, out);
            return;
        }
        angle[0] = length;
        ManifoldSupport.cosinesAndSines(angle, 1, exponent, 0.0, cosine, sine);
        kernels.addScaled(cosine[0], x, sine[0] / length, direction, out);
        kernels.scale(1.0 / kernels.normF(out), out);
    }

    /**
     * {@code Log_x(y) = (theta / |u|) u}, {@code u = y - <x, y> x}, {@code theta = atan2(|u|, <x, y>)}
     * (the {@code atan2} form stays accurate for nearby points, where {@code acos} loses half the
     * digits); {@code out} must alias neither point.
     *
     * @throws ArithmeticException for antipodal points, where the logarithm is not unique
     */
    public void logarithm(M x, M y, M out) {
        requirePointPair(x, y, out);
        requireUnitNorm(x, "point x");
        requireUnitNorm(y, "point y");
        logarithmOfChecked(x, y, out);
    }

    /** The logarithm of checked points. */
    void logarithmOfChecked(M x, M y, M out) {
        double cosine = kernels.dot(x, y);
        kernels.addScaled(1.0, y, -cosine, x, out);
        double sine = kernels.normF(out);
        if (sine <= ANTIPODAL_SINE && cosine < 0.0) {
            throw new ArithmeticException(name + ": logarithm of antipodal points is not unique (|y - <x, y> x| = "
                    + sine + ")");
        }
        double angle = Math.atan2(sine, cosine);
        kernels.scale(sine == 0.0 ? 0.0 : angle / sine, out);
    }

    @Override
    public boolean hasInverseRetraction() {
        return retractionMethod.hasInverse();
    }

    /**
     * Inverse of the configured retraction: for the built-in ones {@code y / <x, y> - x}
     * (normalisation) or the logarithm (exponential). {@code out} must alias neither point.
     *
     * @throws IllegalArgumentException when {@code x} or {@code y} is not a point, beyond
     *     {@link Manifold#ARGUMENT_TOLERANCE}
     * @throws UnsupportedOperationException when the configured retraction has no inverse
     * @throws ArithmeticException when {@code y} is outside the image ({@code <x, y> <= 0} for
     *     normalisation, the antipode for the exponential)
     */
    @Override
    public void inverseRetract(M x, M y, M out) {
        requirePointPair(x, y, out);
        if (!retractionMethod.hasInverse()) {
            throw new UnsupportedOperationException(name + ": the " + retraction.name() + " retraction has no inverse");
        }
        requireUnitNorm(x, "point x");
        requireUnitNorm(y, "point y");
        retractionMethod.inverseRetract(x, y, out);
    }

    /** {@code y / <x, y> - x}, the inverse of normalisation, for checked points. */
    void inverseOfNormalisation(M x, M y, M out) {
        double cosine = kernels.dot(x, y);
        if (!(cosine > 0.0)) {
            throw new ArithmeticException(name + ": y is not the normalisation retraction of a tangent vector at x "
                    + "(<x, y> = " + cosine + " must be positive)");
        }
        kernels.addScaled(1.0 / cosine, y, -1.0, x, out);
    }

    /** A normalised Gaussian matrix: uniform on the sphere. */
    @Override
    public void randomPoint(RandomGenerator random, M out) {
        drawGaussian(random, out, out);
        kernels.scale(1.0 / kernels.normF(out), out);
    }

    /** A projected Gaussian matrix, normalised; zero on the zero-dimensional sphere of {@code R^1}. */
    @Override
    public void randomTangent(M x, RandomGenerator random, M out) {
        randomUnitTangent(x, random, direction, out);
    }

    /** {@code pi}, the diameter, as pymanopt's and Manopt's spheres. */
    @Override
    public double typicalDistance() {
        return Math.PI;
    }

    /**
     * @throws IllegalArgumentException on a wrong shape, a NaN or infinite entry, or
     *     {@code | ||x||_F - 1 | > tolerance}
     */
    @Override
    public void checkPoint(M x, double tolerance) {
        requireFinitePoint(x, tolerance);
        double defect = Math.abs(kernels.normF(x) - 1.0);
        if (!(defect <= tolerance)) {
            throw new IllegalArgumentException(name + ": point does not have unit norm, | ||x||_F - 1 | = "
                    + defect + " > tolerance " + tolerance);
        }
    }

    /**
     * @throws IllegalArgumentException on a wrong shape, a NaN or infinite entry, or
     *     {@code |<x, v>| > tolerance max(1, ||v||_F)}
     */
    @Override
    public void checkTangent(M x, M v, double tolerance) {
        requireFinitePointAndVector(x, v, tolerance);
        double defect = Math.abs(kernels.dot(x, v));
        double allowed = tolerance * Math.max(1.0, kernels.normF(v));
        if (!(defect <= allowed)) {
            throw new IllegalArgumentException(name + ": vector is not tangent, |<x, v>| = " + defect + " > "
                    + allowed);
        }
    }

    /** Great-circle distance {@code atan2(||y - <x, y> x||, <x, y>)}. */
    @Override
    public double distance(M x, M y) {
        requireShape(x, "point x");
        requireShape(y, "point y");
        double cosine = kernels.dot(x, y);
        kernels.addScaled(1.0, y, -cosine, x, direction);
        return Math.atan2(kernels.normF(direction), cosine);
    }
}
