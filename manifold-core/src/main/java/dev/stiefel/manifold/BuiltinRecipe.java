package dev.stiefel.manifold;

/**
 * The name and invertibility of a built-in retraction recipe ({@link StiefelRetraction},
 * {@link GrassmannRetraction}, {@link SphereRetraction}): each recipe extends this class,
 * implements its manifold's recipe interface and supplies only {@code bind}.
 */
abstract class BuiltinRecipe {

    private final String name;
    private final boolean invertible;

    /**
     * @param name the constant's name, e.g. {@code "QR"}
     * @param invertible whether the bound retraction implements {@link Retraction#inverseRetract}
     */
    BuiltinRecipe(String name, boolean invertible) {
        this.name = name;
        this.invertible = invertible;
    }

    /** Short name, e.g. {@code "QR"}. */
    public String name() {
        return name;
    }

    /** Whether the bound retraction implements {@link Retraction#inverseRetract}. */
    public boolean hasInverse() {
        return invertible;
    }

    @Override
    public String toString() {
        return name;
    }
}
