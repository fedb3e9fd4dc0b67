package dev.stiefel.manifold;

/**
 * The built-in {@link SphereRetraction}s, computed by {@link Sphere} itself (normalisation and
 * the exponential with their inverses), whose workspaces they use.
 */
final class SphereRetractions {

    private SphereRetractions() {
    }

    /** The recipe of {@link SphereRetraction#NORMALIZATION}. */
    static final class NormalizationRecipe implements SphereRetraction {
        @Override
        public String name() {
            return "NORMALIZATION";
        }

        @Override
        public boolean hasInverse() {
            return true;
        }

        @Override
        public <M> Retraction<M> bind(Sphere<M> sphere) {
            return new Retraction<>() {
                @Override
                public String name() {
                    return "NORMALIZATION";
                }

                @Override
                public void retract(M x, M v, M out) {
                    sphere.normalisedSum(x, v, out);
                }

                @Override
                public boolean hasInverse() {
                    return true;
                }

                @Override
                public void inverseRetract(M x, M y, M out) {
                    sphere.inverseOfNormalisation(x, y, out);
                }
            };
        }

        @Override
        public String toString() {
            return name();
        }
    }

    /** The recipe of {@link SphereRetraction#EXPONENTIAL}. */
    static final class ExponentialRecipe implements SphereRetraction {
        @Override
        public String name() {
            return "EXPONENTIAL";
        }

        @Override
        public boolean hasInverse() {
            return true;
        }

        @Override
        public <M> Retraction<M> bind(Sphere<M> sphere) {
            return new Retraction<>() {
                @Override
                public String name() {
                    return "EXPONENTIAL";
                }

                @Override
                public void retract(M x, M v, M out) {
                    sphere.exponentialOfChecked(x, v, out);
                }

                @Override
                public boolean hasInverse() {
                    return true;
                }

                @Override
                public void inverseRetract(M x, M y, M out) {
                    sphere.logarithmOfChecked(x, y, out);
                }
            };
        }

        @Override
        public String toString() {
            return name();
        }
    }
}
