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
    static final class SpanRecipe implements GrassmannRetraction {
        private final String name;
        private final boolean qr;

        SpanRecipe(String name, boolean qr) {
            this.name = name;
            this.qr = qr;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean hasInverse() {
            return true;
        }

        @Override
        public <M> Retraction<M> bind(Grassmann<M> grassmann) {
            return new Span<>(grassmann, name, qr);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** A representative of {@code span(X + V)} on one instance; the workspaces are the instance's. */
    static final class Span<M> implements Retraction<M> {
        private final Grassmann<M> grassmann;
        private final String name;
        private final boolean qr;

        Span(Grassmann<M> grassmann, String name, boolean qr) {
            this.grassmann = grassmann;
            this.name = name;
            this.qr = qr;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void retract(M x, M v, M out) {
            grassmann.spanOfSum(x, v, qr, out);
        }

        @Override
        public boolean hasInverse() {
            return true;
        }

        @Override
        public void inverseRetract(M x, M y, M out) {
            grassmann.inverseOfSpan(x, y, out);
        }
    }
}
