package dev.stiefel.autodiff;

import dev.stiefel.manifold.Manifold;
import dev.stiefel.manifold.Product;
import dev.stiefel.manifold.ProductPoint;
import dev.stiefel.problem.EuclideanHessian;
import dev.stiefel.problem.Problem;
import dev.stiefel.testkit.TestMatrices;
import java.util.Optional;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * A cost on St(n, p) x R^(p x q) x S^(k-1) that couples its first two factors,
 * {@code f(X, Y, z) = ||A X Y - B||_F^2 + z^T C z} (C symmetric), with its derivatives by hand:
 * <pre>
 *   R = A X Y - B,   grad_X = 2 A^T R Y^T,   grad_Y = 2 (A X)^T R,   grad_z = 2 C z,
 *   dR = A V Y + A X W,
 *   Hess[V, W, u] = (2 A^T (dR Y^T + R W^T),  2 ((A V)^T R + (A X)^T dR),  2 C u).
 * </pre>
 */
final class CoupledProductProblem implements Problem<ProductPoint<DMatrixRMaj>> {

    private final Product<DMatrixRMaj> manifold;
    private final DMatrixRMaj a;
    private final DMatrixRMaj b;
    private final DMatrixRMaj c;

    CoupledProductProblem(Product<DMatrixRMaj> manifold, DMatrixRMaj a, DMatrixRMaj b, DMatrixRMaj c) {
        this.manifold = manifold;
        this.a = a;
        this.b = b;
        this.c = c;
    }

    @Override
    public Manifold<ProductPoint<DMatrixRMaj>> manifold() {
        return manifold;
    }

    private DMatrixRMaj residual(DMatrixRMaj x, DMatrixRMaj y) {
        DMatrixRMaj ax = CommonOps_DDRM.mult(a, x, null);
        DMatrixRMaj r = CommonOps_DDRM.mult(ax, y, null);
        CommonOps_DDRM.subtractEquals(r, b);
        return r;
    }

    @Override
    public double cost(ProductPoint<DMatrixRMaj> point) {
        DMatrixRMaj r = residual(point.component(0), point.component(1));
        DMatrixRMaj z = point.component(2);
        DMatrixRMaj cz = CommonOps_DDRM.mult(c, z, null);
        return TestMatrices.dot(r, r) + TestMatrices.dot(z, cz);
    }

    @Override
    public void euclideanGradient(ProductPoint<DMatrixRMaj> point, ProductPoint<DMatrixRMaj> out) {
        DMatrixRMaj x = point.component(0);
        DMatrixRMaj y = point.component(1);
        DMatrixRMaj r = residual(x, y);
        DMatrixRMaj atr = CommonOps_DDRM.multTransA(a, r, null);
        CommonOps_DDRM.multTransB(2, atr, y, out.component(0));
        DMatrixRMaj ax = CommonOps_DDRM.mult(a, x, null);
        CommonOps_DDRM.multTransA(2, ax, r, out.component(1));
        CommonOps_DDRM.mult(2, c, point.component(2), out.component(2));
    }

    @Override
    public Optional<EuclideanHessian<ProductPoint<DMatrixRMaj>>> euclideanHessian() {
        return Optional.of(this::hessian);
    }

    private void hessian(ProductPoint<DMatrixRMaj> point, ProductPoint<DMatrixRMaj> direction,
            ProductPoint<DMatrixRMaj> out) {
        DMatrixRMaj x = point.component(0);
        DMatrixRMaj y = point.component(1);
        DMatrixRMaj v = direction.component(0);
        DMatrixRMaj w = direction.component(1);
        DMatrixRMaj r = residual(x, y);
        DMatrixRMaj ax = CommonOps_DDRM.mult(a, x, null);
        DMatrixRMaj av = CommonOps_DDRM.mult(a, v, null);
        DMatrixRMaj dr = CommonOps_DDRM.mult(av, y, null);
        CommonOps_DDRM.multAdd(ax, w, dr);
        DMatrixRMaj inner = CommonOps_DDRM.multTransB(dr, y, null);
        CommonOps_DDRM.multAddTransB(r, w, inner);
        CommonOps_DDRM.multTransA(2, a, inner, out.component(0));
        DMatrixRMaj second = CommonOps_DDRM.multTransA(av, r, null);
        CommonOps_DDRM.multAddTransA(ax, dr, second);
        CommonOps_DDRM.scale(2, second, out.component(1));
        CommonOps_DDRM.mult(2, c, direction.component(2), out.component(2));
    }
}
