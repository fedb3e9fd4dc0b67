package dev.stiefel.manifold;

import static dev.stiefel.manifold.ManifoldSupport.requireFiniteShape;
import static dev.stiefel.manifold.ManifoldSupport.requireShape;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import java.util.Arrays;
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
 * Workspaces are allocated in the constructor (the {@code 2p x 2p} ones only for the Cayley and
 * exponential retractions, the host-side triangular ones only for QR); no operation allocates
 * afterwards. Instances are therefore not thread-safe. Unless a method says otherwise, outputs
 * may alias tangent-vector inputs but never the base point.
 *
 * @param <M> the backend's matrix type
 */
public final class Stiefel<M> implements Manifold<M>, AutoCloseable {

    /**
     * Newton iterations of the sign function (Roberts 1980) for the Lyapunov equation of the
     * polar inverse retraction: quadratic convergence takes about {@code log2(cond) + 6} steps.
     */
    private static final int MAX_SIGN_ITERATIONS = 100;

    /** Convergence of the sign iteration: {@code ||A_(k+1) - A_k||_F <= this * sqrt(p)}. */
    private static final double SIGN_CONVERGED = 1e-13;

    /** At convergence the sign iterate must equal {@code -I} to this accuracy. */
    private static final double SIGN_IS_MINUS_IDENTITY = 1e-6;

    private final DenseKernels<M> kernels;
    private final int n;
    private final int p;
    private final StiefelRetraction retraction;
    private final String name;

    private final M ambient;
    private final M ambientSecond;
    private final M small;
    private final M smallSecond;
    private final M smallThird;
    private final M smallFourth;
    private final M identity;
    private final DMatrixRMaj hostAmbient;
    private boolean closed;

    /** [I; 0] and [0; I] (2p x p): block assembly and extraction through gemm, on any backend. */
    private final M selectTop;
    private final M selectBottom;
    private final M block;
    private final M blockSecond;
    private final M blockColumn;
    private final M blockColumnSecond;

    private final DMatrixRMaj hostSmall;
    private final DMatrixRMaj hostLu;
    private final DMatrixRMaj hostTriangular;
    private final double[] hostRhs;

    /**
     * @param kernels the dense backend every operation runs on
     * @param n rows
     * @param p columns, {@code 1 <= p <= n}
     * @param retraction the retraction {@link #retract} uses
     * @throws IllegalArgumentException unless {@code n >= p >= 1}, or when an argument is null
     */
    public Stiefel(DenseKernels<M> kernels, int n, int p, StiefelRetraction retraction) {
        if (n < p || p < 1) {
            throw new IllegalArgumentException("Stiefel(n, p) needs n >= p >= 1, got n = " + n + ", p = " + p);
        }
        if (kernels == null || retraction == null) {
            throw new IllegalArgumentException("Stiefel(" + n + ", " + p + "): kernels and retraction must not be null");
        }
        this.kernels = kernels;
        this.n = n;
        this.p = p;
        this.retraction = retraction;
        this.name = "Stiefel(" + n + ", " + p + ")";
        this.ambient = kernels.create(n, p);
        this.ambientSecond = kernels.create(n, p);
        this.small = kernels.create(p, p);
        this.smallSecond = kernels.create(p, p);
        this.smallThird = kernels.create(p, p);
        this.smallFourth = kernels.create(p, p);
        this.identity = kernels.create(p, p);
        kernels.setIdentity(identity);
        this.hostAmbient = new DMatrixRMaj(n, p);

        boolean blocks = retraction == StiefelRetraction.CAYLEY || retraction == StiefelRetraction.EXPONENTIAL;
        if (blocks) {
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
        } else {
            this.selectTop = null;
            this.selectBottom = null;
            this.block = null;
            this.blockSecond = null;
            this.blockColumn = null;
            this.blockColumnSecond = null;
        }
        if (retraction == StiefelRetraction.QR) {
            this.hostSmall = new DMatrixRMaj(p, p);
            this.hostLu = new DMatrixRMaj(p, p);
            this.hostTriangular = new DMatrixRMaj(p, p);
            this.hostRhs = new double[p];
        } else {
            this.hostSmall = null;
            this.hostLu = null;
            this.hostTriangular = null;
            this.hostRhs = null;
        }
    }

