package dev.stiefel.manifold;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;

/**
 * The Grassmann manifold {@code Gr(n, p)} of {@code p}-dimensional subspaces of {@code R^n}, as
 * the quotient {@code St(n, p) / O(p)} (Absil, Mahony, Sepulchre 2008, Sec. 3.4.4; Edelman,
 * Arias, Smith 1998, Sec. 2.5; pymanopt's {@code Grassmann}). A point is an orthonormal
 * {@code n x p} representative {@code X}; a tangent vector is its horizontal lift, {@code X^T V = 0}.
 *
 * <ul>
 *   <li>dimension {@code p (n - p)};
 *   <li>horizontal projection {@code P_X(Z) = Z - X X^T Z}, also the transport;
 *   <li>Riemannian Hessian {@code P_X(H[V]) - V X^T G};
 *   <li>retraction: an object bound to the instance ({@link GrassmannRetraction}); the built-in
 *       ones give a representative of {@code span(X + V)}, with inverse
 *       {@code Y (X^T Y)^(-1) - X} (Manifolds.jl's polar and QR inverse retractions);
 *   <li>distance {@code sqrt(sum theta_i^2)} over the principal angles.
 * </ul>
 *
 * <p>A cost on this manifold must be invariant, {@code f(X Q) = f(X)} for orthogonal {@code Q}.
 * The workspaces are allocated in the constructor (and by the bound retraction); no operation
 * allocates afterwards, so instances are not thread-safe. {@link #close()} frees them.
 *
 * @param <M> the backend's matrix type
 */
public final class Grassmann<M> extends DenseMatrixManifold<M> implements RiemannianSubmanifold<M> {

    /** {@code n}, the {@link #rows} of a representative, under the name the formulas give it. */
    private final int n;
    /** {@code p}, the dimension of the subspaces: the {@link #cols} of a representative. */
    private final int p;
    private final GrassmannRetraction retraction;
    private final Retraction<M> retractionMethod;
    /** The step turned into a point: {@code X + V}, the scaled horizontal part of {@code V}, the unnormalised result. */
    private final M step;
    /** Left singular vectors of a step or of {@code Y - X X^T Y}; the scaled copy of a checked vector. */
    private final M leftVectors;
    /** A Gaussian draw for the random point and tangent vector. */
    private final M gaussian;
    /** {@code X^T Z}: coordinates of a vector along the representative's columns. */
    private final M coordinates;
    /** {@code (X^T Y)^(-1)}. */
    private final M inverseCoordinates;
    /** Right singular vectors. */
    private final M rightVectors;
    /** Right singular vectors scaled by the cosines of the angles; the right vectors of {@code X^T Y}. */
    private final M scaledRightVectors;
    /** {@code I_p}, the right-hand side of {@code (X^T Y)^(-1)}. */
    private final M identity;
    private final double[] cosines;
    private final double[] sines;
    private final double negligibleSingularValue;
    private final double argumentTolerance;
    private final ManifoldSupport.TangencyDefect<M> horizontality;

    /**
     * @param retraction the retraction {@link #retract} uses: a built-in one
     *     ({@link GrassmannRetraction#POLAR}, {@link GrassmannRetraction#QR}) or a user-defined one
     * @throws IllegalArgumentException unless {@code n >= p >= 1}, or when an argument is null
     */
    public Grassmann(DenseKernels<M> kernels, int n, int p, GrassmannRetraction retraction) {
        super(requireArguments(kernels, n, p, retraction), n, p, "Grassmann(" + n + ", " + p + ")", false);
        this.n = n;
        this.p = p;
        this.retraction = retraction;
        this.step = workspace(n, p);
        this.leftVectors = workspace(n, p);
        this.gaussian = workspace(n, p);
        this.coordinates = workspace(p, p);
        this.inverseCoordinates = workspace(p, p);
        this.rightVectors = workspace(p, p);
        this.scaledRightVectors = workspace(p, p);
        this.identity = workspace(p, p);
        kernels.setIdentity(identity);
        this.cosines = new double[p];
        this.sines = new double[p];
        this.negligibleSingularValue = ManifoldSupport.NEGLIGIBLE_SINGULAR_VALUE * n;
        this.argumentTolerance = ManifoldSupport.argumentTolerance(kernels);
        this.horizontality = (point, vector) -> {
            kernels.gemm(1.0, point, true, vector, false, 0.0, coordinates);
            return kernels.normF(coordinates);
        };
        this.retractionMethod = ownRetraction(retraction.bind(this), retraction.name());
    }

