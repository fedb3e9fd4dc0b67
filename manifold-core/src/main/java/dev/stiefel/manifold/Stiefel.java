package dev.stiefel.manifold;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;

/**
 * The Stiefel manifold {@code St(n, p) = {X in R^(n x p) : X^T X = I_p}} with the metric it
 * inherits from the Frobenius inner product of {@code R^(n x p)} (the embedded metric; Absil,
 * Mahony, Sepulchre 2008, Sec. 3.3.2; Boumal 2023, Sec. 7.3; pymanopt's {@code Stiefel}).
 *
 * <ul>
 *   <li>dimension {@code n p - p (p + 1) / 2};
 *   <li>tangent space {@code T_X = {V : X^T V + V^T X = 0}};
 *   <li>projection {@code P_X(Z) = Z - X sym(X^T Z)};
 *   <li>Riemannian gradient {@code P_X(G)} of the Euclidean gradient {@code G};
 *   <li>Riemannian Hessian {@code P_X(H[V] - V sym(X^T G))} (projection plus Weingarten term,
 *       Absil, Mahony, Trumpf 2013);
 *   <li>vector transport by projection onto the target tangent space.
 * </ul>
 *
 * <p>All arithmetic goes through {@link DenseKernels}, so the same class runs on every backend.
 * The retraction is an object ({@link StiefelRetraction} binds a {@link Retraction} to the
 * instance); users add their own without editing this class. Workspaces are allocated in the
 * constructor (each bound retraction owns its own, named by their role), and by the first call
 * of {@link #exponential} when the configured retraction is another one, and of a long Cayley
 * step; no operation allocates afterwards. Instances are
 * therefore not thread-safe. {@link #close()} frees the workspaces. Unless a method says
 * otherwise, outputs may alias tangent-vector inputs but never the base point.
 *
 * @param <M> the backend's matrix type
 */
public final class Stiefel<M> extends DenseMatrixManifold<M> implements RiemannianSubmanifold<M> {

    /** {@code n}, the {@link #rows} of a point, under the name the formulas give it. */
    private final int n;
    /** {@code p}, the {@link #cols} of a point, under the name the formulas give it. */
    private final int p;
    private final StiefelRetraction retraction;
    private final Retraction<M> retractionMethod;

    /** {@code sym(X^T Z)} and {@code X^T X}: the multipliers and coordinates along the point ({@code p x p}). */
    private final M multipliers;
    /** {@code sym(V^T N)} of the Weingarten map ({@code p x p}). */
    private final M symmetricProduct;
    /** {@code H[V] + W} of the Hessian ({@code n x p}). */
    private final M hessianWork;
    /** A Gaussian draw for the random point and tangent vector ({@code n x p}). */
    private final M gaussian;
    /** The power-of-two scaled copy of a long vector under a tangency check ({@code n x p}). */
    private final M scaledVector;

    private final double argumentTolerance;
    private final ManifoldSupport.TangencyDefect<M> tangency;

    /** The exponential map when the configured retraction is another one; bound on first use. */
    private Retraction<M> exponentialMap;

    /**
     * @param kernels the dense backend every operation runs on
     * @param n rows
     * @param p columns, {@code 1 <= p <= n}
     * @param retraction the retraction {@link #retract} uses: a built-in one
     *     ({@link StiefelRetraction#QR} and the other constants) or a user-defined one
     * @throws IllegalArgumentException unless {@code n >= p >= 1}, or when an argument is null
     */
    public Stiefel(DenseKernels<M> kernels, int n, int p, StiefelRetraction retraction) {
        this(kernels, n, p, retraction, false);
    }

    private Stiefel(DenseKernels<M> kernels, int n, int p, StiefelRetraction retraction, boolean ownsKernels) {
        super(requireArguments(kernels, n, p, retraction), n, p, "Stiefel(" + n + ", " + p + ")", ownsKernels);
        this.n = n;
        this.p = p;
        this.retraction = retraction;
        this.multipliers = workspace(p, p);
        this.symmetricProduct = workspace(p, p);
        this.hessianWork = workspace(n, p);
        this.gaussian = workspace(n, p);
        this.scaledVector = workspace(n, p);
        this.argumentTolerance = ManifoldSupport.argumentTolerance(kernels);
        this.tangency = (point, vector) -> {
            StiefelGeometry.multiplierMatrix(kernels, point, vector, multipliers);
            return kernels.normF(multipliers);
        };
        this.retractionMethod = ownRetraction(retraction.bind(this), retraction.name());
    }

