package dev.stiefel.autodiff;

/**
 * Euclidean Hessian-vector products by central differences of reverse-mode gradients (Nocedal
 * and Wright, "Numerical Optimization", 2nd ed., Springer 2006, sec. 8.1):
 * <pre>
 *   Hess f(x)[v] ~ (grad f(x + h v) - grad f(x - h v)) / (2 h),   h = eps^(1/3) max(1, ||x||) / ||v||,
 * </pre>
 * whose truncation error is {@code O(h^2 ||D^3 f||)} and rounding error
 * {@code O(eps ||grad f|| / h)}; the cube root of the machine epsilon balances the two (relative
 * error about {@code 1e-10} on smooth costs of moderate scale, and exact to rounding on quadratic
 * ones). Two gradient evaluations per product, on any engine; the shifted points leave the
 * manifold, which is harmless because the cost is a function on the embedding space. The
 * workspaces are allocated once.
 */
final class FiniteDifferenceOfGradients implements HessianVectorProduct {

    /** The method object behind {@link HessianMethod#FINITE_DIFFERENCE_OF_GRADIENTS}. */
    static final HessianMethod METHOD = new HessianMethod() {
        @Override
        public String name() {
            return "FINITE_DIFFERENCE_OF_GRADIENTS";
        }

        @Override
        public HessianVectorProduct start(DifferentiableCost cost) {
            return new FiniteDifferenceOfGradients(cost);
        }

        @Override
        public String toString() {
            return name();
        }
    };

    /** {@code eps^(1/3)}: the step relative to {@code max(1, ||x||) / ||v||}. */
    static final double RELATIVE_STEP = Math.cbrt(Math.ulp(1.0));

    private final DifferentiableCost cost;
    private final double[][] shifted;
    private final double[][] forward;
    private final double[][] backward;

    private FiniteDifferenceOfGradients(DifferentiableCost cost) {
        this.cost = cost;
        int factors = cost.factorCount();
        shifted = new double[factors][];
        forward = new double[factors][];
        backward = new double[factors][];
        for (int i = 0; i < factors; i++) {
            shifted[i] = new double[cost.size(i)];
            forward[i] = new double[cost.size(i)];
            backward[i] = new double[cost.size(i)];
        }
    }

    @Override
    public void apply(double[][] x, double[][] v, double[][] out) {
        double vNorm = norm(v);
        if (vNorm == 0) {
            for (int i = 0; i < out.length; i++) {
                java.util.Arrays.fill(out[i], 0, cost.size(i), 0.0);
            }
            return;
        }
        double step = RELATIVE_STEP * Math.max(1.0, norm(x)) / vNorm;
        shift(x, step, v);
        cost.costAndGradient(shifted, forward);
        shift(x, -step, v);
        cost.costAndGradient(shifted, backward);
        double scale = 1.0 / (2 * step);
        for (int i = 0; i < out.length; i++) {
            for (int index = 0; index < cost.size(i); index++) {
                out[i][index] = (forward[i][index] - backward[i][index]) * scale;
            }
        }
    }

    private void shift(double[][] x, double step, double[][] v) {
        for (int i = 0; i < x.length; i++) {
            for (int index = 0; index < cost.size(i); index++) {
                shifted[i][index] = x[i][index] + step * v[i][index];
            }
        }
    }

    private double norm(double[][] a) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            for (int index = 0; index < cost.size(i); index++) {
                sum += a[i][index] * a[i][index];
            }
        }
        return Math.sqrt(sum);
    }

    /** Holds no native memory. */
    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return METHOD.name();
    }
}
