package dev.stiefel.djl.riemannian;

/**
 * A transcription of geoopt 0.5.0 (github.com/geoopt/geoopt, tag v0.5.0) into plain Java on
 * {@code double[][]}, independent of the NDArray code: the optimisers of
 * {@code geoopt/optim/rsgd.py} ({@code RiemannianSGD.step}) and {@code geoopt/optim/radam.py}
 * ({@code RiemannianAdam.step}) for one parameter, and the manifolds they call:
 * {@code EuclideanStiefel} of {@code geoopt/manifolds/stiefel.py} ({@code proju},
 * {@code egrad2rgrad = proju}, {@code retr} = QR with the diagonal of R made positive,
 * {@code transp(x, y, v) = proju(y, v)}, {@code inner} summed over the matrix), {@code Sphere} of
 * {@code geoopt/manifolds/sphere.py} applied to a matrix (one sphere per row: sums over the last
 * axis), and {@code Euclidean} of {@code geoopt/manifolds/euclidean.py}
 * ({@code component_inner = u * u}); {@code retr_transp} of {@code geoopt/manifolds/base.py} is
 * {@code retr} followed by {@code transp}.
 */
final class GeooptReference {

    private GeooptReference() {
    }

    /** The manifold methods the optimisers call. */
    interface Manifold {
        /** {@code egrad2rgrad(x, u)}; for these manifolds {@code proju(x, u)}. */
        double[][] proju(double[][] x, double[][] u);

        double[][] retr(double[][] x, double[][] u);

        /** {@code component_inner(x, u)}, broadcast to the shape of {@code x} as {@code exp_avg_sq.add_} does. */
        double[][] componentInner(double[][] x, double[][] u);
    }

    /** {@code EuclideanStiefel}. */
    static final Manifold STIEFEL = new Manifold() {
        @Override
        public double[][] proju(double[][] x, double[][] u) {
            // u - x @ linalg.sym(x.transpose(-1, -2) @ u)
            double[][] xtu = Matrices.multiply(Matrices.transpose(x), u);
            int p = xtu.length;
            double[][] sym = new double[p][p];
            for (int i = 0; i < p; i++) {
                for (int j = 0; j < p; j++) {
                    sym[i][j] = 0.5 * (xtu[i][j] + xtu[j][i]);
                }
            }
            return subtract(u, Matrices.multiply(x, sym));
        }

        @Override
        public double[][] retr(double[][] x, double[][] u) {
            // q, r = linalg.qr(x + u); unflip = sign(sign(diag(r)) + 0.5); q *= unflip
            return qrPositive(add(x, 1.0, u));
        }

        @Override
        public double[][] componentInner(double[][] x, double[][] u) {
            double sum = 0.0;
            for (double[] row : u) {
                for (double value : row) {
                    sum += value * value;
                }
            }
            return filled(x.length, x[0].length, sum);
        }
    };

    /** {@code Sphere} on a matrix: every row a point of the unit sphere. */
    static final Manifold SPHERE_ROWS = new Manifold() {
        @Override
        public double[][] proju(double[][] x, double[][] u) {
            // u - (x * u).sum(dim=-1, keepdim=True) * x
            double[][] out = new double[x.length][];
            for (int i = 0; i < x.length; i++) {
                double dot = dot(x[i], u[i]);
                out[i] = new double[x[i].length];
                for (int j = 0; j < x[i].length; j++) {
                    out[i][j] = u[i][j] - dot * x[i][j];
                }
            }
            return out;
        }

        @Override
        public double[][] retr(double[][] x, double[][] u) {
            // projx(x + u) = (x + u) / (x + u).norm(dim=-1, keepdim=True)
            double[][] sum = add(x, 1.0, u);
            for (double[] row : sum) {
                double norm = Math.sqrt(dot(row, row));
                for (int j = 0; j < row.length; j++) {
                    row[j] /= norm;
                }
            }
            return sum;
        }

        @Override
        public double[][] componentInner(double[][] x, double[][] u) {
            double[][] out = new double[x.length][x[0].length];
            for (int i = 0; i < x.length; i++) {
                java.util.Arrays.fill(out[i], dot(u[i], u[i]));
            }
            return out;
        }
    };

    /** {@code Euclidean}. */
    static final Manifold EUCLIDEAN = new Manifold() {
        @Override
        public double[][] proju(double[][] x, double[][] u) {
            return copy(u);
        }

        @Override
        public double[][] retr(double[][] x, double[][] u) {
            return add(x, 1.0, u);
        }

        @Override
        public double[][] componentInner(double[][] x, double[][] u) {
            double[][] out = new double[u.length][u[0].length];
            for (int i = 0; i < u.length; i++) {
                for (int j = 0; j < u[0].length; j++) {
                    out[i][j] = u[i][j] * u[i][j];
                }
            }
            return out;
        }
    };

    /** {@code RiemannianSGD.step} for one parameter with its state. */
    static final class Sgd {
        private final double lr;
        private final double momentum;
        private final double dampening;
        private final double weightDecay;
        private final boolean nesterov;
        private double[][] momentumBuffer;

        Sgd(double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
            this.lr = lr;
            this.momentum = momentum;
            this.dampening = dampening;
            this.weightDecay = weightDecay;
            this.nesterov = nesterov;
        }