    private static <M> DenseKernels<M> requireArguments(DenseKernels<M> kernels, int n, int p,
            StiefelRetraction retraction) {
        if (n < p || p < 1) {
            throw new IllegalArgumentException("Stiefel(n, p) needs n >= p >= 1, got n = " + n + ", p = " + p);
        }
        if (kernels == null || retraction == null) {
            throw new IllegalArgumentException("Stiefel(" + n + ", " + p + "): kernels and retraction must not be null");
        }
        return kernels;
    }

    /** {@code St(n, p)} on the default CPU backend ({@link Kernels#cpu()}) with the QR retraction. */
    public static Stiefel<DMatrixRMaj> onCpu(int n, int p) {
        return onCpu(n, p, StiefelRetraction.QR);
    }

    /**
     * {@code St(n, p)} on the default CPU backend ({@link Kernels#cpu()}); the instance owns
     * those kernels and {@link #close()} closes them too.
     */
    public static Stiefel<DMatrixRMaj> onCpu(int n, int p, StiefelRetraction retraction) {
        return new Stiefel<>(Kernels.cpu(), n, p, retraction, true);
    }

    /**
     * The same manifold on the same backend with another retraction, built-in or user-defined
     * (new workspaces; close it separately). It shares this instance's kernels and never closes
     * them: when this instance owns its kernels ({@link #onCpu}), close it last.
     */
    public Stiefel<M> withRetraction(StiefelRetraction newRetraction) {
        return new Stiefel<>(kernels, n, p, newRetraction);
    }

