package dev.stiefel.manifold;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.kernel.SumsOfSquares;
import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;

/**
 * The oblique manifold {@code OB(n, p) = {X in R^(n x p) : diag(X^T X) = 1}}, matrices with
 * unit-norm columns, or with {@link UnitNorm#ROWS} the matrices with unit-norm rows: a product
 * of unit spheres, one per column (row), with the embedded metric (Absil and Gallivan, "Joint
 * diagonalization on the oblique manifold for independent component analysis", ICASSP 2006;
 * Boumal 2023, Sec. 7.2; Manopt's {@code obliquefactory}, pymanopt's {@code Oblique}).
 *
 * <p>Every operation is the {@link Sphere}'s, applied to each column {@code x_j}: projection
 * {@code P_x(z)_j = z_j - <x_j, z_j> x_j}, Riemannian Hessian
 * {@code P_x(H[v])_j - <x_j, G_j> v_j}, transport by projection, dimension {@code (n - 1) p}
 * ({@code n (p - 1)} for unit rows), and the retraction of {@link SphereRetraction}
 * (normalisation of each column, or the exponential of each sphere; both second order and
 * invertible). The distance is that of the product metric, {@code sqrt(sum_j theta_j^2)}.
 *
 * <p>The per-column inner products and norms are read on the host (one copy of the matrix per
 * operation, {@code O(n p)}, where a Gram matrix would cost {@code O(n p^2)}); scalings of
 * columns run on the backend, scalings of rows on the host. Workspaces are allocated in the
 * constructor and nothing is allocated afterwards. Not thread-safe. Unless a method says
 * otherwise, outputs may alias tangent-vector inputs but never the base point.
 *
 * @param <M> the backend's matrix type
 */
public final class Oblique<M> extends DenseMatrixManifold<M> {

    /** Which lines of the matrix have unit norm. */
    public enum UnitNorm {
        /** {@code ||X e_j|| = 1} for every column {@code j}: {@code diag(X^T X) = 1}. */
        COLUMNS,
        /** {@code ||e_i^T X|| = 1} for every row {@code i}: {@code diag(X X^T) = 1}. */
        ROWS
    }

    /** Below this angle {@code sin(t)/t} is evaluated by its Taylor polynomial {@code 1 - t^2/6}. */
    private static final double SMALL_ANGLE = 1e-4;

    /** As {@link Sphere}: below this sine two antipodal columns have no unique logarithm. */
    private static final double ANTIPODAL_SINE = 1e-13;

    private final UnitNorm unitNorm;
    private final SphereRetraction retraction;
    /** Number of unit vectors: {@code cols} or {@code rows}. */
    private final int count;
    /** Length of each unit vector: {@code rows} or {@code cols}. */
    private final int length;

    /**
     * Multiples {@code s_j x_j} of the point's lines: the normal part {@code <x_j, z_j> x_j} that
     * the projection, the logarithm and the distance subtract, the {@code cos(|v_j|) x_j} of the
     * exponential; in the Hessian, the projected {@code P_x(H[v])}.
     */
    private final M pointMultiples;
    /** {@code <x_j, G_j> v_j}, the Weingarten term of the Hessian; the Gaussian draw of a random tangent vector. */
    private final M weingartenTerm;
    /**
     * Host copy of the second operand {@code b} of the per-line inner products {@code <a_j, b_j>};
     * the first operand, like every matrix whose lines are measured or scaled on the host, is
     * copied to {@link #hostAmbient}.
     */
    private final DMatrixRMaj hostSecondOperand;
    /**
     * Per line, the coefficient along the point: {@code <x_j, z_j>} of the projection, the
     * cosines {@code cos(|v_j|)} and {@code <x_j, y_j>} of the exponential, logarithm and
     * distance; the normalising factors {@code 1 / ||x_j + v_j||} of the retraction,
     * {@code 1 / <x_j, y_j>} of its inverse and {@code 1 / ||g_j||} of a random point; the norms
     * and inner products the checks compare.
     */
    private final double[] alongPoint;
    /**
     * Per line, the coefficient along the tangent vector: {@code <x_j, G_j>} of the Weingarten
     * term, {@code sin(|v_j|) / |v_j|} of the exponential; the sines {@code |u_j|} of the
     * logarithm and the distance.
     */
    private final double[] alongTangent;
    /** Per line, {@code theta_j / |u_j|}, the factor of {@code u_j} in the logarithm. */
    private final double[] logarithmFactors;

