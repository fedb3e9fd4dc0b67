package dev.stiefel.manifold;

import dev.stiefel.kernel.DenseKernels;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;

/** Argument checks and host-side helpers shared by the matrix manifolds of this package. */
final class ManifoldSupport {

    /**
     * Singular values of a tangent vector scaled to unit norm below this times
     * {@code max(n, p)} are rounding noise: a thin SVD is accurate to about
     * {@code max(n, p) eps} of the largest (Golub and Van Loan, Matrix Computations, 4th ed.,
     * sec. 8.6.1), and the singular vectors of such values are arbitrary. The exponentials count
     * them as zero angles.
     */
    static final double NEGLIGIBLE_SINGULAR_VALUE = 8 * Math.ulp(1.0);

    private ManifoldSupport() {
    }

    /**
     * Throws {@link IllegalArgumentException} naming the manifold, the argument and both shapes
     * unless {@code a} is a non-null {@code rows x cols} matrix.
     */
    static <M> M requireShape(DenseKernels<M> kernels, M a, int rows, int cols, String manifold, String role) {
        if (a == null) {
            throw new IllegalArgumentException(manifold + ": " + role + " must not be null");
        }
        int actualRows = kernels.rows(a);
        int actualCols = kernels.cols(a);
        if (actualRows != rows || actualCols != cols) {
            throw new IllegalArgumentException(manifold + ": " + role + " has shape " + actualRows + " x "
                    + actualCols + ", expected " + rows + " x " + cols);
        }
        return a;
    }

    /** Shape check plus: every entry finite, else {@link IllegalArgumentException}. */
    static <M> M requireFiniteShape(DenseKernels<M> kernels, M a, int rows, int cols, String manifold, String role) {
        requireShape(kernels, a, rows, cols, manifold, role);
        if (!kernels.allFinite(a)) {
            throw new IllegalArgumentException(manifold + ": " + role + " has a NaN or infinite entry");
        }
        return a;
    }

    /** Rejects a negative or NaN tolerance. */
    static double requireTolerance(double tolerance, String manifold) {
        if (!(tolerance >= 0)) {
            throw new IllegalArgumentException(manifold + ": tolerance must be >= 0, got " + tolerance);
        }
        return tolerance;
    }

    /** Rejects a null generator. */
    static RandomGenerator requireRandom(RandomGenerator random, String manifold) {
        if (random == null) {
            throw new IllegalArgumentException(manifold + ": random generator must not be null");
        }
        return random;
    }

    /**
     * Fills {@code host} with independent standard normal entries in row-major order, so that a
     * seeded generator gives the same matrix on every backend.
     */
    static DMatrixRMaj fillGaussian(RandomGenerator random, DMatrixRMaj host) {
        double[] data = host.data;
        int size = host.getNumElements();
        for (int index = 0; index < size; index++) {
            data[index] = random.nextGaussian();
        }
        return host;
    }

    /**
     * {@code ||X^T X - I||_F}, the distance of {@code x}'s columns from orthonormality; overwrites
     * the {@code p x p} workspace {@code small}.
     */
    static <M> double orthonormalityDefect(DenseKernels<M> kernels, M x, M small) {
        kernels.gemm(1.0, x, true, x, false, 0.0, small);
        kernels.addIdentity(small, -1.0, small);
        return kernels.normF(small);
    }

