package dev.stiefel.djl.riemannian;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A DJL {@link Initializer} that starts a parameter on the manifold of its
 * {@link ManifoldConstraint}: Haar-distributed on Stiefel (QR of a Gaussian matrix with the signs
 * fixed), uniform on spheres and on each sphere of an oblique manifold, drawn in float64 on the
 * host from a seeded generator and then converted to the parameter's data type. Each call draws
 * new numbers, so one initialiser may serve several parameters. Set it on the parameter
 * ({@code parameter.setInitializer(...)}) after any initialiser of the training configuration,
 * which DJL applies when the trainer is created.
 */
public final class ManifoldInitializer implements Initializer {

    private final ManifoldConstraint constraint;
    private final RandomGenerator random;

    private ManifoldInitializer(ManifoldConstraint constraint, RandomGenerator random) {
        this.constraint = constraint;
        this.random = random;
    }

    /**
     * An initialiser drawing from {@code new SplittableRandom(seed)}.
     *
     * @param constraint the manifold
     * @param seed the generator's seed
     * @return the initialiser
     * @throws IllegalArgumentException when {@code constraint} is null
     */
    public static ManifoldInitializer of(ManifoldConstraint constraint, long seed) {
        return of(constraint, new SplittableRandom(seed));
    }

    /**
     * An initialiser drawing from {@code random}, which it then owns.
     *
     * @param constraint the manifold
     * @param random the generator
     * @return the initialiser
     * @throws IllegalArgumentException when an argument is null
     */
    public static ManifoldInitializer of(ManifoldConstraint constraint, RandomGenerator random) {
        if (constraint == null || random == null) {
            throw new IllegalArgumentException("ManifoldInitializer: constraint and random generator must not be null");
        }
        return new ManifoldInitializer(constraint, random);
    }

    /**
     * The constraint whose manifold the points lie on.
     *
     * @return the constraint
     */
    public ManifoldConstraint constraint() {
        return constraint;
    }

    /**
     * A random point of the manifold, as a new array of {@code manager}.
     *
     * @throws IllegalArgumentException when the shape does not suit the constraint or the data
     *     type is not float32 or float64
     */
    @Override
    public synchronized NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
        if (dataType != DataType.FLOAT32 && dataType != DataType.FLOAT64) {
            throw new IllegalArgumentException("ManifoldInitializer: float32 or float64 parameters only, got " + dataType);
        }
        constraint.checkShape(shape);
        double[] point = constraint.randomPoint(shape, random);
        NDArray array = manager.create(point, shape);
        if (dataType == DataType.FLOAT64) {
            return array;
        }
        NDArray converted = array.toType(dataType, false);
        array.close();
        return converted;
    }
}
