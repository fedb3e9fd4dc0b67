package dev.stiefel.manifold;

/**
 * The built-in {@link GrassmannRetraction}s: representatives of {@code span(X + V)}, by QR or
 * polar factor, computed by {@link Grassmann} itself (which shares the long-step evaluation
 * with its exponential) and inverted by its {@code Y (X^T Y)^(-1) - X}.
 */
final class GrassmannRetractions {

    private GrassmannRetractions() {
    }

    /** The recipe of {@link GrassmannRetraction#QR} and {@link GrassmannRetraction#POLAR}. */
    static final class SpanRecipe extends BuiltinRecipe implements GrassmannRetraction {
        /** Whether the representative is the Q factor of {@code X + V}, else its polar factor. */
        private final boolean qr;

        SpanRecipe(String name, boolean qr) {
            super(name, true);
            this.qr = qr;
        }

        @Override
        public <M> Retraction<M> bind(Grassmann<M> grassmann) {
            return new DelegatingRetraction<>(name(), (x, v, out) -> grassmann.spanOfSum(x, v, qr, out),
                    grassmann::inverseOfSpan);
        }
    }
}