    /** {@code St(n, p)} on the default CPU backend ({@link Kernels#cpu()}) with the QR retraction. */
    public static Stiefel<DMatrixRMaj> onCpu(int n, int p) {
        return onCpu(n, p, StiefelRetraction.QR);
    }

    /** {@code St(n, p)} on the default CPU backend ({@link Kernels#cpu()}). */
    public static Stiefel<DMatrixRMaj> onCpu(int n, int p, StiefelRetraction retraction) {
        return new Stiefel<>(Kernels.cpu(), n, p, retraction);
    }

    /** The same manifold on the same backend with another retraction (new workspaces). */
    public Stiefel<M> withRetraction(StiefelRetraction newRetraction) {
        return new Stiefel<>(kernels, n, p, newRetraction);
    }

    public DenseKernels<M> kernels() {
        return kernels;
    }

    /** {@code n}, the number of rows of a point. */
    public int rows() {
        return n;
    }

    /** {@code p}, the number of columns of a point. */
    public int columns() {
        return p;
    }

    public StiefelRetraction retraction() {
        return retraction;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return name + " with " + retraction + " retraction on " + kernels.name();
    }

    /** {@code n p - p (p + 1) / 2}. */
    @Override
    public int dimension() {
        return n * p - p * (p + 1) / 2;
    }

    @Override
    public M allocate() {
        requireOpen();
        return kernels.create(n, p);
    }

    @Override
    public void free(M a) {
        kernels.free(a);
    }

    @Override
    public void copy(M src, M dst) {
        ManifoldSupport.copy(kernels, n, p, name, src, dst);
    }

    /** Embedded metric: {@code <U, V> = tr(U^T V)}. */
    @Override
    public double inner(M x, M u, M v) {
        return ManifoldSupport.inner(kernels, n, p, name, u, v);
    }

    /** {@code out = Z - X sym(X^T Z)}; {@code out} may alias {@code z}. */
    @Override
    public void projectToTangent(M x, M z, M out) {
        requireShape(kernels, x, n, p, name, "point x");
        requireShape(kernels, z, n, p, name, "ambient vector z");
        requireOutput(x, out);
        StiefelGeometry.multiplierMatrix(kernels, x, z, small);
        if (out != z) {
            kernels.copy(z, out);
        }
        kernels.gemm(-1.0, x, false, small, false, 1.0, out);
    }

    /** {@code P_X(G)}: the projection of the Euclidean gradient (embedded metric). */
    @Override
    public void euclideanToRiemannianGradient(M x, M euclideanGradient, M out) {
        projectToTangent(x, euclideanGradient, out);
    }

    /**
     * {@code out = P_X(H[V] - V sym(X^T G))}: the projected Euclidean Hessian plus the Weingarten
     * map of the embedding applied to the normal part of {@code G} (Absil, Mahony, Trumpf 2013,
     * eq. 10; pymanopt's {@code Stiefel.euclidean_to_riemannian_hessian}). {@code out} may alias
     * any input except {@code x}.
     */
    @Override
    public void euclideanToRiemannianHessian(M x, M euclideanGradient, M euclideanHessianV, M v, M out) {
        requireShape(kernels, x, n, p, name, "point x");
        requireShape(kernels, euclideanGradient, n, p, name, "Euclidean gradient");
        requireShape(kernels, euclideanHessianV, n, p, name, "Euclidean Hessian-vector product");
        requireShape(kernels, v, n, p, name, "tangent vector v");
        requireOutput(x, out);
        StiefelGeometry.multiplierMatrix(kernels, x, euclideanGradient, small);
        kernels.copy(euclideanHessianV, ambient);
        kernels.gemm(-1.0, v, false, small, false, 1.0, ambient);
        projectToTangent(x, ambient, out);
    }

    /**
     * The multiplier matrix {@code sym(X^T G)}, see
     * {@link StiefelGeometry#multiplierMatrix(DenseKernels, Object, Object, Object)}.
     *
     * @param out {@code p x p}, overwritten
     * @return {@code out}
     */
    public M multiplierMatrix(M x, M euclideanGradient, M out) {
        requireShape(kernels, x, n, p, name, "point x");
        requireShape(kernels, euclideanGradient, n, p, name, "Euclidean gradient");
        requireShape(kernels, out, p, p, name, "multiplier matrix out");
        return StiefelGeometry.multiplierMatrix(kernels, x, euclideanGradient, out);
    }

