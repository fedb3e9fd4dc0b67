package dev.stiefel.ddn;

import dev.stiefel.problem.EuclideanHessian;
import dev.stiefel.testkit.TestMatrices;
import dev.stiefel.manifold.Manifold;
import java.util.Optional;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;

/** Parametric problems on St(n, p) with known solutions, written with plain EJML. */
final class TestProblems {

    private TestProblems() {
    }

    /**
     * {@code f(U; G) = -<U, G>}, x = G: minimiser {@code polar(G)};
     * {@code grad_U f = -G}, {@code Hess f = 0}, {@code grad_G <grad_U f, w> = -w}.
     */
    static final class MaxInnerProduct implements ProcrustesParametricProblem<DMatrixRMaj, DMatrixRMaj>,
            RightMultiplicationHessian<DMatrixRMaj> {
        private final Manifold<DMatrixRMaj> manifold;
        private final DMatrixRMaj g;

        MaxInnerProduct(Manifold<DMatrixRMaj> manifold, DMatrixRMaj g) {
            this.manifold = manifold;
            this.g = g;
        }

        @Override
        public Manifold<DMatrixRMaj> manifold() {
            return manifold;
        }

        @Override
        public double cost(DMatrixRMaj u) {
            return -TestMatrices.dot(u, g);
        }

        @Override
        public void euclideanGradient(DMatrixRMaj u, DMatrixRMaj out) {
            CommonOps_DDRM.scale(-1.0, g, out);
        }

        @Override
        public Optional<EuclideanHessian<DMatrixRMaj>> euclideanHessian() {
            return Optional.of(this::hessian);
        }

        private void hessian(DMatrixRMaj u, DMatrixRMaj v, DMatrixRMaj out) {
            out.reshape(v.numRows, v.numCols);
            out.zero();
        }

        @Override
        public void mixedDerivativeAdjoint(DMatrixRMaj u, DMatrixRMaj w, DMatrixRMaj out) {
            CommonOps_DDRM.scale(-1.0, w, out);
        }

        @Override
        public DMatrixRMaj procrustesMatrix(DMatrixRMaj out) {
            out.setTo(g);
            return out;
        }

        /** {@code S = 0}. */
        @Override
        public DMatrixRMaj euclideanHessianFactor(DMatrixRMaj u, DMatrixRMaj out) {
            out.reshape(u.numCols, u.numCols);
            out.zero();
            return out;
        }
    }

    /**
     * Orthogonal Procrustes {@code f(U; B) = ||A U - B||^2}, x = B. With {@code A^T A = c^2 I}
     * (or {@code n = p}) {@code ||A U||} is constant on the manifold and the minimiser is
     * {@code polar(A^T B)}; {@code grad_U f = 2 A^T (A U - B)}, {@code Hess f[V] = 2 A^T A V},
     * {@code grad_B <grad_U f, w> = -2 A w}, {@code G = 2 A^T B}.
     */
    static final class ProcrustesInB implements ProcrustesParametricProblem<DMatrixRMaj, DMatrixRMaj> {
        private final Manifold<DMatrixRMaj> manifold;
        private final DMatrixRMaj a;
        private final DMatrixRMaj b;

        ProcrustesInB(Manifold<DMatrixRMaj> manifold, DMatrixRMaj a, DMatrixRMaj b) {
            this.manifold = manifold;
            this.a = a;
            this.b = b;
        }

        @Override
        public Manifold<DMatrixRMaj> manifold() {
            return manifold;
        }

        @Override
        public double cost(DMatrixRMaj u) {
            DMatrixRMaj residual = new DMatrixRMaj(a.numRows, u.numCols);
            CommonOps_DDRM.mult(a, u, residual);
            CommonOps_DDRM.subtractEquals(residual, b);
            return TestMatrices.dot(residual, residual);
        }

        @Override
        public void euclideanGradient(DMatrixRMaj u, DMatrixRMaj out) {
            DMatrixRMaj residual = new DMatrixRMaj(a.numRows, u.numCols);
            CommonOps_DDRM.mult(a, u, residual);
            CommonOps_DDRM.subtractEquals(residual, b);
            out.reshape(u.numRows, u.numCols);
            CommonOps_DDRM.multTransA(2.0, a, residual, out);
        }

        @Override
        public Optional<EuclideanHessian<DMatrixRMaj>> euclideanHessian() {
            return Optional.of(this::hessian);
        }

        private void hessian(DMatrixRMaj u, DMatrixRMaj v, DMatrixRMaj out) {
            DMatrixRMaj av = new DMatrixRMaj(a.numRows, v.numCols);
            CommonOps_DDRM.mult(a, v, av);
            out.reshape(v.numRows, v.numCols);
            CommonOps_DDRM.multTransA(2.0, a, av, out);
        }

        @Override
        public void mixedDerivativeAdjoint(DMatrixRMaj u, DMatrixRMaj w, DMatrixRMaj out) {
            out.reshape(a.numRows, w.numCols);
            CommonOps_DDRM.mult(-2.0, a, w, out);
        }

        @Override
        public DMatrixRMaj procrustesMatrix(DMatrixRMaj out) {
            out.reshape(a.numCols, b.numCols);
            CommonOps_DDRM.multTransA(2.0, a, b, out);
            return out;
        }
    }

    /**
     * Orthogonal Procrustes on O(n) ({@code n = p}) differentiated in its other data, x = A:
     * {@code grad_A <2 A^T (A U - B), w> = 2 A (w U^T + U w^T) - 2 B w^T}. Not of Procrustes
     * form in x (the gradient's x-dependence involves U), so only the implicit methods apply.
     */
    static final class ProcrustesInA implements ParametricProblem<DMatrixRMaj, DMatrixRMaj> {
        private final ProcrustesInB delegate;
        private final DMatrixRMaj a;
        private final DMatrixRMaj b;

