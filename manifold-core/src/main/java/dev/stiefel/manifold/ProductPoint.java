package dev.stiefel.manifold;

import java.util.List;

/**
 * A point or tangent vector of a {@link Product}: one component per factor, in factor order.
 * The list is fixed; the components themselves are mutable storage that the factors write into.
 *
 * @param <P> the factors' point type
 */
public final class ProductPoint<P> {

    private final List<P> components;

    /**
     * @throws IllegalArgumentException when {@code components} is null, empty or holds a null
     */
    public ProductPoint(List<P> components) {
        if (components == null || components.isEmpty()) {
            throw new IllegalArgumentException("ProductPoint needs at least one component");
        }
        for (int index = 0; index < components.size(); index++) {
            if (components.get(index) == null) {
                throw new IllegalArgumentException("ProductPoint: component " + index + " is null");
            }
        }
        this.components = List.copyOf(components);
    }

    /** Component {@code index} (the storage itself, not a copy). */
    public P component(int index) {
        return components.get(index);
    }

    /** Number of components. */
    public int size() {
        return components.size();
    }

    /** The components in factor order (unmodifiable). */
    public List<P> components() {
        return components;
    }

    @Override
    public String toString() {
        return "ProductPoint" + components;
    }
}