    /**
     * The configured retraction, see {@link StiefelRetraction}. {@code out} may alias {@code v}
     * but not {@code x}.
     *
     * @throws ArithmeticException when {@code X + V} is rank deficient (QR, polar) or the Cayley
     *     system is singular; neither happens for a point {@code X} and a tangent {@code V}
     */
    @Override
    public void retract(M x, M v, M out) {
        requireShape(kernels, x, n, p, name, "point x");
        requireShape(kernels, v, n, p, name, "tangent vector v");
        requireOutput(x, out);
        switch (retraction) {
            case QR -> {
                kernels.addScaled(1.0, x, 1.0, v, ambient);
                kernels.qrPositive(ambient, out, null);
            }
            case POLAR -> {
                kernels.addScaled(1.0, x, 1.0, v, ambient);
                kernels.polar(ambient, out);
            }
            case CAYLEY -> retractCayley(x, v, out);
            case EXPONENTIAL -> exponential(x, v, out);
            default -> throw new IllegalStateException("unknown retraction " + retraction);
        }
    }

    /**
     * Wen and Yin (2013, Lemma 4) low-rank Cayley transform: with {@code W = U Vv^T},
     * {@code U = [P V, X]}, {@code Vv = [X, -P V]}, {@code P V = V - X (X^T V) / 2},
     * {@code R_X(V) = X + U (I_2p - Vv^T U / 2)^(-1) Vv^T X} (Sherman-Morrison-Woodbury applied
     * to {@code (I - W/2)^(-1)(I + W/2) X}; {@code X^T X = I} is used for the identity blocks).
     */
    private void retractCayley(M x, M v, M out) {
        M halfProjected = ambientSecond;
        kernels.gemm(1.0, x, true, v, false, 0.0, small);
        kernels.copy(v, halfProjected);
        kernels.gemm(-0.5, x, false, small, false, 1.0, halfProjected);
        // Vv^T U = [[X^T PV, I], [-(PV)^T PV, -(PV)^T X]]
        M topLeft = smallSecond;
        M bottomLeft = smallThird;
        M bottomRight = smallFourth;
        kernels.gemm(1.0, x, true, halfProjected, false, 0.0, topLeft);
        kernels.gemm(-1.0, halfProjected, true, halfProjected, false, 0.0, bottomLeft);
        kernels.transpose(topLeft, bottomRight);
        kernels.scale(-1.0, bottomRight);
        assembleBlocks(topLeft, identity, bottomLeft, bottomRight, block);
        kernels.scale(-0.5, block);
        kernels.addIdentity(block, 1.0, block);
        // Vv^T X = [I; -(PV)^T X]
        kernels.copy(selectTop, blockColumn);
        kernels.gemm(1.0, selectBottom, false, bottomRight, false, 1.0, blockColumn);
        kernels.solve(block, blockColumn, blockColumnSecond);
        kernels.gemm(1.0, selectTop, true, blockColumnSecond, false, 0.0, small);
        kernels.gemm(1.0, selectBottom, true, blockColumnSecond, false, 0.0, smallSecond);
        kernels.copy(x, out);
        kernels.gemm(1.0, halfProjected, false, small, false, 1.0, out);
        kernels.gemm(1.0, x, false, smallSecond, false, 1.0, out);
    }

