package dev.stiefel.manifold;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.lang.reflect.Field;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The built-in retraction constants exist whichever class the JVM initialises first. They used
 * to be copied from static fields of a holder class whose own initialisation created the
 * instances, which initialises the retraction interface (it declares default methods), which
 * read the holder's fields while they were still null: touching the holder first left
 * {@code StiefelRetraction.QR} null for the life of the JVM. Each case loads the classes afresh
 * in their own class loader and initialises one of them first.
 */
class RetractionConstantsTest {

    private static final List<String> INTERFACES = List.of("dev.stiefel.manifold.StiefelRetraction",
            "dev.stiefel.manifold.GrassmannRetraction", "dev.stiefel.manifold.SphereRetraction");

    @ParameterizedTest(name = "{0} first")
    @ValueSource(strings = {"dev.stiefel.manifold.StiefelRetractions", "dev.stiefel.manifold.StiefelRetraction",
        "dev.stiefel.manifold.GrassmannRetractions", "dev.stiefel.manifold.GrassmannRetraction",
        "dev.stiefel.manifold.SphereRetractions", "dev.stiefel.manifold.SphereRetraction",
        "dev.stiefel.manifold.Grassmann", "dev.stiefel.manifold.Sphere", "dev.stiefel.manifold.Stiefel"})
    void constantsExistWhicheverClassIsInitialisedFirst(String first) throws Exception {
        URL classes = Stiefel.class.getProtectionDomain().getCodeSource().getLocation();
        URL ejml = DMatrixRMaj.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader fresh = new URLClassLoader(new URL[] {classes, ejml},
                ClassLoader.getPlatformClassLoader())) {
            Class.forName(first, true, fresh);
            for (String name : INTERFACES) {
                Class<?> type = Class.forName(name, true, fresh);
                for (Field field : type.getFields()) {
                    if (field.getType() == type) {
                        assertNotNull(field.get(null), () -> name + "." + field.getName() + " after " + first);
                    }
                }
            }
        }
    }
}
