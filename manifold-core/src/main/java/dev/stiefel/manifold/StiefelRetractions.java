package dev.stiefel.manifold;

import dev.stiefel.kernel.DenseKernels;
import java.util.Arrays;
import org.ejml.data.DMatrixRMaj;

/**
 * The built-in {@link StiefelRetraction}s. Each bound retraction owns the workspaces it needs,
 * named by their role, and frees them in {@code close()}.
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

    private StiefelRetractions() {
    }

    // The recipes are classes, created by the constants of StiefelRetraction: a constant here
    // would be read by StiefelRetraction's initialisation while this class's own initialisation
    // (which initialises StiefelRetraction, an interface with default methods) still ran.

    /** {@link StiefelRetraction#QR}. */
    static final class QrRecipe extends BuiltinRecipe implements StiefelRetraction {
        QrRecipe() {
            super("QR", true);
        }

        @Override
        public <M> Retraction<M> bind(Stiefel<M> stiefel) {
            return new Qr<>(stiefel);
        }
    }

    /** {@link StiefelRetraction#POLAR}. */
    static final class PolarRecipe extends BuiltinRecipe implements StiefelRetraction {
        PolarRecipe() {
            super("POLAR", true);
        }

        @Override
        public <M> Retraction<M> bind(Stiefel<M> stiefel) {
            return new Polar<>(stiefel);
        }
    }

    /** {@link StiefelRetraction#CAYLEY}. */
    static final class CayleyRecipe extends BuiltinRecipe implements StiefelRetraction {
        CayleyRecipe() {
            super("CAYLEY", false);
        }

        @Override
        public <M> Retraction<M> bind(Stiefel<M> stiefel) {
            return new Cayley<>(stiefel);
        }
    }

    /** {@link StiefelRetraction#EXPONENTIAL}. */
    static final class ExponentialRecipe extends BuiltinRecipe implements StiefelRetraction {
        ExponentialRecipe() {
            super("EXPONENTIAL", false);
        }

        @Override
        public <M> Retraction<M> bind(Stiefel<M> stiefel) {
            return new Exponential<>(stiefel);
        }
    }

    /** {@code qf(X + V)} and its inverse (see {@link StiefelRetraction#QR}). */
    static final class Qr<M> implements Retraction<M> {
        private final Stiefel<M> stiefel;
        private final DenseKernels<M> kernels;
        private final int p;
        /** {@code X + V}. */
        private final M sum;
        /** {@code X^T Y}, then the triangular factor {@code R} of the inverse. */
        private final M coordinates;
        private DMatrixRMaj hostCoordinates;
        private DMatrixRMaj hostLu;
        private DMatrixRMaj hostTriangular;
        private double[] hostRhs;

        Qr(Stiefel<M> stiefel) {
            this.stiefel = stiefel;
            this.kernels = stiefel.kernels();
            this.p = stiefel.columns();
            this.sum = kernels.create(stiefel.rows(), p);
            this.coordinates = kernels.create(p, p);
            this.hostCoordinates = new DMatrixRMaj(p, p);
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
            kernels.addScaled(1.0, x, 1.0, v, sum);
            kernels.qrPositive(sum, out, null);
        }

        @Override
        public void close() {
            kernels.free(sum);
            kernels.free(coordinates);
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
            kernels.gemm(1.0, x, true, y, false, 0.0, coordinates);
            kernels.toHost(coordinates, hostCoordinates);
            double[] m = hostCoordinates.data;
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
            kernels.copyFromHost(hostTriangular, coordinates);
            kernels.gemm(1.0, y, false, coordinates, false, 0.0, out);
            kernels.addScaled(1.0, out, -1.0, x, out);
        }
    }

    /** The polar factor of {@code X + V} and its inverse (see {@link StiefelRetraction#POLAR}). */
    static final class Polar<M> implements Retraction<M> {
        private final Stiefel<M> stiefel;
        private final DenseKernels<M> kernels;
        /** {@code X + V}. */
        private final M sum;
        private final M identity;
        /** The sign iterate {@code A_k}. */
        private final M signIterate;
        /** {@code Q_k}, whose limit is {@code 2 S}. */
        private final M lyapunovIterate;
        /** {@code A_k^-1}. */
        private final M iterateInverse;
        /** {@code A_k^-1 Q_k}, then {@code A_(k+1) - A_k}, then {@code A + I}. */
        private final M difference;

        Polar(Stiefel<M> stiefel) {
            this.stiefel = stiefel;
            this.kernels = stiefel.kernels();
            int p = stiefel.columns();
            this.sum = kernels.create(stiefel.rows(), p);
            this.identity = kernels.create(p, p);
            kernels.setIdentity(identity);
            this.signIterate = kernels.create(p, p);
            this.lyapunovIterate = kernels.create(p, p);
            this.iterateInverse = kernels.create(p, p);
            this.difference = kernels.create(p, p);
        }

        @Override
        public void close() {
            for (M m : java.util.List.of(sum, identity, signIterate, lyapunovIterate, iterateInverse, difference)) {
                kernels.free(m);
            }
        }

        @Override
        public String name() {
            return "POLAR";
        }

        @Override
        public void retract(M x, M v, M out) {
            kernels.addScaled(1.0, x, 1.0, v, sum);
            kernels.polar(sum, out);
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
            M iterate = signIterate;
            M gramian = lyapunovIterate;
            M inverse = iterateInverse;
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
     * Block assembly and extraction for the {@code 2p x 2p} matrices of Cayley and the
     * exponential: {@code [I; 0]} and {@code [0; I]} ({@code 2p x p}) select blocks through gemm,
     * so everything stays on the backend.
     */
    static final class Blocks<M> implements AutoCloseable {
        final DenseKernels<M> kernels;
        final M selectTop;
        final M selectBottom;
        /** A block column {@code [b_1j; b_2j]} during {@link #assemble}. */
        private final M blockColumn;

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
            this.blockColumn = kernels.create(2 * p, p);
        }

        /** {@code top = [I 0] column}, {@code bottom = [0 I] column} for a {@code 2p x p} {@code column}. */
        void split(M column, M top, M bottom) {
            kernels.gemm(1.0, selectTop, true, column, false, 0.0, top);
            kernels.gemm(1.0, selectBottom, true, column, false, 0.0, bottom);
        }

        /**
         * {@code out = [[b11, b12], [b21, b22]]} ({@code 2p x 2p}) from {@code p x p} blocks, as
         * {@code T (T^T ...)} products with the selectors.
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
            for (M m : java.util.List.of(selectTop, selectBottom, blockColumn)) {
                kernels.free(m);
            }
        }
    }

    /**
     * The splitting {@code V = 2^e (X A + Q B)} of a tangent vector scaled to unit norm, shared
     * by the exponential and the long-step Cayley transform: {@code A = skew(X^T V_s)},
     * {@code Q B} the thin SVD of the normal part {@code V_s - X X^T V_s} with noise singular
     * values ({@link ManifoldSupport#NEGLIGIBLE_SINGULAR_VALUE}) zeroed and {@code Q} projected once more onto
     * the complement of {@code X}. Then {@code W = [[A, -B^T], [B, 0]]}-type blocks in the
     * orthonormal basis {@code [X Q]} carry the geometry of the step.
     */
    static final class NormalSplit<M> implements AutoCloseable {
        private final DenseKernels<M> kernels;
        private final int p;
        private final double negligibleSingularValue;
        /** The scaled tangent, then its normal part ({@code n x p}). */
        final M scaledTangent;
        /** {@code Q} ({@code n x p}). */
        final M normalBasis;
        /** {@code A = skew(X^T V_s)} ({@code p x p}). */
        final M skew;
        /** {@code B = diag(s) W^T} ({@code p x p}). */
        final M normalCoordinates;
        /** {@code -B^T} ({@code p x p}). */
        final M minusNormalCoordinatesTransposed;
        private final M coordinates;
        private final M rightVectors;
        /** The point's coordinates along {@code X} ({@code p x p}). */
        private final M alongPoint;
        /** The point's coordinates along {@code Q} ({@code p x p}). */
        private final M alongNormal;
        /** {@code X top + Q bottom} before its polar factor ({@code n x p}). */
        private final M unnormalisedPoint;
        private final double[] singularValues;

        NormalSplit(DenseKernels<M> kernels, int n, int p) {
            this.kernels = kernels;
            this.p = p;
            this.negligibleSingularValue = ManifoldSupport.NEGLIGIBLE_SINGULAR_VALUE * Math.max(n, p);
            this.scaledTangent = kernels.create(n, p);
            this.normalBasis = kernels.create(n, p);
            this.skew = kernels.create(p, p);
            this.normalCoordinates = kernels.create(p, p);
            this.minusNormalCoordinatesTransposed = kernels.create(p, p);
            this.coordinates = kernels.create(p, p);
            this.rightVectors = kernels.create(p, p);
            this.alongPoint = kernels.create(p, p);
            this.alongNormal = kernels.create(p, p);
            this.unnormalisedPoint = kernels.create(n, p);
            this.singularValues = new double[p];
        }

        /** Singular values below this count as zero (see {@link ManifoldSupport#NEGLIGIBLE_SINGULAR_VALUE}). */
        double negligibleSingularValue() {
            return negligibleSingularValue;
        }

        /**
         * Splits {@code v} at {@code x}; returns the exponent {@code e} of the scale, or
         * {@link Integer#MIN_VALUE} for {@code v = 0} (nothing else is written then).
         */
        int split(M x, M v) {
            int exponent = ManifoldSupport.scaleToUnitNorm(kernels, v, scaledTangent);
            if (kernels.normF(scaledTangent) == 0.0) {
                return Integer.MIN_VALUE;
            }
            kernels.gemm(1.0, x, true, scaledTangent, false, 0.0, coordinates);
            kernels.gemm(-1.0, x, false, coordinates, false, 1.0, scaledTangent);
            kernels.skewPart(coordinates, skew);
            kernels.svdThin(scaledTangent, normalBasis, singularValues, rightVectors);
            for (int i = 0; i < p; i++) {
                if (!(singularValues[i] > negligibleSingularValue)) {
                    singularValues[i] = 0.0;
                }
            }
            kernels.gemm(1.0, x, true, normalBasis, false, 0.0, coordinates);
            kernels.gemm(-1.0, x, false, coordinates, false, 1.0, normalBasis);
            kernels.scaleColumns(rightVectors, singularValues, minusNormalCoordinatesTransposed);
            kernels.transpose(minusNormalCoordinatesTransposed, normalCoordinates);
            kernels.scale(-1.0, minusNormalCoordinatesTransposed);
            return exponent;
        }

        /**
         * {@code out = polar(X top + Q bottom)} for the blocks of the {@code 2p x p} matrix
         * {@code column} (coordinates in the basis {@code [X Q]}).
         */
        void assemblePoint(M x, Blocks<M> blocks, M column, M out) {
            blocks.split(column, alongPoint, alongNormal);
            kernels.gemm(1.0, x, false, alongPoint, false, 0.0, unnormalisedPoint);
            kernels.gemm(1.0, normalBasis, false, alongNormal, false, 1.0, unnormalisedPoint);
            kernels.polar(unnormalisedPoint, out);
        }

        @Override
        public void close() {
            for (M m : java.util.List.of(scaledTangent, normalBasis, skew, normalCoordinates,
                    minusNormalCoordinatesTransposed, coordinates, rightVectors, alongPoint, alongNormal,
                    unnormalisedPoint)) {
                kernels.free(m);
            }
        }
    }

    /**
     * The Cayley transform (see {@link StiefelRetraction#CAYLEY}), by two algorithms: Wen and
     * Yin's low-rank form (one {@code 2p x 2p} solve) for {@code ||V||_F <=}
     * {@link #LOW_RANK_LIMIT}, and for longer steps the same transform in the orthonormal basis
     * {@code [X Q]} of {@link NormalSplit}, where it is the Cayley transform of the
     * {@code 2p x 2p} skew matrix {@code W = [[A, -B^T], [B, 0]]}, evaluated from the SVD
     * {@code W = U diag(s) V^T} as the rational functions
     * {@code cay(W) = V diag(g) V^T + U diag(h) V^T}, {@code g = (4 - s^2) / (4 + s^2)},
     * {@code h = 4 s / (4 + s^2)} (the eigenvalue {@code i s} of {@code W} goes to
     * {@code (1 + i s/2) / (1 - i s/2) = g + i h}). The low-rank system has entries of order
     * {@code ||V||^2}, and was singular to working precision from {@code ||V|| = 1e8}; the
     * rational functions are bounded for every {@code s}.
     */
    static final class Cayley<M> implements Retraction<M> {

        /**
         * Longest step evaluated in the low-rank form: its {@code 2p x 2p} system has entries up
         * to about {@code ||V||^2 / 2}, so its rounding stays below {@code 2^8 eps} relative.
         */
        static final double LOW_RANK_LIMIT = 16.0;

        private final Stiefel<M> stiefel;
        private final DenseKernels<M> kernels;
        private final Blocks<M> blocks;
        private final int p;
        private final M identity;
        /** {@code X^T V}, then the block of the solution along {@code P V}. */
        private final M coordinates;
        /** {@code P V = V - X (X^T V) / 2}. */
        private final M halfProjected;
        /** {@code X^T P V}, then the block of the solution along {@code X}. */
        private final M topLeft;
        /** {@code -(P V)^T P V}. */
        private final M bottomLeft;
        /** {@code -(P V)^T X}. */
        private final M bottomRight;
        /** {@code I_2p - Vv^T U / 2}. */
        private final M system;
        /** {@code Vv^T X}. */
        private final M rightHandSide;
        /** {@code (I_2p - Vv^T U / 2)^(-1) Vv^T X}. */
        private final M solution;
        private NormalSplit<M> split;
        private M zero;
        private M skewBlock;
        private M leftVectors;
        private M rightVectors;
        private M transform;
        private M rightTop;
        private M transformColumn;
        private double[] singularValues;
        private double[] evenPart;
        private double[] oddPart;

        Cayley(Stiefel<M> stiefel) {
            this.stiefel = stiefel;
            this.kernels = stiefel.kernels();
            this.p = stiefel.columns();
            this.blocks = new Blocks<>(kernels, p);
            this.identity = kernels.create(p, p);
            kernels.setIdentity(identity);
            this.coordinates = kernels.create(p, p);
            this.halfProjected = kernels.create(stiefel.rows(), p);
            this.topLeft = kernels.create(p, p);
            this.bottomLeft = kernels.create(p, p);
            this.bottomRight = kernels.create(p, p);
            this.system = kernels.create(2 * p, 2 * p);
            this.rightHandSide = kernels.create(2 * p, p);
            this.solution = kernels.create(2 * p, p);
        }

        @Override
        public String name() {
            return "CAYLEY";
        }

        @Override
        public void retract(M x, M v, M out) {
            if (kernels.normF(v) <= LOW_RANK_LIMIT) {
                retractLowRank(x, v, out);
            } else {
                retractBySingularValues(x, v, out);
            }
        }

        /**
         * Wen and Yin (2013, Lemma 4) low-rank Cayley transform: with {@code W = U Vv^T},
         * {@code U = [P V, X]}, {@code Vv = [X, -P V]}, {@code P V = V - X (X^T V) / 2},
         * {@code R_X(V) = X + U (I_2p - Vv^T U / 2)^(-1) Vv^T X} (Sherman-Morrison-Woodbury applied
         * to {@code (I - W/2)^(-1)(I + W/2) X}; {@code X^T X = I} is used for the identity blocks).
         */
        void retractLowRank(M x, M v, M out) {
            kernels.gemm(1.0, x, true, v, false, 0.0, coordinates);
            kernels.copy(v, halfProjected);
            kernels.gemm(-0.5, x, false, coordinates, false, 1.0, halfProjected);
            // Vv^T U = [[X^T PV, I], [-(PV)^T PV, -(PV)^T X]]
            kernels.gemm(1.0, x, true, halfProjected, false, 0.0, topLeft);
            kernels.gemm(-1.0, halfProjected, true, halfProjected, false, 0.0, bottomLeft);
            kernels.transpose(topLeft, bottomRight);
            kernels.scale(-1.0, bottomRight);
            blocks.assemble(topLeft, identity, bottomLeft, bottomRight, system);
            kernels.scale(-0.5, system);
            kernels.addIdentity(system, 1.0, system);
            // Vv^T X = [I; -(PV)^T X]
            kernels.copy(blocks.selectTop, rightHandSide);
            kernels.gemm(1.0, blocks.selectBottom, false, bottomRight, false, 1.0, rightHandSide);
            kernels.solve(system, rightHandSide, solution);
            blocks.split(solution, coordinates, topLeft);
            kernels.copy(x, out);
            kernels.gemm(1.0, halfProjected, false, coordinates, false, 1.0, out);
            kernels.gemm(1.0, x, false, topLeft, false, 1.0, out);
        }

        /**
         * The transform in the basis {@code [X Q]} through the SVD of {@code W} (see the class
         * comment), for steps of any length; the long-step workspaces are allocated on the
         * first call.
         */
        void retractBySingularValues(M x, M v, M out) {
            if (split == null) {
                split = new NormalSplit<>(kernels, stiefel.rows(), p);
                zero = kernels.create(p, p);
                skewBlock = kernels.create(2 * p, 2 * p);
                leftVectors = kernels.create(2 * p, 2 * p);
                rightVectors = kernels.create(2 * p, 2 * p);
                transform = kernels.create(2 * p, 2 * p);
                rightTop = kernels.create(2 * p, p);
                transformColumn = kernels.create(2 * p, p);
                singularValues = new double[2 * p];
                evenPart = new double[2 * p];
                oddPart = new double[2 * p];
            }
            int exponent = split.split(x, v);
            if (exponent == Integer.MIN_VALUE) {
                kernels.copy(x, out);
                return;
            }
            blocks.assemble(split.skew, split.minusNormalCoordinatesTransposed, split.normalCoordinates, zero,
                    skewBlock);
            kernels.svdThin(skewBlock, leftVectors, singularValues, rightVectors);
            double negligible = split.negligibleSingularValue();
            for (int i = 0; i < 2 * p; i++) {
                double scaled = singularValues[i];
                double value = Math.scalb(scaled, exponent);
                if (!(scaled > negligible)) {
                    evenPart[i] = 1.0;
                    oddPart[i] = 0.0;
                } else if (value <= 2.0) {
                    double denominator = 4.0 + value * value;
                    evenPart[i] = (4.0 - value * value) / denominator;
                    oddPart[i] = 4.0 * value / denominator;
                } else {
                    // t = 2 / s without forming s, which may overflow
                    double t = Math.scalb(2.0 / scaled, -exponent);
                    double denominator = 1.0 + t * t;
                    evenPart[i] = (t * t - 1.0) / denominator;
                    oddPart[i] = 2.0 * t / denominator;
                }
            }
            // cay(W) [I; 0] = (V diag(g) + U diag(h)) (V^T [I; 0])
            kernels.scaleColumns(rightVectors, evenPart, transform);
            kernels.scaleColumns(leftVectors, oddPart, leftVectors);
            kernels.addScaled(1.0, transform, 1.0, leftVectors, transform);
            kernels.gemm(1.0, rightVectors, true, blocks.selectTop, false, 0.0, rightTop);
            kernels.gemm(1.0, transform, false, rightTop, false, 0.0, transformColumn);
            split.assemblePoint(x, blocks, transformColumn, out);
        }

        @Override
        public void close() {
            blocks.close();
            for (M m : java.util.List.of(identity, coordinates, halfProjected, topLeft, bottomLeft, bottomRight, system,
                    rightHandSide, solution)) {
                kernels.free(m);
            }
            if (split != null) {
                split.close();
                for (M m : java.util.List.of(zero, skewBlock, leftVectors, rightVectors, transform, rightTop,
                        transformColumn)) {
                    kernels.free(m);
                }
            }
        }
    }

    /**
     * The Riemannian exponential (see {@link StiefelRetraction#EXPONENTIAL}) in the form of
     * Zimmermann and Hüper ("Computing the Riemannian logarithm on the Stiefel manifold:
     * metrics, methods and performance", SIAM J. Matrix Anal. Appl. 43, 2022, eq. 10 with
     * {@code beta = 1}, the embedded metric): with {@code V = X A + Q B}, {@code A = X^T V}
     * skew, {@code Q} orthonormal and orthogonal to {@code X},
     * <pre>
     *   Exp_X(V) = [X Q] expm([[2A, -B^T], [B, 0]]) [I; 0] expm(-A),
     * </pre>
     * the same curve as Edelman, Arias and Smith's (1998, eq. 2.45) {@code [X V] expm([[A, -S],
     * [I, A]]) [expm(-A); 0]}, {@code S = V^T V}, whose block grows like {@code ||V||^2} and
     * loses the manifold for long {@code V} ({@code ||Y^T Y - I||} of 1e-9 at {@code ||V|| =
     * 1e4}, O(1) at 1e8). Here both exponentials are of skew-symmetric matrices, hence
     * orthogonal, and they are kept orthogonal to rounding for every length:
     * <ol>
     *   <li>{@code V} is scaled by a power of two to unit norm (exact; the scale {@code 2^e}
     *       goes into the angles), so no square of an entry overflows;
     *   <li>{@code Q} and {@code B} come from the thin SVD of the normal part
     *       {@code V - X X^T V}; singular values below {@link ManifoldSupport#NEGLIGIBLE_SINGULAR_VALUE} are
     *       rounding noise and count as zero (their singular vectors are arbitrary, possibly in
     *       {@code span(X)}), and {@code Q} is projected once more onto the complement of
     *       {@code X};
     *   <li>{@code expm(2^e K)} of the skew {@code K} is {@code expm(2^(e - k) K)} squared
     *       {@code k} times, re-orthonormalised (polar factor) after each squaring, so the
     *       orthogonality error does not double with every squaring;
     *   <li>the result is re-orthonormalised (polar factor), which moves it by no more than
     *       the rounding of its angles.
     * </ol>
     * Beyond {@code ||V|| = 2^MAX_ANGLE_EXPONENT} the rounding of the angles,
     * {@code ||V|| eps}, exceeds a full turn: every point of the geodesic's orbit is the
     * exponential of a vector within rounding of {@code V}, and the step is evaluated as
     * {@code Exp_X(2^MAX_ANGLE_EXPONENT V / 2^e)} so that the number of squarings stays bounded.
     */
    static final class Exponential<M> implements Retraction<M> {

        /** Angle scales beyond {@code 2^56} ({@code 2^56 eps = 16 > 2 pi}) are capped there. */
        static final int MAX_ANGLE_EXPONENT = 56;

        /** {@code expm} itself evaluates skew matrices of norm up to {@code 2^8} (its own squarings). */
        private static final int DIRECT_EXPONENT = 8;

        private final DenseKernels<M> kernels;
        private final Blocks<M> blocks;
        private final NormalSplit<M> split;
        private final M doubledSkew;
        private final M zero;
        /** {@code [[2A, -B^T], [B, 0]]}. */
        private final M skewBlock;
        /** {@code expm} of the scaled skew block. */
        private final M rotation;
        private final M rotationWork;
        private final M counterRotation;
        private final M counterRotationWork;
        /** {@code E [I; 0]}. */
        private final M rotatedColumn;
        /** {@code E [I; 0] expm(-A)}: the point's coordinates in the basis {@code [X Q]}. */
        private final M pointCoordinates;

        Exponential(Stiefel<M> stiefel) {
            this.kernels = stiefel.kernels();
            int p = stiefel.columns();
            this.blocks = new Blocks<>(kernels, p);
            this.split = new NormalSplit<>(kernels, stiefel.rows(), p);
            this.doubledSkew = kernels.create(p, p);
            this.zero = kernels.create(p, p);
            this.skewBlock = kernels.create(2 * p, 2 * p);
            this.rotation = kernels.create(2 * p, 2 * p);
            this.rotationWork = kernels.create(2 * p, 2 * p);
            this.counterRotation = kernels.create(p, p);
            this.counterRotationWork = kernels.create(p, p);
            this.rotatedColumn = kernels.create(2 * p, p);
            this.pointCoordinates = kernels.create(2 * p, p);
        }

        @Override
        public String name() {
            return "EXPONENTIAL";
        }

        @Override
        public void retract(M x, M v, M out) {
            int exponent = split.split(x, v);
            if (exponent == Integer.MIN_VALUE) {
                kernels.copy(x, out);
                return;
            }
            int angleExponent = Math.min(exponent, MAX_ANGLE_EXPONENT);
            kernels.copy(split.skew, doubledSkew);
            kernels.scale(2.0, doubledSkew);
            blocks.assemble(doubledSkew, split.minusNormalCoordinatesTransposed, split.normalCoordinates, zero,
                    skewBlock);
            orthogonalExponential(skewBlock, angleExponent, rotationWork, rotation);
            kernels.scale(-1.0, split.skew);
            orthogonalExponential(split.skew, angleExponent, counterRotationWork, counterRotation);
            // [X Q] E [I; 0] expm(-A)
            kernels.gemm(1.0, rotation, false, blocks.selectTop, false, 0.0, rotatedColumn);
            kernels.gemm(1.0, rotatedColumn, false, counterRotation, false, 0.0, pointCoordinates);
            split.assemblePoint(x, blocks, pointCoordinates, out);
        }

        /**
         * {@code out = expm(2^exponent skew)} for a skew-symmetric {@code skew} of norm at most
         * about 3, orthogonal to rounding: {@code expm} of the matrix scaled to norm at most
         * {@code 2^DIRECT_EXPONENT}, then one squaring and polar factor per remaining power of
         * two. Overwrites {@code work}.
         */
        private void orthogonalExponential(M skew, int exponent, M work, M out) {
            double norm = kernels.normF(skew);
            if (norm == 0.0) {
                kernels.setIdentity(out);
                return;
            }
            int squarings = Math.max(0, exponent + Math.getExponent(norm) + 1 - DIRECT_EXPONENT);
            kernels.copy(skew, work);
            kernels.scale(Math.scalb(1.0, exponent - squarings), work);
            kernels.expm(work, out);
            for (int i = 0; i < squarings; i++) {
                kernels.gemm(1.0, out, false, out, false, 0.0, work);
                kernels.polar(work, out);
            }
        }

        @Override
        public void close() {
            blocks.close();
            split.close();
            for (M m : java.util.List.of(doubledSkew, zero, skewBlock, rotation, rotationWork, counterRotation,
                    counterRotationWork, rotatedColumn, pointCoordinates)) {
                kernels.free(m);
            }
        }
    }
}
