package dev.stiefel.problem;

import dev.stiefel.manifold.Manifold;
import java.util.random.RandomGenerator;

/**
 * The unit sphere {@code S^{n-1}} in {@code R^n} over plain {@code double[]}, with the
 * projection retraction {@code R_x(v) = (x + v) / ||x + v||} and projection transport: a small,
 * independent manifold for testing solvers without any matrix backend.
 */
public final class ArraySphere implements Manifold<double[]> {

    private final int n;

    public ArraySphere(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("sphere ambient dimension must be >= 1, got " + n);
        }
        this.n = n;
    }

    @Override
    public String name() {
        return "ArraySphere(" + n + ")";
    }

    @Override
    public int dimension() {
        return n - 1;
    }

    @Override
    public double[] allocate() {
        return new double[n];
    }

    @Override
    public void copy(double[] src, double[] dst) {
        System.arraycopy(src, 0, dst, 0, n);
    }

    @Override
    public double inner(double[] x, double[] u, double[] v) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += u[i] * v[i];
        }
        return s;
    }

    @Override
    public void projectToTangent(double[] x, double[] z, double[] out) {
        double xz = inner(x, x, z);
        for (int i = 0; i < n; i++) {
            out[i] = z[i] - xz * x[i];
        }
    }

    @Override
    public void euclideanToRiemannianGradient(double[] x, double[] euclideanGradient, double[] out) {
        projectToTangent(x, euclideanGradient, out);
    }

    /** {@code Hess f(x)[v] = P_x(ehess v) - <x, egrad> v} (Absil, Mahony, Trumpf 2013). */
    @Override
    public void euclideanToRiemannianHessian(double[] x, double[] euclideanGradient, double[] euclideanHessianV,
            double[] v, double[] out) {
        double xg = inner(x, x, euclideanGradient);
        double xh = inner(x, x, euclideanHessianV);
        for (int i = 0; i < n; i++) {
            out[i] = euclideanHessianV[i] - xh * x[i] - xg * v[i];
        }
    }

    @Override
    public void retract(double[] x, double[] v, double[] out) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            out[i] = x[i] + v[i];
            s += out[i] * out[i];
        }
        double inverseNorm = 1.0 / Math.sqrt(s);
        for (int i = 0; i < n; i++) {
            out[i] *= inverseNorm;
        }
    }

    @Override
    public void transport(double[] x, double[] y, double[] v, double[] out) {
        projectToTangent(y, v, out);
    }

    @Override
    public void randomPoint(RandomGenerator random, double[] out) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            out[i] = random.nextGaussian();
            s += out[i] * out[i];
        }
        double inverseNorm = 1.0 / Math.sqrt(s);
        for (int i = 0; i < n; i++) {
            out[i] *= inverseNorm;
        }
    }

    @Override
    public void randomTangent(double[] x, RandomGenerator random, double[] out) {
        for (int i = 0; i < n; i++) {
            out[i] = random.nextGaussian();
        }
        projectToTangent(x, out, out);
        double norm = Math.sqrt(inner(x, out, out));
        for (int i = 0; i < n; i++) {
            out[i] /= norm;
        }
    }

    @Override
    public void zeroTangent(double[] x, double[] out) {
        java.util.Arrays.fill(out, 0, n, 0.0);
    }

    @Override
    public void linearCombination(double[] x, double a, double[] u, double b, double[] v, double[] out) {
        for (int i = 0; i < n; i++) {
            out[i] = a * u[i] + b * v[i];
        }
    }

    @Override
    public double typicalDistance() {
        return Math.PI;
    }

    @Override
    public void checkPoint(double[] x, double tolerance) {
        if (x.length != n) {
            throw new IllegalArgumentException(name() + ": point has length " + x.length + ", expected " + n);
        }
        double s = 0;
        for (double value : x) {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException(name() + ": point has a non-finite entry");
            }
            s += value * value;
        }
        if (Math.abs(Math.sqrt(s) - 1) > tolerance) {
            throw new IllegalArgumentException(name() + ": point norm " + Math.sqrt(s) + " differs from 1 by more than "
                    + tolerance);
        }
    }
}
