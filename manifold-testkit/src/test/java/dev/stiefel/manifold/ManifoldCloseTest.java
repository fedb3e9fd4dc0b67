package dev.stiefel.manifold;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.Kernels;
import dev.stiefel.testkit.CountingKernels;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * {@code close()} frees every workspace a manifold and its bound retraction created: kernels that
 * count the matrices created and freed ({@link CountingKernels}) are back to zero live matrices
 * once the manifold is closed and the caller has freed what {@code allocate()} gave it, nothing is
 * freed twice, and kernels handed to a manifold are never closed by it. On a GPU backend those
 * are device buffers.
 */
class ManifoldCloseTest {

    private static CountingKernels<DMatrixRMaj> counting() {
        return CountingKernels.of(Kernels.ejml());
    }

    /** Runs the operations that allocate lazily (exponential, long Cayley steps, inverses), then closes. */
    private static void exercise(Manifold<DMatrixRMaj> manifold, CountingKernels<DMatrixRMaj> counting,
            AutoCloseable closer) throws Exception {
        SplittableRandom random = new SplittableRandom(1);
        DMatrixRMaj x = manifold.allocate();
        DMatrixRMaj v = manifold.allocate();
        DMatrixRMaj y = manifold.allocate();
        DMatrixRMaj w = manifold.allocate();
        manifold.randomPoint(random, x);
        manifold.randomTangent(x, random, v);
        manifold.retract(x, v, y);
        manifold.secondOrderRetract(x, v, y);
        manifold.linearCombination(x, 100.0, v, 0.0, v, w);
        manifold.retract(x, w, y);
        if (manifold.hasInverseRetraction()) {
            manifold.retract(x, v, y);
            manifold.inverseRetract(x, y, w);
        }
        for (DMatrixRMaj m : new DMatrixRMaj[] {x, v, y, w}) {
            manifold.free(m);
        }
        assertTrue(counting.live() > 0, "the workspaces are counted");
        closer.close();
        assertEquals(0, counting.live(), manifold + ": matrices left after close()");
        closer.close();
        assertEquals(0, counting.doubleFrees(), manifold + ": a matrix freed twice");
        assertEquals(0, counting.closes(), manifold + ": closed kernels it was handed");
        assertThrows(IllegalStateException.class, manifold::allocate);
    }

    @Test
    void everyManifoldFreesItsWorkspacesAndItsRetractions() throws Exception {
        for (StiefelRetraction retraction : StiefelRetraction.values()) {
            CountingKernels<DMatrixRMaj> counting = counting();
            Stiefel<DMatrixRMaj> stiefel = new Stiefel<>(counting.kernels(), 7, 3, retraction);
            exercise(stiefel, counting, stiefel);
        }
        for (GrassmannRetraction retraction : GrassmannRetraction.values()) {
            CountingKernels<DMatrixRMaj> counting = counting();
            Grassmann<DMatrixRMaj> grassmann = new Grassmann<>(counting.kernels(), 7, 3, retraction);
            exercise(grassmann, counting, grassmann);
        }
        for (SphereRetraction retraction : SphereRetraction.values()) {
            CountingKernels<DMatrixRMaj> counting = counting();
            Sphere<DMatrixRMaj> sphere = new Sphere<>(counting.kernels(), 7, 3, retraction);
            exercise(sphere, counting, sphere);
        }
        for (SphereRetraction retraction : SphereRetraction.values()) {
            for (Oblique.UnitNorm unitNorm : Oblique.UnitNorm.values()) {
                CountingKernels<DMatrixRMaj> counting = counting();
                Oblique<DMatrixRMaj> oblique = new Oblique<>(counting.kernels(), 7, 3, unitNorm, retraction);
                exercise(oblique, counting, oblique);
            }
        }
        CountingKernels<DMatrixRMaj> counting = counting();
        Euclidean<DMatrixRMaj> euclidean = new Euclidean<>(counting.kernels(), 7, 3);
        exercise(euclidean, counting, euclidean);
    }

    @Test
    void theEmbeddedGradientFieldFreesItsTwoWorkspaces() {
        CountingKernels<DMatrixRMaj> counting = counting();
        EmbeddedGradientField<DMatrixRMaj> field = new EmbeddedGradientField<>(counting.kernels(), 7, 3);
        assertEquals(2, counting.live());
        field.close();
        field.close();
        assertEquals(0, counting.live(), "EmbeddedGradientField: matrices left after close()");
        assertEquals(0, counting.doubleFrees());
    }

    @Test
    void aProductClosesItsFactors() {
        CountingKernels<DMatrixRMaj> counting = counting();
        Product<DMatrixRMaj> product = Product.of(
                new Sphere<>(counting.kernels(), 7, 3, SphereRetraction.EXPONENTIAL),
                new Stiefel<>(counting.kernels(), 7, 3, StiefelRetraction.POLAR));
        SplittableRandom random = new SplittableRandom(2);
        ProductPoint<DMatrixRMaj> x = product.allocate();
        ProductPoint<DMatrixRMaj> v = product.allocate();
        ProductPoint<DMatrixRMaj> y = product.allocate();
        product.randomPoint(random, x);
        product.randomTangent(x, random, v);
        product.retract(x, v, y);
        product.free(x);
        product.free(v);
        product.free(y);
        assertTrue(counting.live() > 0, "the factors' workspaces are counted");
        product.close();
        assertEquals(0, counting.live(), "matrices left after the product's close()");
        assertEquals(0, counting.doubleFrees());
    }
}