    /** The retraction recipe this instance was built with. */
    public StiefelRetraction retraction() {
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

    /** {@code n p - p (p + 1) / 2}. */
    @Override
    public int dimension() {
        return n * p - p * (p + 1) / 2;
    }

    /** {@code out = Z - X sym(X^T Z)}; {@code out} may alias {@code z}. */
    @Override
    public void projectToTangent(M x, M z, M out) {
        requireShape(x, "point x");
        requireShape(z, "ambient vector z");
        requireOutput(x, out);
        StiefelGeometry.multiplierMatrix(kernels, x, z, multipliers);
        if (out != z) {
            kernels.copy(z, out);
        }
        kernels.gemm(-1.0, x, false, multipliers, false, 1.0, out);
    }

    /**
     * {@code out = P_X(H[V] - V sym(X^T G))}: the projected Euclidean Hessian plus the Weingarten
     * map of the embedding applied to the normal part of {@code G} (Absil, Mahony, Trumpf 2013,
     * eq. 10; pymanopt's {@code Stiefel.euclidean_to_riemannian_hessian}), by the formula of
     * {@link RiemannianSubmanifold}. {@code out} may alias any input except {@code x}.
     */
    @Override
    public void euclideanToRiemannianHessian(M x, M euclideanGradient, M euclideanHessianV, M v, M out) {
        requireHessianArguments(x, euclideanGradient, euclideanHessianV, v, out);
        RiemannianSubmanifold.euclideanToRiemannianHessian(this, x, euclideanGradient, euclideanHessianV, v,
                hessianWork, out);
    }

    /**
     * {@code out = -V sym(X^T G)}: the Weingarten map {@code W_X(V, N)} (see {@link #weingarten})
     * of the normal part {@code N = X sym(X^T G)} of {@code G}, whose {@code X^T N} is
     * {@code sym(X^T G)}, without its normal term {@code -X sym(V^T N)}.
     */
    @Override
    public void weingartenOfNormalPart(M x, M v, M euclideanGradient, M out) {
        if (out == v || out == euclideanGradient) {
            throw new IllegalArgumentException(name + ": the Weingarten term's output must alias neither input");
        }
        StiefelGeometry.multiplierMatrix(kernels, x, euclideanGradient, multipliers);
        kernels.gemm(-1.0, v, false, multipliers, false, 0.0, out);
    }

    /**
     * The Weingarten map of the embedding, {@code W_X(V, N) = -V X^T N - X sym(V^T N)} for a
     * tangent {@code V} and a normal {@code N} (Absil, Mahony, Trumpf 2013, eq. 10; pymanopt's
     * {@code Stiefel.weingarten}); {@code P_X(W_X(V, G - P_X(G)))} is the curvature term of the
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
        kernels.gemm(1.0, x, true, normal, false, 0.0, multipliers);
        kernels.gemm(-1.0, v, false, multipliers, false, 0.0, out);
        kernels.gemm(1.0, v, true, normal, false, 0.0, symmetricProduct);
        kernels.symmetricPart(symmetricProduct, symmetricProduct);
        kernels.gemm(-1.0, x, false, symmetricProduct, false, 1.0, out);
    }

    /**
     * The multiplier matrix {@code sym(X^T G)}, see
     * {@link StiefelGeometry#multiplierMatrix(DenseKernels, Object, Object, Object)}.
     *
     * @param out {@code p x p}, overwritten
     * @return {@code out}
     */
    public M multiplierMatrix(M x, M euclideanGradient, M out) {
        requireShape(x, "point x");
        requireShape(euclideanGradient, "Euclidean gradient");
        ManifoldSupport.requireShape(kernels, out, p, p, name, "multiplier matrix out");
        return StiefelGeometry.multiplierMatrix(kernels, x, euclideanGradient, out);
    }

    /**
     * The configured retraction, see {@link StiefelRetraction}. {@code out} may alias {@code v}
     * but not {@code x}. The built-in Cayley and exponential retractions evaluate tangent
     * vectors of every finite length.
     *
     * @throws IllegalArgumentException when {@code x} is not a point or {@code v} not tangent
     *     there, beyond {@link Manifold#ARGUMENT_TOLERANCE}
     * @throws ArithmeticException when the retraction cannot be evaluated to working precision,
     *     naming the retraction and the length of the step: QR and polar when {@code X + V} is
     *     rank deficient to working precision, which for a tangent {@code V} happens only when
     *     {@code X} is lost in the rounding of a step of length near {@code 1 / eps} or more
     */
    @Override
    public void retract(M x, M v, M out) {
        requireStep(x, v, out);
        requirePointAndTangent(x, v);
        try {
            retractionMethod.retract(x, v, out);
        } catch (ArithmeticException undefined) {
            ArithmeticException named = new ArithmeticException(name + ": the " + retraction.name()
                    + " retraction of a tangent vector of norm " + kernels.normF(v)
                    + " cannot be evaluated to working precision: " + undefined.getMessage());
            named.initCause(undefined);
            throw named;
        }
    }

    /**
     * Riemannian exponential of the embedded metric (Edelman, Arias, Smith 1998, eq. 2.45):
     * {@code Exp_X(V) = [X V] expm([[A, -S], [I, A]]) [expm(-A); 0]}, {@code A = X^T V},
     * {@code S = V^T V}, evaluated through exponentials of skew-symmetric matrices (see
     * {@link StiefelRetraction#EXPONENTIAL}) so that the result has orthonormal columns to
     * rounding for every finite {@code V}. Available on every instance: when the configured
     * retraction is another one, the workspaces are allocated on the first call. {@code out}
     * may alias {@code v} but not {@code x}.
     *
     * @throws IllegalArgumentException when {@code x} is not a point or {@code v} not tangent
     *     there, beyond {@link Manifold#ARGUMENT_TOLERANCE}
     */
    public void exponential(M x, M v, M out) {
        requireStep(x, v, out);
        requirePointAndTangent(x, v);
        exponentialMap().retract(x, v, out);
    }

    /**
     * The checks of the operations that build a point: {@code ||X^T X - I||_F} and
     * {@code ||sym(X^T V)||_F / max(1, ||V||_F)} within {@link Manifold#ARGUMENT_TOLERANCE}.
     */
    private void requirePointAndTangent(M x, M v) {
        ManifoldSupport.requireOrthonormal(kernels, x, multipliers, hostAmbient, argumentTolerance, name, "point x");
        ManifoldSupport.requireTangent(kernels, x, v, scaledVector, hostAmbient, argumentTolerance, name, "||sym(X^T V)||_F",
                tangency);
    }

    private Retraction<M> exponentialMap() {
        if (retraction == StiefelRetraction.EXPONENTIAL) {
            return retractionMethod;
        }
        if (exponentialMap == null) {
            StiefelRetraction recipe = StiefelRetraction.EXPONENTIAL;
            exponentialMap = ownRetraction(recipe.bind(this), recipe.name());
        }
        return exponentialMap;
    }

    /** The exponential map: second order whatever the configured retraction. */
    @Override
    public void secondOrderRetract(M x, M v, M out) {
        exponential(x, v, out);
    }

    @Override
    public boolean hasInverseRetraction() {
        return retractionMethod.hasInverse();
    }

    /**
     * Inverse of the configured retraction (QR and polar among the built-in ones): the tangent
     * {@code V} at {@code X} with {@code R_X(V) = Y}. {@code out} must alias neither point.
     *
     * @throws IllegalArgumentException when {@code x} or {@code y} is not a point, beyond
     *     {@link Manifold#ARGUMENT_TOLERANCE}
     * @throws UnsupportedOperationException when the retraction has no inverse (Cayley,
     *     exponential)
     * @throws ArithmeticException when {@code Y} is not in the image of the retraction at
     *     {@code X} (it is too far from {@code X})
     */
    @Override
    public void inverseRetract(M x, M y, M out) {
        requirePointPair(x, y, out);
        if (!retractionMethod.hasInverse()) {
            throw new UnsupportedOperationException(name + ": the " + retraction.name() + " retraction has no inverse here");
        }
        ManifoldSupport.requireOrthonormal(kernels, x, multipliers, hostAmbient, argumentTolerance, name, "point x");
        ManifoldSupport.requireOrthonormal(kernels, y, multipliers, hostAmbient, argumentTolerance, name, "point y");
        retractionMethod.inverseRetract(x, y, out);
    }

    /**
     * Haar-distributed point: {@code qf(G)} with {@code diag(R) > 0} for a Gaussian {@code G}
     * (Mezzadri 2007: the sign fix is what makes the distribution uniform).
     */
    @Override
    public void randomPoint(RandomGenerator random, M out) {
        drawGaussian(random, out, gaussian);
        kernels.qrPositive(gaussian, out, null);
    }

    /** Projection of a Gaussian matrix, normalised; zero on the zero-dimensional {@code St(1, 1)}. */
    @Override
    public void randomTangent(M x, RandomGenerator random, M out) {
        randomUnitTangent(x, random, gaussian, out);
    }

    /** {@code sqrt(p)}, as Manopt's and pymanopt's Stiefel. */
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
        double defect = ManifoldSupport.orthonormalityDefect(kernels, x, multipliers);
        if (!(defect <= tolerance)) {
            throw new IllegalArgumentException(name + ": point does not have orthonormal columns, ||X^T X - I||_F = "
                    + defect + " > tolerance " + tolerance);
        }
    }

    /**
     * @throws IllegalArgumentException on a wrong shape, a NaN or infinite entry, or
     *     {@code ||sym(X^T V)||_F > tolerance max(1, ||V||_F)}
     */
    @Override
    public void checkTangent(M x, M v, double tolerance) {
        requireFinitePointAndVector(x, v, tolerance);
        StiefelGeometry.multiplierMatrix(kernels, x, v, multipliers);
        double defect = kernels.normF(multipliers);
        double allowed = tolerance * Math.max(1.0, kernels.normF(v));
        if (!(defect <= allowed)) {
            throw new IllegalArgumentException(name + ": vector is not tangent, ||sym(X^T V)||_F = " + defect
                    + " > " + allowed);
        }
    }
}
