package dev.stiefel.problem;

import dev.stiefel.manifold.Manifold;
import java.util.Optional;

/**
 * {@code f(x) = sign x^T A x} on the unit sphere over {@code double[]}, {@code A} symmetric: the
 * minimiser is the eigenvector of the smallest ({@code sign = +1}) or largest ({@code sign = -1})
 * eigenvalue. Euclidean gradient {@code 2 sign A x}, Hessian {@code 2 sign A v}.
 */
public final class ArrayRayleighQuotient implements Problem<double[]> {

    private final ArraySphere sphere;
    private final double[][] a;
    private final double sign;
    private final boolean withHessian;
    private final double[] ax;

    /**
     * @param a symmetric matrix (rows), not copied
     * @param maximise minimise {@code -x^T A x} instead
     * @param withHessian whether to supply the Euclidean Hessian
     */
    public ArrayRayleighQuotient(double[][] a, boolean maximise, boolean withHessian) {
        this.sphere = new ArraySphere(a.length);
        this.a = a;
        this.sign = maximise ? -1 : 1;
        this.withHessian = withHessian;
        this.ax = new double[a.length];
    }

    @Override
    public Manifold<double[]> manifold() {
        return sphere;
    }

    private void multiply(double[] v, double[] out) {
        for (int i = 0; i < a.length; i++) {
            double s = 0;
            for (int j = 0; j < a.length; j++) {
                s += a[i][j] * v[j];
            }
            out[i] = s;
        }
    }

    @Override
    public double cost(double[] x) {
        multiply(x, ax);
        return sign * sphere.inner(x, x, ax);
    }

    @Override
    public void euclideanGradient(double[] x, double[] out) {
        multiply(x, out);
        for (int i = 0; i < out.length; i++) {
            out[i] *= 2 * sign;
        }
    }

    @Override
    public Optional<EuclideanHessian<double[]>> euclideanHessian() {
        return withHessian ? Optional.of(this::hessian) : Optional.empty();
    }

    private void hessian(double[] x, double[] v, double[] out) {
        euclideanGradient(v, out);
    }
}
