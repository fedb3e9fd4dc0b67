package dev.stiefel.manifold;

import dev.stiefel.kernel.DenseKernels;
import java.util.Arrays;
import org.ejml.data.DMatrixRMaj;

/**
 * The built-in {@link StiefelRetraction}s. Each bound retraction keeps a reference to its
 * {@link Stiefel} and borrows the instance's {@code n x p} and {@code p x p} scratch matrices
 * (a retraction never runs while another operation of the same instance uses them), and owns
 * what only it needs: the {@code 2p x 2p} blocks of Cayley and the exponential, the host-side
 * triangular workspaces of the QR inverse.
 */
final class StiefelRetractions {

    /**
     * Newton iterations of the sign function (Roberts 1980) for the Lyapunov equation of the
     * polar inverse retraction: quadratic convergence takes about {@code log2(cond) + 6} steps.
     */
    private static final int MAX_SIGN_ITERATIONS = 100;

    /** Convergence of the sign iteration: {@code ||A_(k+1) - A_k||_F <= this * sqrt(p)}. */
    private static final double SIGN_CONVERGED = 1e-13;

    /** At convergence the sign iterate must equal {@code -I} to this accuracy. */
    private static final double SIGN_IS_MINUS_IDENTITY = 1e-6;

    static final StiefelRetraction QR = new Builtin("QR", true) {
        @Override
        public <M> Retraction<M> bind(Stiefel<M> stiefel) {
            return new Qr<>(stiefel);
        }
    };

    static final StiefelRetraction POLAR = new Builtin("POLAR", true) {
        @Override
        public <M> Retraction<M> bind(Stiefel<M> stiefel) {
            return new Polar<>(stiefel);
        }
    };

    static final StiefelRetraction CAYLEY = new Builtin("CAYLEY", false) {
        @Override
        public <M> Retraction<M> bind(Stiefel<M> stiefel) {
            return new Cayley<>(stiefel);
        }
    };

    static final StiefelRetraction EXPONENTIAL = new Builtin("EXPONENTIAL", false) {
        @Override
        public <M> Retraction<M> bind(Stiefel<M> stiefel) {
            return new Exponential<>(stiefel);
        }
    };

    private StiefelRetractions() {
    }

    private abstract static class Builtin implements StiefelRetraction {
        private final String name;
        private final boolean invertible;