        /** One step; returns the new point. */
        double[][] step(Manifold manifold, double[][] point, double[][] grad) {
            // State initialization: if len(state) == 0 and momentum > 0: momentum_buffer = grad.clone()
            if (momentumBuffer == null && momentum > 0) {
                momentumBuffer = copy(grad);
            }
            // grad.add_(point, alpha=weight_decay); grad = manifold.egrad2rgrad(point, grad)
            double[][] g = manifold.proju(point, add(grad, weightDecay, point));
            if (momentum > 0) {
                // momentum_buffer.mul_(momentum).add_(grad, alpha=1 - dampening)
                momentumBuffer = add(scale(momentum, momentumBuffer), 1 - dampening, g);
                // grad = grad.add_(momentum_buffer, alpha=momentum) if nesterov else momentum_buffer
                double[][] direction = nesterov ? add(g, momentum, momentumBuffer) : momentumBuffer;
                // new_point, new_momentum_buffer = manifold.retr_transp(point, -learning_rate * grad, momentum_buffer)
                double[][] newPoint = manifold.retr(point, scale(-lr, direction));
                momentumBuffer = manifold.proju(newPoint, momentumBuffer);
                return newPoint;
            }
            return manifold.retr(point, scale(-lr, g));
        }
    }

    /** {@code RiemannianAdam.step} for one parameter with its state. */
    static final class Adam {
        private final double lr;
        private final double beta1;
        private final double beta2;
        private final double eps;
        private final double weightDecay;
        private final boolean amsgrad;
        private double[][] expAvg;
        private double[][] expAvgSq;
        private double[][] maxExpAvgSq;
        private int step;

        Adam(double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
            this.lr = lr;
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.eps = eps;
            this.weightDecay = weightDecay;
            this.amsgrad = amsgrad;
        }

        /** One step; returns the new point. */
        double[][] step(Manifold manifold, double[][] point, double[][] grad) {
            int rows = point.length;
            int cols = point[0].length;
            if (expAvg == null) {
                expAvg = new double[rows][cols];
                expAvgSq = new double[rows][cols];
                maxExpAvgSq = new double[rows][cols];
            }
            step++;
            double[][] g = manifold.proju(point, add(grad, weightDecay, point));
            // exp_avg.mul_(betas[0]).add_(grad, alpha=1 - betas[0])
            expAvg = add(scale(beta1, expAvg), 1 - beta1, g);
            // exp_avg_sq.mul_(betas[1]).add_(manifold.component_inner(point, grad), alpha=1 - betas[1])
            expAvgSq = add(scale(beta2, expAvgSq), 1 - beta2, manifold.componentInner(point, g));
            double biasCorrection1 = 1 - Math.pow(beta1, step);
            double biasCorrection2 = 1 - Math.pow(beta2, step);
            double[][] second = expAvgSq;
            if (amsgrad) {
                // torch.max(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < cols; j++) {
                        maxExpAvgSq[i][j] = Math.max(maxExpAvgSq[i][j], expAvgSq[i][j]);
                    }
                }
                second = maxExpAvgSq;
            }
            // denom = second.div(bias_correction2).sqrt_(); direction = exp_avg.div(bias_correction1) / denom.add_(eps)
            double[][] direction = new double[rows][cols];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    double denominator = Math.sqrt(second[i][j] / biasCorrection2) + eps;
                    direction[i][j] = expAvg[i][j] / biasCorrection1 / denominator;
                }
            }
            double[][] newPoint = manifold.retr(point, scale(-lr, direction));
            expAvg = manifold.proju(newPoint, expAvg);
            return newPoint;
        }
    }

    /**
     * The thin QR factor with a positive diagonal of R, by modified Gram-Schmidt: for a full-rank
     * matrix the same Q as Householder QR followed by geoopt's sign fix.
     */
    static double[][] qrPositive(double[][] a) {
        int rows = a.length;
        int cols = a[0].length;
        double[][] q = copy(a);
        for (int j = 0; j < cols; j++) {
            for (int k = 0; k < j; k++) {
                double projection = 0.0;
                for (int i = 0; i < rows; i++) {
                    projection += q[i][k] * q[i][j];
                }
                for (int i = 0; i < rows; i++) {
                    q[i][j] -= projection * q[i][k];
                }
            }
            double norm = 0.0;
            for (int i = 0; i < rows; i++) {
                norm += q[i][j] * q[i][j];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < rows; i++) {
                q[i][j] /= norm;
            }
        }
        return q;
    }

    static double[][] copy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    /** {@code a + alpha b}, a new matrix. */
    static double[][] add(double[][] a, double alpha, double[][] b) {
        double[][] c = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                c[i][j] = a[i][j] + alpha * b[i][j];
            }
        }
        return c;
    }

    static double[][] scale(double alpha, double[][] a) {
        return add(new double[a.length][a[0].length], alpha, a);
    }

    private static double[][] subtract(double[][] a, double[][] b) {
        return add(a, -1.0, b);
    }

    private static double[][] filled(int rows, int cols, double value) {
        double[][] out = new double[rows][cols];
        for (double[] row : out) {
            java.util.Arrays.fill(row, value);
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0.0;
        for (int k = 0; k < a.length; k++) {
            sum += a[k] * b[k];
        }
        return sum;
    }
}