    /**
     * @param unitNorm whether the columns or the rows have unit norm
     * @param retraction normalisation or the exponential, applied to each unit vector
     * @throws IllegalArgumentException unless {@code rows >= 1} and {@code cols >= 1}, when an
     *     argument is null, or for a user-defined sphere retraction (the oblique manifold applies
     *     the two built-in ones to all its unit vectors at once, by its own code)
     */
    public Oblique(DenseKernels<M> kernels, int rows, int cols, UnitNorm unitNorm, SphereRetraction retraction) {
        super(requireArguments(kernels, rows, cols, unitNorm, retraction), rows, cols,
                "Oblique(" + rows + ", " + cols + (unitNorm == UnitNorm.ROWS ? ", unit rows)" : ")"), false);
        this.unitNorm = unitNorm;
        this.retraction = retraction;
        this.count = unitNorm == UnitNorm.COLUMNS ? cols : rows;
        this.length = unitNorm == UnitNorm.COLUMNS ? rows : cols;
        this.pointMultiples = workspace(rows, cols);
        this.weingartenTerm = workspace(rows, cols);
        this.hostSecondOperand = new DMatrixRMaj(rows, cols);
        this.alongPoint = new double[count];
        this.alongTangent = new double[count];
        this.logarithmFactors = new double[count];
    }

