package dev.stiefel.manifold;

import java.util.List;
import java.util.Locale;

/**
 * A retraction of {@link Stiefel}, as a recipe that {@linkplain #bind binds} to one instance
 * (its backend and shape) and yields the {@link Retraction} object that owns the workspaces.
 * The four built-in ones are the constants below; a user-defined retraction implements this
 * interface and is passed to the {@link Stiefel} constructor or {@link Stiefel#withRetraction}
 * like them, with nothing to edit here. Orders below are with respect to the embedded
 * (Euclidean) metric: a retraction is second order when the acceleration of
 * {@code t -> R_x(t v)} at {@code t = 0} is normal to the manifold (Absil, Mahony, Sepulchre
 * 2008, Prop. 5.5.5).
 */
public interface StiefelRetraction {

    /**
     * {@code R_X(V) = qf(X + V)}, the Q factor with {@code diag(R) > 0} (Absil et al. 2008,
     * Example 4.1.3). First order only for {@code p > 1}, the square case {@code n = p} included
     * (the tangential part of its acceleration is {@code X skew(U)} for an upper-triangular
     * {@code U} built from {@code V^T V}). Invertible: the inverse solves a triangular system
     * column by column (Manifolds.jl {@code QRInverseRetraction}).
     */
    StiefelRetraction QR = new StiefelRetractions.QrRecipe();

    /**
     * {@code R_X(V) = (X + V)(I + V^T V)^(-1/2)}, the polar factor of {@code X + V}: the metric
     * projection onto the manifold, hence second order (Absil and Malick 2012). Invertible via a
     * Lyapunov equation (Manopt {@code stiefelfactory}, Manifolds.jl {@code PolarInverseRetraction}).
     */
    StiefelRetraction POLAR = new StiefelRetractions.PolarRecipe();

    /**
     * Cayley transform {@code R_X(V) = (I - W/2)^(-1)(I + W/2) X} with the skew
     * {@code W = P V X^T - X V^T P}, {@code P = I - X X^T / 2}, so that {@code W X = V}
     * (Wen and Yin 2013, Zhu 2017), evaluated in the low-rank form with one {@code 2p x 2p} solve
     * for {@code ||V||_F <= 16}, and for longer steps, where that system becomes singular to
     * working precision, as the Cayley transform of a {@code 2p x 2p} skew matrix through its SVD
     * (a point of the manifold for every finite {@code V}).
     * Its acceleration {@code W^2 X} has the tangential part {@code V A - X A^2 = X_perp B A} for
     * {@code V = X A + X_perp B}: first order for the embedded metric when {@code n > p}, second
     * order on the square {@code St(n, n) = O(n)}, where {@code X_perp} is empty.
     */
    StiefelRetraction CAYLEY = new StiefelRetractions.CayleyRecipe();

    /**
     * The Riemannian exponential of the embedded metric (Edelman, Arias, Smith 1998, eq. 2.45):
     * {@code [X V] expm([[A, -S], [I, A]]) [expm(-A); 0]}, {@code A = X^T V}, {@code S = V^T V},
     * evaluated as {@code [X Q] expm([[2A, -B^T], [B, 0]]) [I; 0] expm(-A)} with
     * {@code V = X A + Q B} (Zimmermann and Hüper 2022), whose exponentials are of skew
     * matrices: a point of the manifold to rounding for every finite {@code V}. Second order
     * (geodesics have normal acceleration).
     */
    StiefelRetraction EXPONENTIAL = new StiefelRetractions.ExponentialRecipe();

    /** Short name, e.g. {@code "QR"}. */
    String name();

    /**
     * The retraction on {@code stiefel}'s backend and shape, with its own workspaces (it may also
     * use the instance's public operations). Called once per {@link Stiefel} instance.
     */
    <M> Retraction<M> bind(Stiefel<M> stiefel);

    /** Whether the bound retraction implements {@link Retraction#inverseRetract}. */
    default boolean hasInverse() {
        return false;
    }

    /** The built-in retractions: QR, polar, Cayley, exponential. */
    static List<StiefelRetraction> values() {
        return List.of(QR, POLAR, CAYLEY, EXPONENTIAL);
    }

    /**
     * The built-in retraction named {@code name} (case-insensitive: {@code "qr"}, {@code "polar"},
     * {@code "cayley"}, {@code "exponential"}).
     *
     * @throws IllegalArgumentException for another name
     */
    static StiefelRetraction valueOf(String name) {
        for (StiefelRetraction retraction : values()) {
            if (retraction.name().equalsIgnoreCase(name)) {
                return retraction;
            }
        }
        throw new IllegalArgumentException("no built-in Stiefel retraction named '" + name + "'; built-in: "
                + values().stream().map(StiefelRetraction::name).map(s -> s.toLowerCase(Locale.ROOT)).toList());
    }
}
