package dev.stiefel.manifold;

import java.util.List;
import java.util.Locale;

/**
 * A retraction of {@link Grassmann}, as a recipe that {@linkplain #bind binds} to one instance
 * and yields the {@link Retraction} object that runs on its backend and shape, as
 * {@link StiefelRetraction} does for Stiefel. The built-in ones are the constants below; a
 * user-defined retraction implements this interface and is passed to the {@link Grassmann}
 * constructor or {@link Grassmann#withRetraction}, with nothing to edit in the manifold.
 *
 * <p>Both built-in retractions return a representative of {@code span(X + V)}, so they are
 * the same retraction on the quotient (second order there) and share the inverse
 * {@code V = Y (X^T Y)^(-1) - X} (Manifolds.jl's polar and QR inverse retractions).
 */
public interface GrassmannRetraction {

    /** {@code qf(X + V)} with {@code diag(R) > 0}. */
    GrassmannRetraction QR = new GrassmannRetractions.SpanRecipe("QR", true);

    /** The polar factor of {@code X + V} (pymanopt's default). */
    GrassmannRetraction POLAR = new GrassmannRetractions.SpanRecipe("POLAR", false);

    /** Short name, e.g. {@code "QR"}. */
    String name();

    /**
     * The retraction on {@code grassmann}'s backend and shape, with its own workspaces (it may
     * also use the instance's public operations). Called once per {@link Grassmann} instance.
     */
    <M> Retraction<M> bind(Grassmann<M> grassmann);

    /** Whether the bound retraction implements {@link Retraction#inverseRetract}. */
    default boolean hasInverse() {
        return false;
    }

    /** The built-in retractions: QR and polar. */
    static List<GrassmannRetraction> values() {
        return List.of(QR, POLAR);
    }

    /**
     * The built-in retraction named {@code name} (case-insensitive: {@code "qr"}, {@code "polar"}).
     *
     * @throws IllegalArgumentException for another name
     */
    static GrassmannRetraction valueOf(String name) {
        for (GrassmannRetraction retraction : values()) {
            if (retraction.name().equalsIgnoreCase(name)) {
                return retraction;
            }
        }
        throw new IllegalArgumentException("no built-in Grassmann retraction named '" + name + "'; built-in: "
                + values().stream().map(GrassmannRetraction::name).map(s -> s.toLowerCase(Locale.ROOT)).toList());
    }
}
