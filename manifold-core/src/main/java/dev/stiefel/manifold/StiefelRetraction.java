package dev.stiefel.manifold;

/**
 * The retractions {@link Stiefel} offers, as method objects in the manner of Manifolds.jl's
 * {@code QRRetraction()}, {@code PolarRetraction()}, {@code CayleyRetraction()},
 * {@code ExponentialRetraction()}. Orders below are with respect to the embedded (Euclidean)
 * metric: a retraction is second order when the acceleration of {@code t -> R_x(t v)} at
 * {@code t = 0} is normal to the manifold (Absil, Mahony, Sepulchre 2008, Prop. 5.5.5).
 */
public enum StiefelRetraction {

    /**
     * {@code R_X(V) = qf(X + V)}, the Q factor with {@code diag(R) > 0} (Absil et al. 2008,
     * Example 4.1.3). First order only for {@code p > 1}, the square case {@code n = p} included
     * (the tangential part of its acceleration is {@code X skew(U)} for an upper-triangular
     * {@code U} built from {@code V^T V}). Invertible: the inverse solves a
     * triangular system column by column (Manifolds.jl {@code QRInverseRetraction}).
     */
    QR(true),

    /**
     * {@code R_X(V) = (X + V)(I + V^T V)^(-1/2)}, the polar factor of {@code X + V}: the metric
     * projection onto the manifold, hence second order (Absil and Malick 2012). Invertible via a
     * Lyapunov equation (Manopt {@code stiefelfactory}, Manifolds.jl {@code PolarInverseRetraction}).
     */
    POLAR(true),

    /**
     * Cayley transform {@code R_X(V) = (I - W/2)^(-1)(I + W/2) X} with the skew
     * {@code W = P V X^T - X V^T P}, {@code P = I - X X^T / 2}, so that {@code W X = V}
     * (Wen and Yin 2013, Zhu 2017), evaluated in the low-rank form with one {@code 2p x 2p} solve.
     * Its acceleration {@code W^2 X} has the tangential part {@code V A - X A^2 = X_perp B A} for
     * {@code V = X A + X_perp B}: first order for the embedded metric when {@code n > p}, second
     * order on the square {@code St(n, n) = O(n)}, where {@code X_perp} is empty.
     */
    CAYLEY(false),

    /**
     * The Riemannian exponential of the embedded metric (Edelman, Arias, Smith 1998, eq. 2.45):
     * {@code [X V] expm([[A, -S], [I, A]]) [expm(-A); 0]}, {@code A = X^T V}, {@code S = V^T V}.
     * Second order (geodesics have normal acceleration).
     */
    EXPONENTIAL(false);

    private final boolean invertible;

    StiefelRetraction(boolean invertible) {
        this.invertible = invertible;
    }

    /** Whether {@link Stiefel#inverseRetract} is implemented for this retraction. */
    public boolean hasInverse() {
        return invertible;
    }
}