    /**
     * Riemannian exponential of the embedded metric (Edelman, Arias, Smith 1998, eq. 2.45):
     * {@code Exp_X(V) = [X V] expm([[A, -S], [I, A]]) [expm(-A); 0]}, {@code A = X^T V},
     * {@code S = V^T V}. {@code out} may alias {@code v} but not {@code x}.
     */
    public void exponential(M x, M v, M out) {
        requireShape(kernels, x, n, p, name, "point x");
        requireShape(kernels, v, n, p, name, "tangent vector v");
        requireOutput(x, out);
        if (block == null) {
            throw new UnsupportedOperationException(name + ": exponential needs an instance built with the "
                    + "EXPONENTIAL or CAYLEY retraction (it owns the 2p x 2p workspaces)");
        }
        M a = small;
        M minusS = smallSecond;
        kernels.gemm(1.0, x, true, v, false, 0.0, a);
        kernels.gemm(-1.0, v, true, v, false, 0.0, minusS);
        assembleBlocks(a, minusS, identity, a, block);
        kernels.expm(block, blockSecond);
        M minusA = smallThird;
        M expMinusA = smallFourth;
        kernels.copy(a, minusA);
        kernels.scale(-1.0, minusA);
        kernels.expm(minusA, expMinusA);
        kernels.gemm(1.0, blockSecond, false, selectTop, false, 0.0, blockColumn);
        kernels.gemm(1.0, blockColumn, false, expMinusA, false, 0.0, blockColumnSecond);
        kernels.gemm(1.0, selectTop, true, blockColumnSecond, false, 0.0, small);
        kernels.gemm(1.0, selectBottom, true, blockColumnSecond, false, 0.0, smallSecond);
        kernels.gemm(1.0, x, false, small, false, 0.0, ambient);
        kernels.gemm(1.0, v, false, smallSecond, false, 1.0, ambient);
        kernels.copy(ambient, out);
    }

    /**
     * {@code out = [[b11, b12], [b21, b22]]} ({@code 2p x 2p}) from {@code p x p} blocks, as
     * {@code T (T^T ...)} products with the selectors, which keeps block assembly on the backend.
     * Uses {@link #blockColumn}.
     */
    private void assembleBlocks(M b11, M b12, M b21, M b22, M out) {
        kernels.gemm(1.0, selectTop, false, b11, false, 0.0, blockColumn);
        kernels.gemm(1.0, selectBottom, false, b21, false, 1.0, blockColumn);
        kernels.gemm(1.0, blockColumn, false, selectTop, true, 0.0, out);
        kernels.gemm(1.0, selectTop, false, b12, false, 0.0, blockColumn);
        kernels.gemm(1.0, selectBottom, false, b22, false, 1.0, blockColumn);
        kernels.gemm(1.0, blockColumn, false, selectBottom, true, 1.0, out);
    }

    @Override
    public boolean hasInverseRetraction() {
        return retraction.hasInverse();
    }

