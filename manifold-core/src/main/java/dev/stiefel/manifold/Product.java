package dev.stiefel.manifold;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The product {@code M_1 x ... x M_k} of manifolds sharing a point type, with the product metric
 * {@code <u, v> = sum_i <u_i, v_i>} (Absil, Mahony, Sepulchre 2008, Sec. 3.1.6; pymanopt's
 * {@code Product}). Every operation is applied factor by factor, so aliasing rules are those of
 * the factors; the typical distance is {@code sqrt(sum_i d_i^2)}.
 *
 * @param <P> the factors' point type
 */
public final class Product<P> implements Manifold<ProductPoint<P>>, AutoCloseable {

    private final List<Manifold<P>> factors;
    private final String name;
    private final int dimension;
    private final double[] tangentWeights;

    /**
     * @throws IllegalArgumentException when {@code factors} is null, empty or holds a null
     */
    public Product(List<? extends Manifold<P>> factors) {
        if (factors == null || factors.isEmpty()) {
            throw new IllegalArgumentException("Product needs at least one factor");
        }
        List<Manifold<P>> copy = new ArrayList<>(factors.size());
        StringBuilder text = new StringBuilder("Product(");
        int total = 0;
        for (int index = 0; index < factors.size(); index++) {
            Manifold<P> factor = factors.get(index);
            if (factor == null) {
                throw new IllegalArgumentException("Product: factor " + index + " is null");
            }
            copy.add(factor);
            text.append(index == 0 ? "" : ", ").append(factor.name());
            total += factor.dimension();
        }
        this.factors = List.copyOf(copy);
        this.name = text.append(')').toString();
        this.dimension = total;
        this.tangentWeights = new double[factors.size()];
        for (int index = 0; index < factors.size(); index++) {
            tangentWeights[index] = total == 0 ? 0.0 : Math.sqrt((double) factors.get(index).dimension() / total);
        }
    }

    /** The product of the given factors. */
    @SafeVarargs
    public static <P> Product<P> of(Manifold<P>... factors) {
        if (factors == null) {
            throw new IllegalArgumentException("Product needs at least one factor");
        }
        List<Manifold<P>> list = new java.util.ArrayList<>(factors.length);
        for (Manifold<P> factor : factors) {
            list.add(factor);
        }
        return new Product<>(list);
    }

    /** Factor {@code index}. */
    public Manifold<P> factor(int index) {
        return factors.get(index);
    }

    /** Number of factors. */
    public int factorCount() {
        return factors.size();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return name;
    }

    /** Sum of the factors' dimensions. */
    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public ProductPoint<P> allocate() {
        List<P> components = new ArrayList<>(factors.size());
        for (Manifold<P> factor : factors) {
            components.add(factor.allocate());
        }
        return new ProductPoint<>(components);
    }

    @Override
    public void free(ProductPoint<P> a) {
        requireSize(a, "point");
        for (int i = 0; i < factors.size(); i++) {
            factors.get(i).free(a.component(i));
        }
    }

    @Override
    public void copy(ProductPoint<P> src, ProductPoint<P> dst) {
        requireSize(src, "src");
        requireSize(dst, "dst");
        for (int i = 0; i < factors.size(); i++) {
            factors.get(i).copy(src.component(i), dst.component(i));
        }
    }

    @Override
    public double inner(ProductPoint<P> x, ProductPoint<P> u, ProductPoint<P> v) {
        requireSize(x, "point x");
        requireSize(u, "u");
        requireSize(v, "v");
        double sum = 0.0;
        for (int i = 0; i < factors.size(); i++) {
            sum += factors.get(i).inner(x.component(i), u.component(i), v.component(i));
        }
        return sum;
    }

    @Override
    public void projectToTangent(ProductPoint<P> x, ProductPoint<P> z, ProductPoint<P> out) {
        requireSizes(x, z, out);
        for (int i = 0; i < factors.size(); i++) {
            factors.get(i).projectToTangent(x.component(i), z.component(i), out.component(i));
        }
    }

    @Override
    public void euclideanToRiemannianGradient(ProductPoint<P> x, ProductPoint<P> euclideanGradient,
            ProductPoint<P> out) {
        requireSizes(x, euclideanGradient, out);
        for (int i = 0; i < factors.size(); i++) {
            factors.get(i).euclideanToRiemannianGradient(x.component(i), euclideanGradient.component(i),
                    out.component(i));
        }
    }

    /**
     * Factor by factor: the projection and the Weingarten map of a product are block diagonal,
     * so each factor converts its own block of the Euclidean gradient and Hessian-vector product.
     */
    @Override
    public void euclideanToRiemannianHessian(ProductPoint<P> x, ProductPoint<P> euclideanGradient,
            ProductPoint<P> euclideanHessianV, ProductPoint<P> v, ProductPoint<P> out) {
        requireSizes(x, euclideanGradient, out);
        requireSizes(x, euclideanHessianV, v);
        for (int i = 0; i < factors.size(); i++) {
            factors.get(i).euclideanToRiemannianHessian(x.component(i), euclideanGradient.component(i),
                    euclideanHessianV.component(i), v.component(i), out.component(i));
        }
    }

    @Override
    public void retract(ProductPoint<P> x, ProductPoint<P> v, ProductPoint<P> out) {
        requireSizes(x, v, out);
        for (int i = 0; i < factors.size(); i++) {
            factors.get(i).retract(x.component(i), v.component(i), out.component(i));
        }
    }

    /** Factor by factor. */
    @Override
    public void secondOrderRetract(ProductPoint<P> x, ProductPoint<P> v, ProductPoint<P> out) {
        for (int i = 0; i < factors.size(); i++) {
            factors.get(i).secondOrderRetract(x.component(i), v.component(i), out.component(i));
        }
    }

