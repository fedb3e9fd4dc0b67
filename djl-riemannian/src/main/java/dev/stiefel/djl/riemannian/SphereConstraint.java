package dev.stiefel.djl.riemannian;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Sphere;
import dev.stiefel.manifold.SphereRetraction;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;

/**
 * The unit sphere {@code ||X||_F = 1} of a parameter of any shape (manifold-core's
 * {@link Sphere}): {@code P_x(z) = z - <x, z> x}, {@code R_x(v) = (x + v) / ||x + v||}.
 */
final class SphereConstraint implements ManifoldConstraint {

    static final SphereConstraint INSTANCE = new SphereConstraint();

    private SphereConstraint() {
    }

    @Override
    public String name() {
        return "Sphere";
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public void checkShape(Shape shape) {
        if (shape == null) {
            throw new IllegalArgumentException(name() + ": the parameter has no shape yet");
        }
        if (shape.dimension() < 1 || shape.size() < 1) {
            throw new IllegalArgumentException(name() + " needs a parameter with at least one axis and one entry, "
                    + "got shape " + shape);
        }
    }

    @Override
    public Shape componentShape(Shape shape) {
        return HostArrays.ones(shape);
    }

    @Override
    public NDArray projectToTangent(NDArray point, NDArray vector) {
        try (NDArray product = point.mul(vector);
                NDArray inner = product.sum(HostArrays.allAxes(point.getShape()), true);
                NDArray normal = point.mul(inner)) {
            return vector.sub(normal);
        }
    }

    @Override
    public NDArray retract(NDArray point, NDArray tangent) {
        try (NDArray sum = point.add(tangent);
                NDArray squares = sum.square();
                NDArray squaredNorm = squares.sum(HostArrays.allAxes(point.getShape()), true);
                NDArray norm = squaredNorm.sqrt()) {
            return sum.div(norm);
        }
    }

    @Override
    public NDArray componentInner(NDArray point, NDArray tangent) {
        try (NDArray squares = tangent.square()) {
            return squares.sum(HostArrays.allAxes(tangent.getShape()), true);
        }
    }

    /** {@code | ||x||_F - 1 |} in float64. */
    @Override
    public double defect(NDArray point) {
        double sum = 0.0;
        for (double value : HostArrays.toDoubles(point)) {
            sum += value * value;
        }
        return Math.abs(Math.sqrt(sum) - 1.0);
    }

    /** A normalised Gaussian array (manifold-core's {@link Sphere#randomPoint}): uniform on the sphere. */
    @Override
    public double[] randomPoint(Shape shape, RandomGenerator random) {
        checkShape(shape);
        int size = Math.toIntExact(shape.size());
        Sphere<DMatrixRMaj> sphere = new Sphere<>(Kernels.ejml(), size, 1, SphereRetraction.NORMALIZATION);
        DMatrixRMaj point = sphere.allocate();
        sphere.randomPoint(random, point);
        return point.data;
    }
}