    /**
     * Inverse of the QR or polar retraction: the tangent {@code V} at {@code X} with
     * {@code R_X(V) = Y}. {@code out} must alias neither point.
     *
     * @throws UnsupportedOperationException for the Cayley and exponential retractions
     * @throws ArithmeticException when {@code Y} is not in the image of the retraction at
     *     {@code X} (it is too far from {@code X})
     */
    @Override
    public void inverseRetract(M x, M y, M out) {
        requireShape(kernels, x, n, p, name, "point x");
        requireShape(kernels, y, n, p, name, "point y");
        requireOutput(x, out);
        if (out == y) {
            throw new IllegalArgumentException(name + ": out must not alias the point y");
        }
        switch (retraction) {
            case QR -> inverseRetractQr(x, y, out);
            case POLAR -> inverseRetractPolar(x, y, out);
            default -> throw new UnsupportedOperationException(
                    name + ": the " + retraction + " retraction has no inverse here");
        }
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
    private void inverseRetractPolar(M x, M y, M out) {
        M iterate = smallSecond;
        M gramian = smallThird;
        M inverse = smallFourth;
        M difference = small;
        kernels.gemm(-1.0, x, true, y, false, 0.0, iterate);
        kernels.copy(identity, gramian);
        kernels.scale(2.0, gramian);
        double threshold = SIGN_CONVERGED * Math.sqrt(p);
        boolean converged = false;
        for (int iteration = 0; iteration < MAX_SIGN_ITERATIONS && !converged; iteration++) {
            try {
                kernels.solve(iterate, identity, inverse);
            } catch (ArithmeticException singular) {
                throw new ArithmeticException(name + ": polar inverse retraction failed, X^T Y has an eigenvalue "
                        + "with zero real part (Y is too far from X): " + singular.getMessage());
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
                    + (converged ? "converged to a sign with ||A + I||_F = " + signDefect : "did not converge") + ")");
        }
        kernels.symmetricPart(gramian, gramian);
        kernels.gemm(0.5, y, false, gramian, false, 0.0, out);
        kernels.addScaled(1.0, out, -1.0, x, out);
    }

    /**
     * QR inverse (Manifolds.jl {@code inverse_retract_qr!}; Zhu, Sato 2020): {@code X + V = Y R}
     * with {@code R} upper triangular, and tangency gives {@code M R + R^T M^T = 2 I},
     * {@code M = X^T Y}. Column {@code i} of {@code R} solves the leading {@code i x i} system
     * {@code M[0..i, 0..i] r = b}, {@code b_j = -(M R)[i, j]} for {@code j < i}, {@code b_i = 1};
     * then {@code V = Y R - X}. The leading systems share one LU factorisation of {@code M}
     * without pivoting (the leading blocks of {@code L U} are the {@code L U} of the leading blocks
     * of {@code M}), so the whole solve costs {@code O(p^3)} flops on the host; only {@code p x p}
     * matrices cross the backend boundary.
     */
    private void inverseRetractQr(M x, M y, M out) {
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

    /** Transport by projection: {@code out = P_Y(V)}; {@code out} may alias {@code v}. */
    @Override
    public void transport(M x, M y, M v, M out) {
        requireShape(kernels, x, n, p, name, "point x");
        projectToTangent(y, v, out);
    }

    /**
     * Haar-distributed point: {@code qf(G)} with {@code diag(R) > 0} for a Gaussian {@code G}
     * (Mezzadri 2007: the sign fix is what makes the distribution uniform).
     */
    @Override
    public void randomPoint(RandomGenerator random, M out) {
        ManifoldSupport.requireRandom(random, name);
        requireShape(kernels, out, n, p, name, "out");
        kernels.copyFromHost(ManifoldSupport.fillGaussian(random, hostAmbient), ambient);
        kernels.qrPositive(ambient, out, null);
    }

    /** Projection of a Gaussian matrix, normalised; zero on the zero-dimensional {@code St(1, 1)}. */
    @Override
    public void randomTangent(M x, RandomGenerator random, M out) {
        ManifoldSupport.requireRandom(random, name);
        requireShape(kernels, out, n, p, name, "out");
        ManifoldSupport.randomUnitTangent(this, kernels, x, random, hostAmbient, ambient, out);
    }

    @Override
    public void zeroTangent(M x, M out) {
        ManifoldSupport.zeroTangent(kernels, n, p, name, out);
    }

    @Override
    public void linearCombination(M x, double a, M u, double b, M v, M out) {
        ManifoldSupport.linearCombination(kernels, n, p, name, a, u, b, v, out);
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
        ManifoldSupport.requireTolerance(tolerance, name);
        requireFiniteShape(kernels, x, n, p, name, "point");
        double defect = ManifoldSupport.orthonormalityDefect(kernels, x, small);
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
        ManifoldSupport.requireTolerance(tolerance, name);
        requireFiniteShape(kernels, x, n, p, name, "point");
        requireFiniteShape(kernels, v, n, p, name, "tangent vector");
        StiefelGeometry.multiplierMatrix(kernels, x, v, small);
        double defect = kernels.normF(small);
        double allowed = tolerance * Math.max(1.0, kernels.normF(v));
        if (!(defect <= allowed)) {
            throw new IllegalArgumentException(name + ": vector is not tangent, ||sym(X^T V)||_F = " + defect
                    + " > " + allowed);
        }
    }

    /**
     * Frees this instance's workspaces (device memory on a GPU backend). Points and vectors
     * from {@link #allocate()} stay valid and remain the caller's to free. Closing twice is
     * harmless; any other operation afterwards throws {@link IllegalStateException}.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (M workspace : java.util.Arrays.asList(ambient, ambientSecond, small, smallSecond, smallThird, smallFourth,
                identity, selectTop, selectBottom, block, blockSecond, blockColumn, blockColumnSecond)) {
            if (workspace != null) {
                kernels.free(workspace);
            }
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException(name + " was closed (its workspaces are freed)");
        }
    }

    private void requireOutput(M x, M out) {
        requireOpen();
        requireShape(kernels, out, n, p, name, "out");
        if (out == x) {
            throw new IllegalArgumentException(name + ": out must not alias the base point x");
        }
    }
}
