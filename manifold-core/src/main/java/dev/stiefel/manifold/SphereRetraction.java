package dev.stiefel.manifold;

/** The retractions {@link Sphere} offers; both are second order and invertible. */
public enum SphereRetraction {

    /** {@code R_x(v) = (x + v) / ||x + v||}, inverted by {@code v = y / <x, y> - x} when {@code <x, y> > 0}. */
    NORMALIZATION,

    /**
     * The exponential map {@code cos(|v|) x + sin(|v|) v / |v|}, inverted by the logarithm
     * {@code atan2(|u|, <x, y>) u / |u|}, {@code u = y - <x, y> x}, away from the antipode.
     */
    EXPONENTIAL
}
