package dev.stiefel.manifold;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.Kernels;
import java.util.List;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

/** Product-specific checks: the factors' shares, name, distance, and bad input. */
class ProductTest {

    private static final double TOLERANCE = 1e-12;

    private final Stiefel<DMatrixRMaj> stiefel = new Stiefel<>(Kernels.ejml(), 6, 3, StiefelRetraction.POLAR);
    private final Sphere<DMatrixRMaj> sphere = new Sphere<>(Kernels.ejml(), 4, 1, SphereRetraction.EXPONENTIAL);
    private final Product<DMatrixRMaj> product = Product.of(stiefel, sphere);

    @Test
    void describesItselfFromItsFactors() {
        assertEquals("Product(Stiefel(6, 3), Sphere(4, 1))", product.name());
        assertEquals(stiefel.dimension() + sphere.dimension(), product.dimension());
        assertEquals(Math.hypot(Math.sqrt(3.0), Math.PI), product.typicalDistance(), TOLERANCE);
        assertEquals(2, product.factorCount());
        assertTrue(product.hasInverseRetraction());
        assertTrue(!Product.of(stiefel.withRetraction(StiefelRetraction.CAYLEY), sphere).hasInverseRetraction());
    }

    /** Each factor of a random tangent gets the norm share {@code sqrt(d_i / d)}. */
    @Test
    void randomTangentSplitsTheNormByDimension() {
        ProductPoint<DMatrixRMaj> x = product.allocate();
        product.randomPoint(new SplittableRandom(1), x);
        ProductPoint<DMatrixRMaj> v = product.allocate();
        product.randomTangent(x, new SplittableRandom(2), v);
        double share = (double) stiefel.dimension() / product.dimension();
        assertEquals(share, stiefel.inner(x.component(0), v.component(0), v.component(0)), TOLERANCE);
        assertEquals(1.0, product.norm(x, v), TOLERANCE);
    }

    @Test
    void distanceCombinesTheFactorsDistances() {
        Product<DMatrixRMaj> spheres = Product.of(sphere, sphere.withRetraction(SphereRetraction.NORMALIZATION));
        ProductPoint<DMatrixRMaj> x = spheres.allocate();
        ProductPoint<DMatrixRMaj> y = spheres.allocate();
        spheres.randomPoint(new SplittableRandom(3), x);
        spheres.randomPoint(new SplittableRandom(4), y);
        double first = sphere.distance(x.component(0), y.component(0));
        double second = sphere.distance(x.component(1), y.component(1));
        assertEquals(Math.hypot(first, second), spheres.distance(x, y), TOLERANCE);
    }

    @Test
    void badInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Product<DMatrixRMaj>(List.of()));
        assertThrows(IllegalArgumentException.class, () -> new ProductPoint<DMatrixRMaj>(List.of()));
        ProductPoint<DMatrixRMaj> x = product.allocate();
        product.randomPoint(new SplittableRandom(5), x);
        CommonOps_DDRM.scale(2.0, x.component(1));
        IllegalArgumentException defect = assertThrows(IllegalArgumentException.class,
                () -> product.checkPoint(x, TOLERANCE));
        assertTrue(defect.getMessage().contains("factor 1: Sphere(4, 1): point does not have unit norm"),
                defect.getMessage());
        ProductPoint<DMatrixRMaj> single = new ProductPoint<>(List.of(new DMatrixRMaj(6, 3)));
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> product.checkPoint(single, TOLERANCE));
        assertTrue(count.getMessage().contains("1 components, expected 2"), count.getMessage());
    }
}
