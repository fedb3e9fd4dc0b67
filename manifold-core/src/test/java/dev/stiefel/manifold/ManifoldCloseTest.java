package dev.stiefel.manifold;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * {@code close()} frees every workspace a manifold and its bound retraction created: kernels that
 * count the matrices created and freed are back to zero live matrices once the manifold is
 * closed and the caller has freed what {@code allocate()} gave it. On a GPU backend those are
 * device buffers.
 */
class ManifoldCloseTest {

    /** EJML's kernels, counting {@code create}/{@code fromHost} against {@code free}. */
    @SuppressWarnings("unchecked")
    private static DenseKernels<DMatrixRMaj> counting(AtomicInteger live) {
        DenseKernels<DMatrixRMaj> ejml = Kernels.ejml();
        return (DenseKernels<DMatrixRMaj>) Proxy.newProxyInstance(DenseKernels.class.getClassLoader(),
                new Class<?>[] {DenseKernels.class}, (proxy, method, arguments) -> {
                    if (method.getName().equals("create") || method.getName().equals("fromHost")) {
                        live.incrementAndGet();
                    } else if (method.getName().equals("free")) {
                        live.decrementAndGet();
                    }
                    try {
                        return method.invoke(ejml, arguments);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** Runs the operations that allocate lazily (exponential, long Cayley steps, inverses), then closes. */
    private static void exercise(Manifold<DMatrixRMaj> manifold, AtomicInteger live, AutoCloseable closer)
            throws Exception {
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
        assertTrue(live.get() > 0, "the workspaces are counted");
        closer.close();
        assertEquals(0, live.get(), manifold + ": matrices left after close()");
        closer.close();
        assertThrows(IllegalStateException.class, manifold::allocate);
    }

    @Test
    void everyManifoldFreesItsWorkspacesAndItsRetractions() throws Exception {
        for (StiefelRetraction retraction : StiefelRetraction.values()) {
            AtomicInteger live = new AtomicInteger();
            Stiefel<DMatrixRMaj> stiefel = new Stiefel<>(counting(live), 7, 3, retraction);
            exercise(stiefel, live, stiefel);
        }
        for (GrassmannRetraction retraction : GrassmannRetraction.values()) {
            AtomicInteger live = new AtomicInteger();
            Grassmann<DMatrixRMaj> grassmann = new Grassmann<>(counting(live), 7, 3, retraction);
            exercise(grassmann, live, grassmann);
        }
        for (SphereRetraction retraction : SphereRetraction.values()) {
            AtomicInteger live = new AtomicInteger();
            Sphere<DMatrixRMaj> sphere = new Sphere<>(counting(live), 7, 3, retraction);
            exercise(sphere, live, sphere);
        }
        for (SphereRetraction retraction : SphereRetraction.values()) {
            for (Oblique.UnitNorm unitNorm : Oblique.UnitNorm.values()) {
                AtomicInteger live = new AtomicInteger();
                Oblique<DMatrixRMaj> oblique = new Oblique<>(counting(live), 7, 3, unitNorm, retraction);
                exercise(oblique, live, oblique);
            }
        }
        AtomicInteger live = new AtomicInteger();
        Euclidean<DMatrixRMaj> euclidean = new Euclidean<>(counting(live), 7, 3);
        DMatrixRMaj x = euclidean.allocate();
        euclidean.randomTangent(x, new SplittableRandom(2), x);
        euclidean.free(x);
        euclidean.close();
        assertEquals(0, live.get(), "Euclidean: matrices left after close()");
        EmbeddedGradientField<DMatrixRMaj> field = new EmbeddedGradientField<>(counting(live), 7, 3);
        assertEquals(2, live.get());
        field.close();
        field.close();
        assertEquals(0, live.get(), "EmbeddedGradientField: matrices left after close()");
    }

    @Test
    void aProductClosesItsFactors() {
        AtomicInteger live = new AtomicInteger();
        Product<DMatrixRMaj> product = Product.of(new Sphere<>(counting(live), 7, 3, SphereRetraction.EXPONENTIAL),
                new Stiefel<>(counting(live), 7, 3, StiefelRetraction.POLAR));
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
        assertTrue(live.get() > 0, "the factors' workspaces are counted");
        product.close();
        assertEquals(0, live.get(), "matrices left after the product's close()");
    }
}