        Builtin(String name, boolean invertible) {
            this.name = name;
            this.invertible = invertible;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean hasInverse() {
            return invertible;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** {@code qf(X + V)} and its inverse (see {@link StiefelRetraction#QR}). */
    static final class Qr<M> implements Retraction<M> {
        private final Stiefel<M> stiefel;
        private final DenseKernels<M> kernels;
        private final int p;
        private DMatrixRMaj hostSmall;
        private DMatrixRMaj hostLu;
        private DMatrixRMaj hostTriangular;
        private double[] hostRhs;

        Qr(Stiefel<M> stiefel) {
            this.stiefel = stiefel;
            this.kernels = stiefel.kernels();
            this.p = stiefel.columns();
            this.hostSmall = new DMatrixRMaj(p, p);
            this.hostLu = new DMatrixRMaj(p, p);
            this.hostTriangular = new DMatrixRMaj(p, p);
            this.hostRhs = new double[p];
        }

        @Override
        public String name() {
            return "QR";
        }

        @Override
        public void retract(M x, M v, M out) {
            M ambient = stiefel.ambient();
            kernels.addScaled(1.0, x, 1.0, v, ambient);
            kernels.qrPositive(ambient, out, null);
        }

        @Override
        public boolean hasInverse() {
            return true;
        }

        /**
         * QR inverse (Manifolds.jl {@code inverse_retract_qr!}; Zhu, Sato 2020): {@code X + V = Y R}
         * with {@code R} upper triangular, and tangency gives {@code M R + R^T M^T = 2 I},
         * {@code M = X^T Y}. Column {@code i} of {@code R} solves the leading {@code i x i} system
         * {@code M[0..i, 0..i] r = b}, {@code b_j = -(M R)[i, j]} for {@code j < i}, {@code b_i = 1};
         * then {@code V = Y R - X}. The leading systems share one LU factorisation of {@code M}
         * without pivoting (the leading blocks of {@code L U} are the {@code L U} of the leading
         * blocks of {@code M}), so the whole solve costs {@code O(p^3)} flops on the host; only
         * {@code p x p} matrices cross the backend boundary.
         */
        @Override
        public void inverseRetract(M x, M y, M out) {
            String name = stiefel.name();
            M small = stiefel.small(0);
            kernels.gemm(1.0, x, true, y, false, 0.0, small);
            kernels.toHost(small, hostSmall);
            double[] m = hostSmall.data;
            double[] lu = hostLu.data;
            double[] r = hostTriangular.data;
            double[] rhs = hostRhs;
            System.arraycopy(m, 0, lu, 0, p * p);
            double scale = 0.0;
            for (int index = 0; index < p * p; index++) {
                scale = Math.max(scale, Math.abs(m[index]));
            }
            double pivotFloor = p * Math.ulp(1.0) * scale;
            for (int k = 0; k < p; k++) {
                double pivot = lu[k * p + k];
                if (!(Math.abs(pivot) > pivotFloor)) {
                    throw new ArithmeticException(name + ": Y is not the QR retraction of a tangent vector at X "
                            + "(leading " + (k + 1) + " x " + (k + 1) + " block of X^T Y is singular)");
                }
                for (int i = k + 1; i < p; i++) {
                    double factor = lu[i * p + k] / pivot;
                    lu[i * p + k] = factor;
                    for (int j = k + 1; j < p; j++) {
                        lu[i * p + j] -= factor * lu[k * p + j];
                    }
                }
            }
            Arrays.fill(r, 0, p * p, 0.0);
            for (int i = 0; i < p; i++) {
                for (int j = 0; j < i; j++) {
                    double sum = 0.0;
                    for (int k = 0; k <= j; k++) {
                        sum += m[i * p + k] * r[k * p + j];
                    }
                    rhs[j] = -sum;
                }
                rhs[i] = 1.0;
                for (int row = 0; row <= i; row++) {
                    double sum = rhs[row];
                    for (int k = 0; k < row; k++) {
                        sum -= lu[row * p + k] * rhs[k];
                    }
                    rhs[row] = sum;
                }
                for (int row = i; row >= 0; row--) {
                    double sum = rhs[row];
                    for (int k = row + 1; k <= i; k++) {
                        sum -= lu[row * p + k] * rhs[k];
                    }
                    rhs[row] = sum / lu[row * p + row];
                }
                if (!(rhs[i] > 0.0) || !Double.isFinite(rhs[i])) {
                    throw new ArithmeticException(name + ": Y is not the QR retraction of a tangent vector at X "
                            + "(diagonal entry " + i + " of R is " + rhs[i] + ", must be positive)");
                }
                for (int row = 0; row <= i; row++) {
                    r[row * p + i] = rhs[row];
                }
            }
            kernels.copyFromHost(hostTriangular, small);
            kernels.gemm(1.0, y, false, small, false, 0.0, out);
            kernels.addScaled(1.0, out, -1.0, x, out);
        }
    }

    /** The polar factor of {@code X + V} and its inverse (see {@link StiefelRetraction#POLAR}). */
    static final class Polar<M> implements Retraction<M> {
        private final Stiefel<M> stiefel;
        private final DenseKernels<M> kernels;

        Polar(Stiefel<M> stiefel) {
            this.stiefel = stiefel;
            this.kernels = stiefel.kernels();
        }

        @Override
        public String name() {
            return "POLAR";
        }

        @Override
        public void retract(M x, M v, M out) {
            M ambient = stiefel.ambient();
            kernels.addScaled(1.0, x, 1.0, v, ambient);
            kernels.polar(ambient, out);
        }

        @Override
        public boolean hasInverse() {
            return true;
        }

        /**
         * Polar inverse: {@code X + V = Y S} with {@code S = (I + V^T V)^(1/2)} symmetric positive
         * definite, and tangency {@code sym(X^T V) = 0} give the Lyapunov equation
         * {@code M S + S M^T = 2 I}, {@code M = X^T Y} (Manopt {@code stiefelfactory}
         * {@code invretr_polar}; Manifolds.jl {@code inverse_retract_polar!}); then
         * {@code V = Y S - X}. The equation is solved by the Newton iteration for the matrix sign
         * function (Roberts 1980; Benner, Quintana-Orti 1999): {@code A_0 = -M}, {@code Q_0 = 2 I},
         * {@code A_(k+1) = (A_k + A_k^-1) / 2}, {@code Q_(k+1) = (Q_k + A_k^-1 Q_k A_k^-T) / 2},
         * {@code S = lim Q_k / 2}. It converges exactly when every eigenvalue of {@code M} has a
         * positive real part, which is also when a positive-definite {@code S} exists (Lyapunov's
         * theorem), and it needs only products and solves, so it runs on any backend.
         */
        @Override
        public void inverseRetract(M x, M y, M out) {
            String name = stiefel.name();
            int p = stiefel.columns();
            M identity = stiefel.identity();
            M iterate = stiefel.small(1);
            M gramian = stiefel.small(2);
            M inverse = stiefel.small(3);
            M difference = stiefel.small(0);
            kernels.gemm(-1.0, x, true, y, false, 0.0, iterate);
            kernels.copy(identity, gramian);
            kernels.scale(2.0, gramian);
            double threshold = SIGN_CONVERGED * Math.sqrt(p);
            boolean converged = false;
            for (int iteration = 0; iteration < MAX_SIGN_ITERATIONS && !converged; iteration++) {
                try {
                    kernels.solve(iterate, identity, inverse);
                } catch (ArithmeticException singular) {
                    throw new ArithmeticException(name + ": polar inverse retraction failed, X^T Y has an "
                            + "eigenvalue with zero real part (Y is too far from X): " + singular.getMessage());
                }
                kernels.gemm(1.0, inverse, false, gramian, false, 0.0, difference);
                kernels.gemm(0.5, difference, false, inverse, true, 0.5, gramian);
                kernels.addScaled(1.0, inverse, -1.0, iterate, difference);
                double change = 0.5 * kernels.normF(difference);
                if (!Double.isFinite(change)) {
                    throw new ArithmeticException(name + ": polar inverse retraction diverged (non-finite iterate)");
                }
                kernels.addScaled(1.0, iterate, 0.5, difference, iterate);
                converged = change <= threshold;
            }
            kernels.addIdentity(iterate, 1.0, difference);
            double signDefect = kernels.normF(difference);
            if (!converged || !(signDefect <= SIGN_IS_MINUS_IDENTITY * Math.sqrt(p))) {
                throw new ArithmeticException(name + ": Y is not the polar retraction of a tangent vector at X "
                        + "(X^T Y has an eigenvalue with non-positive real part; sign iteration "
                        + (converged ? "converged to a sign with ||A + I||_F = " + signDefect : "did not converge")
                        + ")");
            }
            kernels.symmetricPart(gramian, gramian);
            kernels.gemm(0.5, y, false, gramian, false, 0.0, out);
            kernels.addScaled(1.0, out, -1.0, x, out);
        }
    }

    /**
     * The {@code 2p x 2p} workspaces of Cayley and the exponential: {@code [I; 0]} and
     * {@code [0; I]} ({@code 2p x p}) select blocks through gemm, so block assembly and
     * extraction stay on the backend.
     */
    static final class Blocks<M> implements AutoCloseable {
        final DenseKernels<M> kernels;
        final M selectTop;
        final M selectBottom;
        final M block;
        final M blockSecond;
        final M blockColumn;
        final M blockColumnSecond;

        Blocks(DenseKernels<M> kernels, int p) {
            this.kernels = kernels;
            DMatrixRMaj top = new DMatrixRMaj(2 * p, p);
            DMatrixRMaj bottom = new DMatrixRMaj(2 * p, p);
            for (int i = 0; i < p; i++) {
                top.set(i, i, 1.0);
                bottom.set(p + i, i, 1.0);
            }
            this.selectTop = kernels.fromHost(top);
            this.selectBottom = kernels.fromHost(bottom);
            this.block = kernels.create(2 * p, 2 * p);
            this.blockSecond = kernels.create(2 * p, 2 * p);
            this.blockColumn = kernels.create(2 * p, p);
            this.blockColumnSecond = kernels.create(2 * p, p);
        }

        /**
         * {@code out = [[b11, b12], [b21, b22]]} ({@code 2p x 2p}) from {@code p x p} blocks, as
         * {@code T (T^T ...)} products with the selectors. Uses {@link #blockColumn}.
         */
        void assemble(M b11, M b12, M b21, M b22, M out) {
            kernels.gemm(1.0, selectTop, false, b11, false, 0.0, blockColumn);
            kernels.gemm(1.0, selectBottom, false, b21, false, 1.0, blockColumn);
            kernels.gemm(1.0, blockColumn, false, selectTop, true, 0.0, out);
            kernels.gemm(1.0, selectTop, false, b12, false, 0.0, blockColumn);
            kernels.gemm(1.0, selectBottom, false, b22, false, 1.0, blockColumn);
            kernels.gemm(1.0, blockColumn, false, selectBottom, true, 1.0, out);
        }

        @Override
        public void close() {
            for (M m : java.util.List.of(selectTop, selectBottom, block, blockSecond, blockColumn, blockColumnSecond)) {
                kernels.free(m);
            }
        }
    }

    /** The Cayley transform (see {@link StiefelRetraction#CAYLEY}). */
    static final class Cayley<M> implements Retraction<M> {
        private final Stiefel<M> stiefel;
        private final DenseKernels<M> kernels;
        private final Blocks<M> blocks;

        Cayley(Stiefel<M> stiefel) {
            this.stiefel = stiefel;
            this.kernels = stiefel.kernels();
            this.blocks = new Blocks<>(kernels, stiefel.columns());
        }

        @Override
        public String name() {
            return "CAYLEY";
        }

        /**
         * Wen and Yin (2013, Lemma 4) low-rank Cayley transform: with {@code W = U Vv^T},
         * {@code U = [P V, X]}, {@code Vv = [X, -P V]}, {@code P V = V - X (X^T V) / 2},
         * {@code R_X(V) = X + U (I_2p - Vv^T U / 2)^(-1) Vv^T X} (Sherman-Morrison-Woodbury applied
         * to {@code (I - W/2)^(-1)(I + W/2) X}; {@code X^T X = I} is used for the identity blocks).
         */
        @Override
        public void retract(M x, M v, M out) {
            M small = stiefel.small(0);
            M halfProjected = stiefel.ambientSecond();
            kernels.gemm(1.0, x, true, v, false, 0.0, small);
            kernels.copy(v, halfProjected);
            kernels.gemm(-0.5, x, false, small, false, 1.0, halfProjected);
            // Vv^T U = [[X^T PV, I], [-(PV)^T PV, -(PV)^T X]]
            M topLeft = stiefel.small(1);
            M bottomLeft = stiefel.small(2);
            M bottomRight = stiefel.small(3);
            kernels.gemm(1.0, x, true, halfProjected, false, 0.0, topLeft);
            kernels.gemm(-1.0, halfProjected, true, halfProjected, false, 0.0, bottomLeft);
            kernels.transpose(topLeft, bottomRight);
            kernels.scale(-1.0, bottomRight);
            blocks.assemble(topLeft, stiefel.identity(), bottomLeft, bottomRight, blocks.block);
            kernels.scale(-0.5, blocks.block);
            kernels.addIdentity(blocks.block, 1.0, blocks.block);
            // Vv^T X = [I; -(PV)^T X]
            kernels.copy(blocks.selectTop, blocks.blockColumn);
            kernels.gemm(1.0, blocks.selectBottom, false, bottomRight, false, 1.0, blocks.blockColumn);
            kernels.solve(blocks.block, blocks.blockColumn, blocks.blockColumnSecond);
            kernels.gemm(1.0, blocks.selectTop, true, blocks.blockColumnSecond, false, 0.0, small);
            kernels.gemm(1.0, blocks.selectBottom, true, blocks.blockColumnSecond, false, 0.0, topLeft);
            kernels.copy(x, out);
            kernels.gemm(1.0, halfProjected, false, small, false, 1.0, out);
            kernels.gemm(1.0, x, false, topLeft, false, 1.0, out);
        }

        @Override
        public void close() {
            blocks.close();
        }
    }

    /** The Riemannian exponential (see {@link StiefelRetraction#EXPONENTIAL}). */
    static final class Exponential<M> implements Retraction<M> {
        private final Stiefel<M> stiefel;
        private final DenseKernels<M> kernels;
        private final Blocks<M> blocks;

        Exponential(Stiefel<M> stiefel) {
            this.stiefel = stiefel;
            this.kernels = stiefel.kernels();
            this.blocks = new Blocks<>(kernels, stiefel.columns());
        }

        @Override
        public String name() {
            return "EXPONENTIAL";
        }

        /**
         * Edelman, Arias, Smith (1998, eq. 2.45): {@code Exp_X(V) = [X V] expm([[A, -S], [I, A]])
         * [expm(-A); 0]}, {@code A = X^T V}, {@code S = V^T V}.
         */
        @Override
        public void retract(M x, M v, M out) {
            M a = stiefel.small(0);
            M minusS = stiefel.small(1);
            kernels.gemm(1.0, x, true, v, false, 0.0, a);
            kernels.gemm(-1.0, v, true, v, false, 0.0, minusS);
            blocks.assemble(a, minusS, stiefel.identity(), a, blocks.block);
            kernels.expm(blocks.block, blocks.blockSecond);
            M minusA = stiefel.small(2);
            M expMinusA = stiefel.small(3);
            kernels.copy(a, minusA);
            kernels.scale(-1.0, minusA);
            kernels.expm(minusA, expMinusA);
            kernels.gemm(1.0, blocks.blockSecond, false, blocks.selectTop, false, 0.0, blocks.blockColumn);
            kernels.gemm(1.0, blocks.blockColumn, false, expMinusA, false, 0.0, blocks.blockColumnSecond);
            kernels.gemm(1.0, blocks.selectTop, true, blocks.blockColumnSecond, false, 0.0, a);
            kernels.gemm(1.0, blocks.selectBottom, true, blocks.blockColumnSecond, false, 0.0, minusS);
            M ambient = stiefel.ambient();
            kernels.gemm(1.0, x, false, a, false, 0.0, ambient);
            kernels.gemm(1.0, v, false, minusS, false, 1.0, ambient);
            kernels.copy(ambient, out);
        }

        @Override
        public void close() {
            blocks.close();
        }
    }
}