    private static <M> DenseKernels<M> requireArguments(DenseKernels<M> kernels, int n, int p,
            GrassmannRetraction retraction) {
        if (n < p || p < 1) {
            throw new IllegalArgumentException("Grassmann(n, p) needs n >= p >= 1, got n = " + n + ", p = " + p);
        }
        if (kernels == null || retraction == null) {
            throw new IllegalArgumentException("Grassmann(" + n + ", " + p
                    + "): kernels and retraction must not be null");
        }
        return kernels;
    }

    /**
     * The checks of the operations that build a point: {@code ||X^T X - I||_F} and
     * {@code ||X^T V||_F / max(1, ||V||_F)} within {@link Manifold#ARGUMENT_TOLERANCE}.
     */
    private void requirePointAndHorizontal(M x, M v) {
        ManifoldSupport.requireOrthonormal(kernels, x, coordinates, hostAmbient, argumentTolerance, name, "point x");
        ManifoldSupport.requireTangent(kernels, x, v, leftVectors, hostAmbient, argumentTolerance, name, "||X^T V||_F",
                horizontality);
    }

    private void requirePoints(M x, M y) {
        ManifoldSupport.requireOrthonormal(kernels, x, coordinates, hostAmbient, argumentTolerance, name, "point x");
        ManifoldSupport.requireOrthonormal(kernels, y, coordinates, hostAmbient, argumentTolerance, name, "point y");
    }

    /** {@code Gr(n, p)} on {@link Kernels#cpu()} with the polar retraction. */
    public static Grassmann<DMatrixRMaj> onCpu(int n, int p) {
        return new Grassmann<>(Kernels.cpu(), n, p, GrassmannRetraction.POLAR);
    }

    /**
     * The same manifold on the same backend with another retraction, built-in or user-defined
     * (new workspaces; close it separately).
     */
    public Grassmann<M> withRetraction(GrassmannRetraction newRetraction) {
        return new Grassmann<>(kernels, n, p, newRetraction);
    }