    private static <M> DenseKernels<M> requireArguments(DenseKernels<M> kernels, int rows, int cols,
            UnitNorm unitNorm, SphereRetraction retraction) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("Oblique(rows, cols) needs rows >= 1 and cols >= 1, got rows = "
                    + rows + ", cols = " + cols);
        }
        if (kernels == null || unitNorm == null || retraction == null) {
            throw new IllegalArgumentException("Oblique(" + rows + ", " + cols
                    + "): kernels, unit norm and retraction must not be null");
        }
        if (retraction != SphereRetraction.NORMALIZATION && retraction != SphereRetraction.EXPONENTIAL) {
            throw new IllegalArgumentException("Oblique(" + rows + ", " + cols + ") applies the built-in sphere"
                    + " retractions (NORMALIZATION, EXPONENTIAL) to all its unit vectors at once; got "
                    + retraction.name() + ", which it cannot apply");
        }
        return kernels;
    }

    /** {@code OB(rows, cols)} with unit-norm columns on {@link Kernels#cpu()}, with normalisation. */
    public static Oblique<DMatrixRMaj> onCpu(int rows, int cols) {
        return onCpu(rows, cols, UnitNorm.COLUMNS);
    }

    /** The oblique manifold of {@code R^(rows x cols)} on {@link Kernels#cpu()}, with normalisation. */
    public static Oblique<DMatrixRMaj> onCpu(int rows, int cols, UnitNorm unitNorm) {
        return new Oblique<>(Kernels.cpu(), rows, cols, unitNorm, SphereRetraction.NORMALIZATION);
    }

    /** The same manifold on the same backend with another retraction. */
    public Oblique<M> withRetraction(SphereRetraction newRetraction) {
        return new Oblique<>(kernels, rows, cols, unitNorm, newRetraction);
    }

    /** The retraction applied to every unit vector. */
    public SphereRetraction retraction() {
        return retraction;
    }

    /** Whether the columns or the rows have unit norm. */
    public UnitNorm unitNorm() {
        return unitNorm;
    }

    @Override
    public String toString() {
        return name + " with " + retraction + " retraction on " + kernels.name();
    }

    /** {@code (rows - 1) cols} for unit columns, {@code rows (cols - 1)} for unit rows. */
    @Override
    public int dimension() {
        return (length - 1) * count;
    }

    /** {@code out_j = z_j - <x_j, z_j> x_j} for every unit vector; {@code out} may alias {@code z}. */
    @Override
    public void projectToTangent(M x, M z, M out) {
        requireShape(x, "point x");
        requireShape(z, "ambient vector z");
        requireOutput(x, out);
        componentDots(x, z, alongPoint);
        scaleComponents(x, alongPoint, pointMultiples);
        kernels.addScaled(1.0, z, -1.0, pointMultiples, out);
    }

    /**
     * {@code out_j = P_x(H[v])_j - <x_j, G_j> v_j}: the sphere's Hessian conversion (Absil,
     * Mahony, Trumpf 2013) on every factor. {@code out} may alias any input but {@code x}.
     */
    @Override
    public void euclideanToRiemannianHessian(M x, M euclideanGradient, M euclideanHessianV, M v, M out) {
        requireHessianArguments(x, euclideanGradient, euclideanHessianV, v, out);
        componentDots(x, euclideanGradient, alongTangent);
        scaleComponents(v, alongTangent, weingartenTerm);
        projectToTangent(x, euclideanHessianV, pointMultiples);
        kernels.addScaled(1.0, pointMultiples, -1.0, weingartenTerm, out);
    }

    /** The configured retraction on every factor; {@code out} may alias {@code v}, not {@code x}. */
    @Override
    public void retract(M x, M v, M out) {
        requireStep(x, v, out);
        if (retraction == SphereRetraction.EXPONENTIAL) {
            exponential(x, v, out);
            return;
        }
        kernels.addScaled(1.0, x, 1.0, v, out);
        componentNorms(out, alongPoint);
        for (int j = 0; j < count; j++) {
            if (!(alongPoint[j] > 0.0) || alongPoint[j] == Double.POSITIVE_INFINITY) {
                throw new ArithmeticException(name + ": x + v has " + lineName() + " " + j + " of norm "
                        + alongPoint[j] + ", which cannot be normalised");
            }
            alongPoint[j] = 1.0 / alongPoint[j];
        }
        scaleComponents(out, alongPoint, out);
    }

    /** The exponential map of every factor, whatever the configured retraction (both are second order). */
    @Override
    public void secondOrderRetract(M x, M v, M out) {
        exponential(x, v, out);
    }

    /**
     * {@code Exp_x(v)_j = cos(|v_j|) x_j + (sin(|v_j|) / |v_j|) v_j}, the exponential map of the
     * product metric; {@code out} may alias {@code v}.
     */
    public void exponential(M x, M v, M out) {
        requireStep(x, v, out);
        componentNorms(v, alongPoint);
        for (int j = 0; j < count; j++) {
            double angle = alongPoint[j];
            alongPoint[j] = Math.cos(angle);
            alongTangent[j] = angle < SMALL_ANGLE ? 1.0 - angle * angle / 6.0 : Math.sin(angle) / angle;
        }
        scaleComponents(x, alongPoint, pointMultiples);
        scaleComponents(v, alongTangent, out);
        kernels.addScaled(1.0, pointMultiples, 1.0, out, out);
    }

    /**
     * {@code Log_x(y)_j = (theta_j / |u_j|) u_j}, {@code u_j = y_j - <x_j, y_j> x_j},
     * {@code theta_j = atan2(|u_j|, <x_j, y_j>)}; {@code out} must alias neither point.
     *
     * @throws ArithmeticException when a column of {@code y} is antipodal to that of {@code x}
     */
    public void logarithm(M x, M y, M out) {
        requirePointPair(x, y, out);
        componentDots(x, y, alongPoint);
        scaleComponents(x, alongPoint, pointMultiples);
        kernels.addScaled(1.0, y, -1.0, pointMultiples, out);
        componentNorms(out, alongTangent);
        for (int j = 0; j < count; j++) {
            double cosine = alongPoint[j];
            double sine = alongTangent[j];
            if (sine <= ANTIPODAL_SINE && cosine < 0.0) {
                throw new ArithmeticException(name + ": " + lineName() + " " + j
                        + " of y is antipodal to that of x; the logarithm is not unique");
            }
            logarithmFactors[j] = sine == 0.0 ? 0.0 : Math.atan2(sine, cosine) / sine;
        }
        scaleComponents(out, logarithmFactors, out);
    }

    @Override
    public boolean hasInverseRetraction() {
        return true;
    }

    /**
     * Inverse of the configured retraction: {@code y_j / <x_j, y_j> - x_j} for normalisation, the
     * logarithm for the exponential. {@code out} must alias neither point.
     *
     * @throws ArithmeticException when {@code y} is outside the image (a factor with
     *     {@code <x_j, y_j> <= 0} for normalisation, an antipodal one for the exponential)
     */
    @Override
    public void inverseRetract(M x, M y, M out) {
        requirePointPair(x, y, out);
        if (retraction == SphereRetraction.EXPONENTIAL) {
            logarithm(x, y, out);
            return;
        }
        componentDots(x, y, alongPoint);
        for (int j = 0; j < count; j++) {
            if (!(alongPoint[j] > 0.0)) {
                throw new ArithmeticException(name + ": y is not the normalisation retraction of a tangent vector at x "
                        + "(<x_j, y_j> = " + alongPoint[j] + " for " + lineName() + " " + j + " must be positive)");
            }
            alongPoint[j] = 1.0 / alongPoint[j];
        }
        scaleComponents(y, alongPoint, out);
        kernels.addScaled(1.0, out, -1.0, x, out);
    }

    /** Gaussian matrix with each column (row) normalised: uniform on every sphere, independently. */
    @Override
    public void randomPoint(RandomGenerator random, M out) {
        ManifoldSupport.requireRandom(random, name);
        requireShape(out, "out");
        ManifoldSupport.fillGaussian(random, hostAmbient);
        hostNorms(hostAmbient, alongPoint);
        for (int j = 0; j < count; j++) {
            alongPoint[j] = 1.0 / alongPoint[j];
        }
        hostScale(hostAmbient, alongPoint);
        kernels.copyFromHost(hostAmbient, out);
    }

    /** A projected Gaussian matrix, normalised; zero when every factor is zero-dimensional. */
    @Override
    public void randomTangent(M x, RandomGenerator random, M out) {
        randomUnitTangent(x, random, weingartenTerm, out);
    }

    /** {@code pi sqrt(count)}, the diameter of the product of spheres (Manopt's {@code obliquefactory}). */
    @Override
    public double typicalDistance() {
        return Math.PI * Math.sqrt(count);
    }

    /**
     * @throws IllegalArgumentException on a wrong shape, a NaN or infinite entry, or
     *     {@code max_j | ||x_j|| - 1 | > tolerance}
     */
    @Override
    public void checkPoint(M x, double tolerance) {
        requireFinitePoint(x, tolerance);
        componentNorms(x, alongPoint);
        for (int j = 0; j < count; j++) {
            double defect = Math.abs(alongPoint[j] - 1.0);
            if (!(defect <= tolerance)) {
                throw new IllegalArgumentException(name + ": " + lineName() + " " + j
                        + " of the point does not have unit norm, | ||x_j|| - 1 | = " + defect + " > tolerance "
                        + tolerance);
            }
        }
    }

    /**
     * @throws IllegalArgumentException on a wrong shape, a NaN or infinite entry, or
     *     {@code max_j |<x_j, v_j>| > tolerance max(1, ||v||_F)}
     */
    @Override
    public void checkTangent(M x, M v, double tolerance) {
        requireFinitePointAndVector(x, v, tolerance);
        componentDots(x, v, alongPoint);
        double allowed = tolerance * Math.max(1.0, kernels.normF(v));
        for (int j = 0; j < count; j++) {
            double defect = Math.abs(alongPoint[j]);
            if (!(defect <= allowed)) {
                throw new IllegalArgumentException(name + ": vector is not tangent, |<x_j, v_j>| = " + defect
                        + " > " + allowed + " for " + lineName() + " " + j);
            }
        }
    }

    /** {@code sqrt(sum_j theta_j^2)}, {@code theta_j = atan2(||y_j - <x_j, y_j> x_j||, <x_j, y_j>)}. */
    @Override
    public double distance(M x, M y) {
        requireShape(x, "point x");
        requireShape(y, "point y");
        componentDots(x, y, alongPoint);
        scaleComponents(x, alongPoint, pointMultiples);
        kernels.addScaled(1.0, y, -1.0, pointMultiples, pointMultiples);
        componentNorms(pointMultiples, alongTangent);
        double sum = 0.0;
        for (int j = 0; j < count; j++) {
            double angle = Math.atan2(alongTangent[j], alongPoint[j]);
            sum += angle * angle;
        }
        return Math.sqrt(sum);
    }

    // ---- per-factor arithmetic -----------------------------------------------------------------

    /** {@code out[j] = <a_j, b_j>}, read on the host. */
    private void componentDots(M a, M b, double[] out) {
        kernels.toHost(a, hostAmbient);
        kernels.toHost(b, hostSecondOperand);
        double[] left = hostAmbient.data;
        double[] right = hostSecondOperand.data;
        Arrays.fill(out, 0.0);
        for (int i = 0; i < rows; i++) {
            int offset = i * cols;
            for (int j = 0; j < cols; j++) {
                out[unitNorm == UnitNorm.COLUMNS ? j : i] += left[offset + j] * right[offset + j];
            }
        }
    }

    /** {@code out[j] = ||a_j||}, read on the host. */
    private void componentNorms(M a, double[] out) {
        hostNorms(kernels.toHost(a, hostAmbient), out);
    }

    /**
     * {@code out[j] = ||a_j||} of a host matrix: plain sums of squares, rescaled by the largest
     * magnitude where a sum overflows or underflows (as {@link SumsOfSquares} prescribes).
     */
    private void hostNorms(DMatrixRMaj a, double[] out) {
        double[] data = a.data;
        Arrays.fill(out, 0.0);
        for (int i = 0; i < rows; i++) {
            int offset = i * cols;
            for (int j = 0; j < cols; j++) {
                double value = data[offset + j];
                out[unitNorm == UnitNorm.COLUMNS ? j : i] += value * value;
            }
        }
        for (int j = 0; j < count; j++) {
            out[j] = SumsOfSquares.isSafe(out[j]) || out[j] == 0.0 ? Math.sqrt(out[j]) : rescaledNorm(data, j);
        }
    }

    private double rescaledNorm(double[] data, int component) {
        double largest = 0.0;
        for (int k = 0; k < length; k++) {
            largest = Math.max(largest, Math.abs(data[index(component, k)]));
        }
        if (largest == 0.0 || !Double.isFinite(largest)) {
            return largest;
        }
        double sum = 0.0;
        for (int k = 0; k < length; k++) {
            double value = data[index(component, k)] / largest;
            sum += value * value;
        }
        return largest * Math.sqrt(sum);
    }

    /** Row-major index of entry {@code k} of unit vector {@code component}. */
    private int index(int component, int k) {
        return unitNorm == UnitNorm.COLUMNS ? k * cols + component : component * cols + k;
    }

    /** {@code out_j = s[j] a_j}; {@code out} may alias {@code a}. */
    private void scaleComponents(M a, double[] s, M out) {
        if (unitNorm == UnitNorm.COLUMNS) {
            kernels.scaleColumns(a, s, out);
            return;
        }
        kernels.toHost(a, hostAmbient);
        hostScale(hostAmbient, s);
        kernels.copyFromHost(hostAmbient, out);
    }

    private void hostScale(DMatrixRMaj a, double[] s) {
        double[] data = a.data;
        for (int i = 0; i < rows; i++) {
            int offset = i * cols;
            for (int j = 0; j < cols; j++) {
                data[offset + j] *= s[unitNorm == UnitNorm.COLUMNS ? j : i];
            }
        }
    }

    private String lineName() {
        return unitNorm == UnitNorm.COLUMNS ? "column" : "row";
    }
}
