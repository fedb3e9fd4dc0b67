package dev.stiefel.autodiff;

import dev.stiefel.manifold.ProductPoint;
import org.ejml.data.DMatrixRMaj;

/**
 * Where the factors' matrices of a point type sit: the point itself on a manifold of single
 * matrices, the components of a {@link ProductPoint} on a product.
 *
 * @param <P> the point type
 */
interface PointLayout<P> {

    /** Factor {@code index} of {@code point} (the storage itself). */
    DMatrixRMaj factor(P point, int index);

    /** Number of factors {@code point} has. */
    int factorCount(P point);

    /** A single matrix is its only factor. */
    static PointLayout<DMatrixRMaj> matrix() {
        return new PointLayout<>() {
            @Override
            public DMatrixRMaj factor(DMatrixRMaj point, int index) {
                return point;
            }

            @Override
            public int factorCount(DMatrixRMaj point) {
                return 1;
            }
        };
    }

    /** A product point's components are its factors. */
    static PointLayout<ProductPoint<DMatrixRMaj>> product() {
        return new PointLayout<>() {
            @Override
            public DMatrixRMaj factor(ProductPoint<DMatrixRMaj> point, int index) {
                return point.component(index);
            }

            @Override
            public int factorCount(ProductPoint<DMatrixRMaj> point) {
                return point.size();
            }
        };
    }
}
