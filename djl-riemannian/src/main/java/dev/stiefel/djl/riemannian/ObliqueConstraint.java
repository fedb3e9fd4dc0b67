package dev.stiefel.djl.riemannian;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Oblique;
import dev.stiefel.manifold.SphereRetraction;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;

/**
 * The oblique manifold of a matrix parameter (manifold-core's {@link Oblique}): one unit sphere
 * per column, or per row, with {@code P_x(z)_j = z_j - <x_j, z_j> x_j} and
 * {@code R_x(v)_j = (x_j + v_j) / ||x_j + v_j||}. The sums run along {@code axis}: 0 for unit
 * columns, 1 for unit rows.
 */
final class ObliqueConstraint implements ManifoldConstraint {

    static final ObliqueConstraint COLUMNS = new ObliqueConstraint(Oblique.UnitNorm.COLUMNS);
    static final ObliqueConstraint ROWS = new ObliqueConstraint(Oblique.UnitNorm.ROWS);

    private final Oblique.UnitNorm unitNorm;
    private final int[] axis;
    private final String name;

    private ObliqueConstraint(Oblique.UnitNorm unitNorm) {
        this.unitNorm = unitNorm;
        this.axis = new int[] {unitNorm == Oblique.UnitNorm.COLUMNS ? 0 : 1};
        this.name = unitNorm == Oblique.UnitNorm.COLUMNS ? "Oblique(unit columns)" : "Oblique(unit rows)";
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return name;
    }

    @Override
    public void checkShape(Shape shape) {
        HostArrays.requireMatrix(shape, name);
    }

    @Override
    public Shape componentShape(Shape shape) {
        return axis[0] == 0 ? new Shape(1, shape.get(1)) : new Shape(shape.get(0), 1);
    }

    @Override
    public NDArray projectToTangent(NDArray point, NDArray vector) {
        try (NDArray product = point.mul(vector);
                NDArray inner = product.sum(axis, true);
                NDArray normal = point.mul(inner)) {
            return vector.sub(normal);
        }
    }

    @Override
    public NDArray retract(NDArray point, NDArray tangent) {
        try (NDArray sum = point.add(tangent);
                NDArray squares = sum.square();
                NDArray squaredNorms = squares.sum(axis, true);
                NDArray norms = squaredNorms.sqrt()) {
            return sum.div(norms);
        }
    }

    @Override
    public NDArray componentInner(NDArray point, NDArray tangent) {
        try (NDArray squares = tangent.square()) {
            return squares.sum(axis, true);
        }
    }

    /** {@code max_j | ||x_j|| - 1 |} in float64. */
    @Override
    public double defect(NDArray point) {
        checkShape(point.getShape());
        int rows = Math.toIntExact(point.getShape().get(0));
        int cols = Math.toIntExact(point.getShape().get(1));
        double[] data = HostArrays.toDoubles(point);
        double[] sums = new double[axis[0] == 0 ? cols : rows];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double value = data[i * cols + j];
                sums[axis[0] == 0 ? j : i] += value * value;
            }
        }
        double defect = 0.0;
        for (double sum : sums) {
            defect = Math.max(defect, Math.abs(Math.sqrt(sum) - 1.0));
        }
        return defect;
    }

    /** manifold-core's {@link Oblique#randomPoint}: independent uniform points on every sphere. */
    @Override
    public double[] randomPoint(Shape shape, RandomGenerator random) {
        checkShape(shape);
        Oblique<DMatrixRMaj> oblique = new Oblique<>(Kernels.ejml(), Math.toIntExact(shape.get(0)),
                Math.toIntExact(shape.get(1)), unitNorm, SphereRetraction.NORMALIZATION);
        DMatrixRMaj point = oblique.allocate();
        oblique.randomPoint(random, point);
        return point.data;
    }
}