    /** True when every factor has one. */
    @Override
    public boolean hasInverseRetraction() {
        for (Manifold<P> factor : factors) {
            if (!factor.hasInverseRetraction()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void inverseRetract(ProductPoint<P> x, ProductPoint<P> y, ProductPoint<P> out) {
        requireSizes(x, y, out);
        if (!hasInverseRetraction()) {
            throw new UnsupportedOperationException(name + ": a factor's retraction has no inverse");
        }
        for (int i = 0; i < factors.size(); i++) {
            factors.get(i).inverseRetract(x.component(i), y.component(i), out.component(i));
        }
    }

    @Override
    public void transport(ProductPoint<P> x, ProductPoint<P> y, ProductPoint<P> v, ProductPoint<P> out) {
        requireSizes(x, y, out);
        requireSize(v, "v");
        for (int i = 0; i < factors.size(); i++) {
            factors.get(i).transport(x.component(i), y.component(i), v.component(i), out.component(i));
        }
    }

    /** Each factor's random point, drawn in factor order from the same generator. */
    @Override
    public void randomPoint(RandomGenerator random, ProductPoint<P> out) {
        requireSize(out, "out");
        for (int i = 0; i < factors.size(); i++) {
            factors.get(i).randomPoint(random, out.component(i));
        }
    }

    /**
     * Each factor's unit random tangent scaled by {@code sqrt(d_i / d)}: unit norm overall, with
     * each factor getting the share of the norm an isotropic Gaussian gives it on average.
     */
    @Override
    public void randomTangent(ProductPoint<P> x, RandomGenerator random, ProductPoint<P> out) {
        requireSize(x, "point x");
        requireSize(out, "out");
        for (int i = 0; i < factors.size(); i++) {
            Manifold<P> factor = factors.get(i);
            factor.randomTangent(x.component(i), random, out.component(i));
            factor.linearCombination(x.component(i), tangentWeights[i], out.component(i), 0.0, out.component(i),
                    out.component(i));
        }
    }

    @Override
    public void zeroTangent(ProductPoint<P> x, ProductPoint<P> out) {
        requireSize(x, "point x");
        requireSize(out, "out");
        for (int i = 0; i < factors.size(); i++) {
            factors.get(i).zeroTangent(x.component(i), out.component(i));
        }
    }

    @Override
    public void linearCombination(ProductPoint<P> x, double a, ProductPoint<P> u, double b, ProductPoint<P> v,
            ProductPoint<P> out) {
        requireSizes(x, u, v);
        requireSize(out, "out");
        for (int i = 0; i < factors.size(); i++) {
            factors.get(i).linearCombination(x.component(i), a, u.component(i), b, v.component(i), out.component(i));
        }
    }

    /** {@code sqrt(sum_i d_i^2)} over the factors' typical distances. */
    @Override
    public double typicalDistance() {
        double sum = 0.0;
        for (Manifold<P> factor : factors) {
            double distance = factor.typicalDistance();
            sum += distance * distance;
        }
        return Math.sqrt(sum);
    }

    /** Each factor's check, the message prefixed with the factor's index. */
    @Override
    public void checkPoint(ProductPoint<P> x, double tolerance) {
        requireSize(x, "point");
        for (int i = 0; i < factors.size(); i++) {
            try {
                factors.get(i).checkPoint(x.component(i), tolerance);
            } catch (IllegalArgumentException defect) {
                throw new IllegalArgumentException(name + ", factor " + i + ": " + defect.getMessage(), defect);
            }
        }
    }

    /** Each factor's check, the message prefixed with the factor's index. */
    @Override
    public void checkTangent(ProductPoint<P> x, ProductPoint<P> v, double tolerance) {
        requireSize(x, "point");
        requireSize(v, "tangent vector");
        for (int i = 0; i < factors.size(); i++) {
            try {
                factors.get(i).checkTangent(x.component(i), v.component(i), tolerance);
            } catch (IllegalArgumentException defect) {
                throw new IllegalArgumentException(name + ", factor " + i + ": " + defect.getMessage(), defect);
            }
        }
    }

    /** {@code sqrt(sum_i dist_i^2)}, where every factor has a distance. */
    @Override
    public double distance(ProductPoint<P> x, ProductPoint<P> y) {
        requireSize(x, "point x");
        requireSize(y, "point y");
        double sum = 0.0;
        for (int i = 0; i < factors.size(); i++) {
            double distance = factors.get(i).distance(x.component(i), y.component(i));
            sum += distance * distance;
        }
        return Math.sqrt(sum);
    }

    private void requireSizes(ProductPoint<P> a, ProductPoint<P> b, ProductPoint<P> c) {
        requireSize(a, "first argument");
        requireSize(b, "second argument");
        requireSize(c, "third argument");
    }

    private void requireSize(ProductPoint<P> a, String role) {
        if (a == null) {
            throw new IllegalArgumentException(name + ": " + role + " must not be null");
        }
        if (a.size() != factors.size()) {
            throw new IllegalArgumentException(name + ": " + role + " has " + a.size() + " components, expected "
                    + factors.size());
        }
    }

    /**
     * Closes every factor that owns workspaces ({@link AutoCloseable} factors): a product owns
     * the manifolds it was built from, as {@code Product.of(Stiefel.onCpu(n, p), ...)} suggests.
     * A factor's own {@code close()} decides what a second call does; closing the product twice
     * closes each factor twice, which the library's manifolds allow.
     *
     * @throws IllegalStateException when a factor's {@code close()} throws a checked exception
     */
    @Override
    public void close() {
        for (Manifold<P> factor : factors) {
            if (factor instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException("closing factor " + factor + " of " + name + " failed", e);
                }
            }
        }
    }
}