    /**
     * Writes {@code out = src 2^-e} with {@code ||out||_F} in {@code [0.5, 1)} and returns
     * {@code e}, so that {@code src = out 2^e}; a zero {@code src} gives {@code out = 0} and
     * {@code e = 0}. Scaling by a power of two is exact (entries far below the largest may
     * underflow, far below its rounding), and it works for every finite {@code src}, also when
     * {@code ||src||_F} itself overflows: the exponentials compute on {@code out} and carry
     * {@code e} into their angles. {@code out} may alias {@code src}.
     */
    static <M> int scaleToUnitNorm(DenseKernels<M> kernels, M src, M out) {
        if (out != src) {
            kernels.copy(src, out);
        }
        int exponent = 0;
        double norm = kernels.normF(out);
        if (norm == Double.POSITIVE_INFINITY) {
            kernels.scale(Math.scalb(1.0, -OVERFLOW_SHIFT), out);
            exponent = OVERFLOW_SHIFT;
            norm = kernels.normF(out);
        }
        if (!(norm < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("tangent vector has a NaN or infinite entry (norm " + norm + ")");
        }
        // Two rounds at most: a subnormal norm's exponent is clamped, so the first may fall short.
        while (norm > 0.0 && (norm < 0.5 || norm >= 1.0)) {
            int shift = Math.max(-1000, Math.min(1000, Math.getExponent(norm) + 1));
            kernels.scale(Math.scalb(1.0, -shift), out);
            exponent += shift;
            norm = kernels.normF(out);
        }
        return exponent;
    }

    /** Scaling applied first when a Frobenius norm overflows: entries below 2^1023, norm below 2^512. */
    private static final int OVERFLOW_SHIFT = 512;

    /**
     * {@code cosines[i] = cos(theta_i)}, {@code sines[i] = sin(theta_i)} for the angles
     * {@code theta_i = values[i] 2^exponent} of an exponential map, {@code i < count}. Java's
     * {@code cos} and {@code sin} reduce every finite argument exactly; an angle that overflows
     * is halved until finite and the halves doubled back with the double-angle formulas, which
     * stay on the unit circle to rounding. A value below {@code negligible} is a zero angle.
     * {@code sines} may be {@code values} (each value is read before its entries are written).
     */
    static void cosinesAndSines(double[] values, int count, int exponent, double negligible, double[] cosines,
            double[] sines) {
        for (int i = 0; i < count; i++) {
            double value = values[i];
            if (!(value > negligible)) {
                cosines[i] = 1.0;
                sines[i] = 0.0;
                continue;
            }
            int halvings = 0;
            double angle = Math.scalb(value, exponent);
            while (angle == Double.POSITIVE_INFINITY) {
                halvings++;
                angle = Math.scalb(value, exponent - halvings);
            }
            double cosine = Math.cos(angle);
            double sine = Math.sin(angle);
            for (int k = 0; k < halvings; k++) {
                double doubledCosine = (cosine - sine) * (cosine + sine);
                sine = 2.0 * sine * cosine;
                cosine = doubledCosine;
            }
            cosines[i] = cosine;
            sines[i] = sine;
        }
    }

    /** {@link Manifold#ARGUMENT_TOLERANCE} for the backend's precision. */
    static double argumentTolerance(DenseKernels<?> kernels) {
        return kernels.precisionBits() <= 32 ? Manifold.ARGUMENT_TOLERANCE_FLOAT32 : Manifold.ARGUMENT_TOLERANCE;
    }

    /**
     * Throws {@link IllegalArgumentException} naming the manifold, the argument and the defect
     * unless {@code ||X^T X - I||_F <= tolerance} (a NaN or infinite entry fails too, naming the
     * entry); overwrites the {@code p x p} workspace {@code small} and the host matrix {@code host}
     * of the point's shape (only on failure).
     */
    static <M> void requireOrthonormal(DenseKernels<M> kernels, M x, M small, DMatrixRMaj host, double tolerance,
            String manifold, String role) {
        double defect = orthonormalityDefect(kernels, x, small);
        if (!(defect <= tolerance) && !kernels.allFinite(x)) {
            throw new IllegalArgumentException(manifold + ": " + role + " " + firstNonFinite(kernels, x, host));
        }
        if (!(defect <= tolerance)) {
            throw new IllegalArgumentException(manifold + ": " + role + " is not a point of the manifold, "
                    + "||X^T X - I||_F = " + defect + " > " + tolerance);
        }
    }

    /** Norms above this are scaled before a tangency check, so that {@code X^T V} cannot overflow. */
    private static final double LARGEST_UNSCALED_NORM = 0x1p500;

    /** How far a vector {@code w} is from the tangent space at {@code x}, in a manifold's own measure. */
    @FunctionalInterface
    interface TangencyDefect<M> {
        double of(M x, M w);
    }

    /**
     * Throws {@link IllegalArgumentException} naming the manifold and the size of the violation
     * unless {@code defect(x, v) <= tolerance max(1, ||v||_F)} and {@code v} is finite. A vector
     * whose norm is beyond {@code 2^500} is measured on a copy scaled by a power of two (into
     * {@code scratch}, of the vector's shape), so that nothing overflows.
     *
     * @param host a host matrix of the vector's shape, for the message about a non-finite entry
     * @param requirement the measured quantity, e.g. {@code "||sym(X^T V)||_F"}
     */
    static <M> void requireTangent(DenseKernels<M> kernels, M x, M v, M scratch, DMatrixRMaj host, double tolerance,
            String manifold, String requirement, TangencyDefect<M> defect) {
        double norm = kernels.normF(v);
        if (Double.isNaN(norm) || !kernels.allFinite(v)) {
            throw new IllegalArgumentException(manifold + ": tangent vector v " + firstNonFinite(kernels, v, host)
                    + " (a step computed from a non-finite cost, gradient, Hessian or preconditioner, or from a"
                    + " step length that overflowed)");
        }
        M measured = v;
        double unit = 1.0;
        if (!(norm <= LARGEST_UNSCALED_NORM)) {
            int exponent = scaleToUnitNorm(kernels, v, scratch);
            measured = scratch;
            unit = Math.scalb(1.0, -exponent);
            norm = kernels.normF(scratch);
        }
        double violation = defect.of(x, measured);
        double allowed = tolerance * Math.max(unit, norm);
        if (!(violation <= allowed)) {
            throw new IllegalArgumentException(manifold + ": tangent vector v is not tangent at x, " + requirement
                    + " = " + violation / unit + " > " + allowed / unit + " (tolerance " + tolerance
                    + " max(1, ||v||_F))");
        }
    }

    /**
     * {@code "has entry (i, j) = NaN"} for the first non-finite entry of {@code a} in row-major
     * order (copied to {@code host}); for messages only.
     */
    static <M> String firstNonFinite(DenseKernels<M> kernels, M a, DMatrixRMaj host) {
        kernels.toHost(a, host);
        int cols = host.numCols;
        for (int index = 0; index < host.getNumElements(); index++) {
            if (!Double.isFinite(host.data[index])) {
                return "has entry (" + index / cols + ", " + index % cols + ") = " + host.data[index];
            }
        }
        return "has a NaN or infinite entry";
    }
}
