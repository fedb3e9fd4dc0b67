package dev.stiefel.manifold;

/**
 * The built-in {@link SphereRetraction}s, computed by {@link Sphere} itself (normalisation and
 * the exponential with their inverses), whose workspaces they use.
 */
final class SphereRetractions {

    private SphereRetractions() {
    }

    /** The recipe of {@link SphereRetraction#NORMALIZATION}. */
    static final class NormalizationRecipe extends BuiltinRecipe implements SphereRetraction {
        NormalizationRecipe() {
            super("NORMALIZATION", true);
        }

        @Override
        public <M> Retraction<M> bind(Sphere<M> sphere) {
            return new DelegatingRetraction<>(name(), sphere::normalisedSum, sphere::inverseOfNormalisation);
        }
    }

    /** The recipe of {@link SphereRetraction#EXPONENTIAL}. */
    static final class ExponentialRecipe extends BuiltinRecipe implements SphereRetraction {
        ExponentialRecipe() {
            super("EXPONENTIAL", true);
        }

        @Override
        public <M> Retraction<M> bind(Sphere<M> sphere) {
            return new DelegatingRetraction<>(name(), sphere::exponentialOfChecked, sphere::logarithmOfChecked);
        }
    }
}
