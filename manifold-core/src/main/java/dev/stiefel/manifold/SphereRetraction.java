package dev.stiefel.manifold;

import java.util.List;
import java.util.Locale;

/**
 * A retraction of {@link Sphere}, as a recipe that {@linkplain #bind binds} to one instance and
 * yields the {@link Retraction} object that runs on its backend and shape, as
 * {@link StiefelRetraction} does for Stiefel. The built-in ones, both second order and
 * invertible, are the constants below; a user-defined retraction implements this interface and
 * is passed to the {@link Sphere} constructor or {@link Sphere#withRetraction}.
 */
public interface SphereRetraction {

    /** {@code R_x(v) = (x + v) / ||x + v||}, inverted by {@code v = y / <x, y> - x} when {@code <x, y> > 0}. */
    SphereRetraction NORMALIZATION = new SphereRetractions.NormalizationRecipe();

    /**
     * The exponential map {@code cos(|v|) x + sin(|v|) v / |v|}, inverted by the logarithm
     * {@code atan2(|u|, <x, y>) u / |u|}, {@code u = y - <x, y> x}, away from the antipode.
     */
    SphereRetraction EXPONENTIAL = new SphereRetractions.ExponentialRecipe();

    /** Short name, e.g. {@code "NORMALIZATION"}. */
    String name();

    /**
     * The retraction on {@code sphere}'s backend and shape, with its own workspaces (it may also
     * use the instance's public operations). Called once per {@link Sphere} instance.
     */
    <M> Retraction<M> bind(Sphere<M> sphere);

    /** Whether the bound retraction implements {@link Retraction#inverseRetract}. */
    default boolean hasInverse() {
        return false;
    }

    /** The built-in retractions: normalisation and the exponential. */
    static List<SphereRetraction> values() {
        return List.of(NORMALIZATION, EXPONENTIAL);
    }

    /**
     * The built-in retraction named {@code name} (case-insensitive: {@code "normalization"},
     * {@code "exponential"}).
     *
     * @throws IllegalArgumentException for another name
     */
    static SphereRetraction valueOf(String name) {
        for (SphereRetraction retraction : values()) {
            if (retraction.name().equalsIgnoreCase(name)) {
                return retraction;
            }
        }
        throw new IllegalArgumentException("no built-in sphere retraction named '" + name + "'; built-in: "
                + values().stream().map(SphereRetraction::name).map(s -> s.toLowerCase(Locale.ROOT)).toList());
    }
}