    /** The retraction recipe this instance was built with. */
    public GrassmannRetraction retraction() {
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

    /** {@code p (n - p)}. */
    @Override
    public int dimension() {
        return p * (n - p);
    }

    /** Horizontal projection {@code out = Z - X (X^T Z)}; {@code out} may alias {@code z}. */
    @Override
    public void projectToTangent(M x, M z, M out) {
        requireShape(x, "point x");
        requireShape(z, "ambient vector z");
        requireOutput(x, out);
        kernels.gemm(1.0, x, true, z, false, 0.0, coordinates);
        if (out != z) {
            kernels.copy(z, out);
        }
        kernels.gemm(-1.0, x, false, coordinates, false, 1.0, out);
    }

    /**
     * {@code out = P_X(H[V]) - V (X^T G)} (Absil, Mahony, Sepulchre 2008, Sec. 5.5.3; pymanopt's
     * {@code Grassmann.euclidean_to_riemannian_hessian}), by the formula of
     * {@link RiemannianSubmanifold}; {@code out} may alias any input but {@code x}.
     */
    @Override
    public void euclideanToRiemannianHessian(M x, M euclideanGradient, M euclideanHessianV, M v, M out) {
        requireHessianArguments(x, euclideanGradient, euclideanHessianV, v, out);
        RiemannianSubmanifold.euclideanToRiemannianHessian(this, x, euclideanGradient, euclideanHessianV, v, step,
                out);
    }

    /**
     * {@code out = -V (X^T G)}: the Weingarten map {@code W_X(V, N) = -V X^T N} (see
     * {@link #weingarten}) of the normal part {@code N = X X^T G} of {@code G}.
     */
    @Override
    public void weingartenOfNormalPart(M x, M v, M euclideanGradient, M out) {
        if (out == v || out == euclideanGradient) {
            throw new IllegalArgumentException(name + ": the Weingarten term's output must alias neither input");
        }
        kernels.gemm(1.0, x, true, euclideanGradient, false, 0.0, coordinates);
        kernels.gemm(-1.0, v, false, coordinates, false, 0.0, out);
    }

    /**
     * The configured retraction, see {@link GrassmannRetraction}; {@code out} may alias
     * {@code v}, not {@code x}.
     *
     * @throws IllegalArgumentException when {@code x} is not a point or {@code v} not horizontal
     *     there, beyond {@link Manifold#ARGUMENT_TOLERANCE}
     */
    @Override
    public void retract(M x, M v, M out) {
        requireStep(x, v, out);
        requirePointAndHorizontal(x, v);
        retractionMethod.retract(x, v, out);
    }

    /**
     * The built-in retractions' map: {@code qf(X + V)} ({@code qr}) or the polar factor of
     * {@code X + V}. Steps longer than {@link #LONG_STEP} are evaluated as a geodesic-like
     * curve: with the thin SVD {@code V = U S W^T}, {@code X + V = (X W + U S) W^T} spans the
     * same subspace as {@code X W cos(T) W^T + U sin(T) W^T}, {@code T = atan(S)}, which is the
     * polar factor of {@code X + V} and stays accurate when {@code X} is lost in the rounding of
     * {@code V} ({@code X + V} is then rank deficient to working precision, though never in
     * exact arithmetic); both return that polar representative there.
     */
    void spanOfSum(M x, M v, boolean qr, M out) {
        if (kernels.normF(v) > LONG_STEP) {
            geodesicLike(x, v, false, out);
            return;
        }
        kernels.addScaled(1.0, x, 1.0, v, step);
        if (qr) {
            kernels.qrPositive(step, out, null);
        } else {
            kernels.polar(step, out);
        }
    }

    /**
     * Steps longer than this are retracted through the SVD of {@code V} (see
     * {@link GrassmannRetraction}); below it {@code X + V} has condition number at most 16 and
     * its QR or polar factor is accurate to rounding.
     */
    public static final double LONG_STEP = 16.0;

    @Override
    public boolean hasInverseRetraction() {
        return retractionMethod.hasInverse();
    }

    /**
     * Inverse of the configured retraction; for the built-in ones
     * {@code out = Y (X^T Y)^(-1) - X}, the horizontal {@code V} with
     * {@code span(X + V) = span(Y)}. {@code out} must alias neither point.
     *
     * @throws IllegalArgumentException when {@code x} or {@code y} is not a point, beyond
     *     {@link Manifold#ARGUMENT_TOLERANCE}
     * @throws UnsupportedOperationException when the configured retraction has no inverse
     * @throws ArithmeticException when {@code X^T Y} is singular (a direction of {@code span(Y)}
     *     is orthogonal to {@code span(X)}: {@code Y} is outside the image)
     */
    @Override
    public void inverseRetract(M x, M y, M out) {
        requirePointPair(x, y, out);
        if (!retractionMethod.hasInverse()) {
            throw new UnsupportedOperationException(name + ": the " + retraction.name() + " retraction has no inverse");
        }
        requirePoints(x, y);
        retractionMethod.inverseRetract(x, y, out);
    }

    /** {@code out = Y (X^T Y)^(-1) - X}, the inverse of the built-in retractions. */
    void inverseOfSpan(M x, M y, M out) {
        kernels.gemm(1.0, x, true, y, false, 0.0, coordinates);
        try {
            kernels.solve(coordinates, identity, inverseCoordinates);
        } catch (ArithmeticException singular) {
            throw new ArithmeticException(name + ": span(Y) is not the retraction of a tangent vector at X "
                    + "(X^T Y is singular): " + singular.getMessage());
        }
        kernels.gemm(1.0, y, false, inverseCoordinates, false, 0.0, out);
        kernels.addScaled(1.0, out, -1.0, x, out);
    }

    /** {@code qf} of a Gaussian matrix: a uniformly distributed subspace. */
    @Override
    public void randomPoint(RandomGenerator random, M out) {
        drawGaussian(random, out, gaussian);
        kernels.qrPositive(gaussian, out, null);
    }

    /** A projected Gaussian matrix, normalised; zero on the zero-dimensional {@code Gr(n, n)}. */
    @Override
    public void randomTangent(M x, RandomGenerator random, M out) {
        randomUnitTangent(x, random, gaussian, out);
    }

    /** {@code sqrt(p)}, as Manopt's {@code grassmannfactory}. */
    @Override
    public double typicalDistance() {
        return Math.sqrt(p);
    }

    /**
     * @throws IllegalArgumentException on a wrong shape, a NaN or infinite entry, or
     *     {@code ||X^T X - I||_F > tolerance}
     */
    @Override
    public void checkPoint(M x, double tolerance) {
        requireFinitePoint(x, tolerance);
        double defect = ManifoldSupport.orthonormalityDefect(kernels, x, coordinates);
        if (!(defect <= tolerance)) {
            throw new IllegalArgumentException(name + ": representative does not have orthonormal columns, "
                    + "||X^T X - I||_F = " + defect + " > tolerance " + tolerance);
        }
    }

    /**
     * @throws IllegalArgumentException on a wrong shape, a NaN or infinite entry, or a
     *     non-horizontal vector, {@code ||X^T V||_F > tolerance max(1, ||V||_F)}
     */
    @Override
    public void checkTangent(M x, M v, double tolerance) {
        requireFinitePointAndVector(x, v, tolerance);
        kernels.gemm(1.0, x, true, v, false, 0.0, coordinates);
        double defect = kernels.normF(coordinates);
        double allowed = tolerance * Math.max(1.0, kernels.normF(v));
        if (!(defect <= allowed)) {
            throw new IllegalArgumentException(name + ": vector is not horizontal, ||X^T V||_F = " + defect
                    + " > " + allowed);
        }
    }

    /**
     * Geodesic distance {@code sqrt(sum theta_i^2)} over the principal angles (Edelman, Arias,
     * Smith 1998, Sec. 4.3). The cosines are the singular values of {@code X^T Y} (descending),
     * the sines those of {@code Y - X X^T Y} (whose ascending order pairs with them); each angle
     * comes from whichever is the smaller, where it is well conditioned ({@code acos} near 1
     * would lose half the digits).
     */
    @Override
    public double distance(M x, M y) {
        requireShape(x, "point x");
        requireShape(y, "point y");
        kernels.gemm(1.0, x, true, y, false, 0.0, inverseCoordinates);
        kernels.svdThin(inverseCoordinates, rightVectors, cosines, scaledRightVectors);
        projectToTangent(x, y, step);
        kernels.svdThin(step, leftVectors, sines, rightVectors);
        double sum = 0.0;
        for (int i = 0; i < p; i++) {
            double cosine = Math.min(1.0, cosines[i]);
            double sine = Math.min(1.0, sines[p - 1 - i]);
            double angle = sine < cosine ? Math.asin(sine) : Math.acos(cosine);
            sum += angle * angle;
        }
        return Math.sqrt(sum);
    }

    /**
     * Riemannian exponential (Edelman, Arias, Smith 1998, Thm. 2.3; pymanopt's
     * {@code Grassmann.exp}): with the thin SVD {@code V = U S W^T},
     * {@code Exp_X(V) = X W cos(S) W^T + U sin(S) W^T}, an orthonormal representative of the
     * subspace. {@code out} may alias {@code v}, not {@code x}.
     *
     * <p>Evaluated for tangent vectors of every finite length: {@code V} is scaled by a power
     * of two to unit norm (the scale goes into the angles, whose cosines and sines are exact
     * for every finite angle), projected once more onto the horizontal space; singular values
     * below rounding noise are zero angles (their singular vectors are arbitrary, possibly in
     * {@code span(X)}: with {@code n < 2p} some always are), {@code U} is projected onto the
     * complement of {@code X}, and the result is re-orthonormalised by its polar factor (same
     * subspace), as pymanopt re-orthonormalises by QR.
     */
    public void exponential(M x, M v, M out) {
        requireStep(x, v, out);
        requirePointAndHorizontal(x, v);
        geodesicLike(x, v, true, out);
    }

    /**
     * {@code out = polar(X W cos(T) W^T + U sin(T) W^T)} for the thin SVD {@code V = U S W^T}
     * of the horizontal part of {@code V}, with angles {@code T = S} (the exponential) or
     * {@code T = atan(S)} (the span of {@code X + V}), for every finite {@code V}: see
     * {@link #exponential}.
     */
    private void geodesicLike(M x, M v, boolean exponentialAngles, M out) {
        int exponent = ManifoldSupport.scaleToUnitNorm(kernels, v, step);
        kernels.gemm(1.0, x, true, step, false, 0.0, coordinates);
        kernels.gemm(-1.0, x, false, coordinates, false, 1.0, step);
        if (kernels.normF(step) == 0.0) {
            kernels.copy(x, out);
            return;
        }
        kernels.svdThin(step, leftVectors, sines, rightVectors);
        if (exponentialAngles) {
            ManifoldSupport.cosinesAndSines(sines, p, exponent, negligibleSingularValue, cosines, sines);
        } else {
            arcTangentCosinesAndSines(exponent);
        }
        kernels.gemm(1.0, x, true, leftVectors, false, 0.0, coordinates);
        kernels.gemm(-1.0, x, false, coordinates, false, 1.0, leftVectors);
        kernels.scaleColumns(rightVectors, cosines, scaledRightVectors);
        kernels.gemm(1.0, scaledRightVectors, false, rightVectors, true, 0.0, coordinates);
        kernels.scaleColumns(leftVectors, sines, leftVectors);
        kernels.gemm(1.0, x, false, coordinates, false, 0.0, step);
        kernels.gemm(1.0, leftVectors, false, rightVectors, true, 1.0, step);
        kernels.polar(step, out);
    }

    /**
     * {@code cos} and {@code sin} of {@code atan(s_i 2^exponent)} for the scaled singular values
     * in {@code sines}: {@code 1 / hypot(1, s)} and {@code s / hypot(1, s)}, through {@code 1 / s}
     * for large {@code s} so that nothing overflows.
     */
    private void arcTangentCosinesAndSines(int exponent) {
        for (int i = 0; i < p; i++) {
            double scaled = sines[i];
            if (!(scaled > negligibleSingularValue)) {
                cosines[i] = 1.0;
                sines[i] = 0.0;
                continue;
            }
            double value = Math.scalb(scaled, exponent);
            if (value <= 1.0) {
                double length = Math.hypot(1.0, value);
                cosines[i] = 1.0 / length;
                sines[i] = value / length;
            } else {
                double inverse = Math.scalb(1.0 / scaled, -exponent);
                double length = Math.hypot(1.0, inverse);
                cosines[i] = inverse / length;
                sines[i] = 1.0 / length;
            }
        }
    }

    /**
     * Riemannian logarithm (Absil, Mahony, Sepulchre 2004, Sec. 3.8; pymanopt's
     * {@code Grassmann.log}): with the thin SVD {@code (I - X X^T) Y (X^T Y)^(-1) = U S W^T},
     * {@code Log_X(Y) = U atan(S) W^T}, the horizontal vector of the shortest geodesic from
     * {@code span(X)} to {@code span(Y)}. {@code out} must alias neither point.
     *
     * @throws ArithmeticException when {@code X^T Y} is singular (a principal angle is
     *     {@code pi / 2}: the cut locus, where the logarithm is not unique)
     */
    public void logarithm(M x, M y, M out) {
        requirePointPair(x, y, out);
        requirePoints(x, y);
        inverseOfSpan(x, y, out);
        kernels.svdThin(out, leftVectors, sines, rightVectors);
        for (int i = 0; i < p; i++) {
            sines[i] = Math.atan(sines[i]);
        }
        kernels.scaleColumns(leftVectors, sines, leftVectors);
        kernels.gemm(1.0, leftVectors, false, rightVectors, true, 0.0, out);
    }

    /** The exponential map: the same subspaces as the configured retraction's, to second order. */
    @Override
    public void secondOrderRetract(M x, M v, M out) {
        exponential(x, v, out);
    }

    /**
     * The Weingarten map of the quotient, {@code W_X(V, N) = -V X^T N} for a horizontal
     * {@code V} and a vector {@code N} normal to the horizontal space (Absil, Mahony, Trumpf 2013;
     * pymanopt's {@code Grassmann.weingarten}); {@code P_X(H[V]) + W_X(V, G - P_X(G))} is the
     * Riemannian Hessian. {@code out} must alias none of the inputs.
     */
    public void weingarten(M x, M v, M normal, M out) {
        requireShape(x, "point x");
        requireShape(v, "tangent vector v");
        requireShape(normal, "normal vector");
        requireOutput(x, out);
        if (out == v || out == normal) {
            throw new IllegalArgumentException(name + ": weingarten output must alias neither input");
        }
        kernels.gemm(1.0, x, true, normal, false, 0.0, coordinates);
        kernels.gemm(-1.0, v, false, coordinates, false, 0.0, out);
    }
}