        ProcrustesInA(Manifold<DMatrixRMaj> manifold, DMatrixRMaj a, DMatrixRMaj b) {
            this.delegate = new ProcrustesInB(manifold, a, b);
            this.a = a;
            this.b = b;
        }

        @Override
        public Manifold<DMatrixRMaj> manifold() {
            return delegate.manifold();
        }

        @Override
        public double cost(DMatrixRMaj u) {
            return delegate.cost(u);
        }

        @Override
        public void euclideanGradient(DMatrixRMaj u, DMatrixRMaj out) {
            delegate.euclideanGradient(u, out);
        }

        @Override
        public Optional<EuclideanHessian<DMatrixRMaj>> euclideanHessian() {
            return delegate.euclideanHessian();
        }

        @Override
        public void mixedDerivativeAdjoint(DMatrixRMaj u, DMatrixRMaj w, DMatrixRMaj out) {
            DMatrixRMaj symmetrised = new DMatrixRMaj(u.numRows, u.numRows);
            CommonOps_DDRM.multTransB(w, u, symmetrised);
            CommonOps_DDRM.multAddTransB(u, w, symmetrised);
            out.reshape(a.numRows, a.numCols);
            CommonOps_DDRM.mult(2.0, a, symmetrised, out);
            DMatrixRMaj bw = new DMatrixRMaj(b.numRows, w.numRows);
            CommonOps_DDRM.multTransB(b, w, bw);
            CommonOps_DDRM.addEquals(out, -2.0, bw);
        }
    }

    /**
     * The nearest-ETF problem (7) of the paper, x = Ht:
     * {@code f = ||Ht - U Mt||^2 + (delta/2) ||U - Uprox||^2},
     * {@code grad f = (2/(C-1)) U Mc - (2/sqrt(C-1)) Ht Mc + delta (U - Uprox)},
     * {@code Hess f[V] = (2/(C-1)) V Mc + delta V}, {@code grad_Ht <grad f, w> = -(2/sqrt(C-1)) w Mc},
     * {@code G = (2/sqrt(C-1)) Ht Mc + delta Uprox}.
     */
    static final class NearestEtf implements ProcrustesParametricProblem<DMatrixRMaj, DMatrixRMaj>,
            RightMultiplicationHessian<DMatrixRMaj> {
        private final Manifold<DMatrixRMaj> manifold;
        private final DMatrixRMaj ht;
        private final DMatrixRMaj prox;
        private final double delta;
        private final DMatrixRMaj centring;
        private final int c;

        NearestEtf(Manifold<DMatrixRMaj> manifold, DMatrixRMaj ht, DMatrixRMaj prox, double delta) {
            this.manifold = manifold;
            this.ht = ht;
            this.prox = prox;
            this.delta = delta;
            this.c = ht.numCols;
            this.centring = TestMatrices.centring(c);
        }

        @Override
        public Manifold<DMatrixRMaj> manifold() {
            return manifold;
        }

        @Override
        public double cost(DMatrixRMaj u) {
            DMatrixRMaj residual = ht.copy();
            CommonOps_DDRM.multAdd(-1.0 / Math.sqrt(c - 1.0), u, centring, residual);
            DMatrixRMaj toProx = u.copy();
            CommonOps_DDRM.subtractEquals(toProx, prox);
            double proxNorm = NormOps_DDRM.normF(toProx);
            return TestMatrices.dot(residual, residual) + delta / 2 * proxNorm * proxNorm;
        }

        @Override
        public void euclideanGradient(DMatrixRMaj u, DMatrixRMaj out) {
            out.reshape(u.numRows, u.numCols);
            CommonOps_DDRM.mult(2.0 / (c - 1.0), u, centring, out);
            CommonOps_DDRM.multAdd(-2.0 / Math.sqrt(c - 1.0), ht, centring, out);
            CommonOps_DDRM.addEquals(out, delta, u);
            CommonOps_DDRM.addEquals(out, -delta, prox);
        }

        @Override
        public Optional<EuclideanHessian<DMatrixRMaj>> euclideanHessian() {
            return Optional.of(this::hessian);
        }

        private void hessian(DMatrixRMaj u, DMatrixRMaj v, DMatrixRMaj out) {
            out.reshape(v.numRows, v.numCols);
            CommonOps_DDRM.mult(2.0 / (c - 1.0), v, centring, out);
            CommonOps_DDRM.addEquals(out, delta, v);
        }

        @Override
        public void mixedDerivativeAdjoint(DMatrixRMaj u, DMatrixRMaj w, DMatrixRMaj out) {
            out.reshape(w.numRows, w.numCols);
            CommonOps_DDRM.mult(-2.0 / Math.sqrt(c - 1.0), w, centring, out);
        }

        @Override
        public DMatrixRMaj procrustesMatrix(DMatrixRMaj out) {
            out.setTo(PolarBackwardTest.etfArgument(ht, prox, delta));
            return out;
        }

        /** {@code S = (2/(C-1)) Mc + delta I}. */
        @Override
        public DMatrixRMaj euclideanHessianFactor(DMatrixRMaj u, DMatrixRMaj out) {
            out.reshape(c, c);
            CommonOps_DDRM.scale(2.0 / (c - 1.0), centring, out);
            for (int i = 0; i < c; i++) {
                out.add(i, i, delta);
            }
            return out;
        }
    }
}
