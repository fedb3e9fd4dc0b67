package dev.stiefel.djl.riemannian;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;

/**
 * The Stiefel manifold {@code St(n, p) = {X : X^T X = I_p}} with the embedded metric, as
 * geoopt's {@code EuclideanStiefel} (geoopt 0.5.0, {@code geoopt/manifolds/stiefel.py}) and
 * manifold-core's {@link Stiefel}: projection {@code P_X(Z) = Z - X sym(X^T Z)}, the QR
 * retraction {@code R_X(V) = qf(X + V)} with {@code diag(R) > 0}, transport by projection. With
 * orthonormal rows every operation acts on the transpose.
 *
 * <p>The QR factor is computed as Cholesky QR, twice ("CholeskyQR2": Fukaya, Nakatsukasa,
 * Yanagisawa, Yamamoto, "CholeskyQR2: a simple and communication-avoiding algorithm for computing
 * a tall-skinny QR factorization", ScalA 2014): {@code G = Z^T Z = L L^T}, {@code Q = Z L^-T}.
 * The {@code n x p} products run in {@link NDArray} operations on the parameter's device; only the
 * {@code p x p} Gram matrix crosses to the host, where {@link InverseCholeskyFactor} factors it and
 * inverts the factor in float64 (the operations of EJML's Cholesky and triangular inverse), and
 * {@code R^-1} crosses back. Since
 * {@code R = L^T} has a positive diagonal, {@code Q} is the same factor as geoopt's
 * {@code linalg.qr} with its sign fix. For a tangent step {@code Z^T Z = I + V^T V}, so the
 * Gram matrix is well conditioned and the second pass brings {@code Q^T Q} to {@code I} at the
 * working precision (float32 included).
 */
final class StiefelConstraint implements ManifoldConstraint {

    static final StiefelConstraint COLUMNS = new StiefelConstraint(false);
    static final StiefelConstraint ROWS = new StiefelConstraint(true);

    /** Cholesky QR passes: the second restores orthonormality lost to the squared condition number. */
    private static final int CHOLESKY_QR_PASSES = 2;

    private final boolean orthonormalRows;
    private final String name;
    /** The host workspaces of one parameter's retractions, or null for a fresh one per retraction. */
    private final InverseCholeskyFactor inverseFactor;

    private StiefelConstraint(boolean orthonormalRows) {
        this(orthonormalRows, null);
    }

    private StiefelConstraint(boolean orthonormalRows, InverseCholeskyFactor inverseFactor) {
        this.orthonormalRows = orthonormalRows;
        this.name = orthonormalRows ? "Stiefel(orthonormal rows)" : "Stiefel(orthonormal columns)";
        this.inverseFactor = inverseFactor;
    }

    /**
     * The same manifold with the {@code p x p} host workspaces of the retraction kept for every
     * retraction of a parameter of this shape: one instance per parameter, not shared between
     * threads.
     */
    @Override
    public ManifoldConstraint forParameter(Shape shape) {
        checkShape(shape);
        int p = Math.toIntExact(orthonormalRows ? shape.get(0) : shape.get(1));
        return new StiefelConstraint(orthonormalRows, new InverseCholeskyFactor(p));
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
        long rows = shape.get(0);
        long cols = shape.get(1);
        if (orthonormalRows && rows > cols) {
            throw new IllegalArgumentException(name + " needs rows <= columns, got shape " + shape
                    + " (orthonormal columns: stiefelColumns)");
        }
        if (!orthonormalRows && rows < cols) {
            throw new IllegalArgumentException(name + " needs rows >= columns, got shape " + shape
                    + " (orthonormal rows, as for a Linear weight (out, in): stiefelRows)");
        }
    }

    /** {@code (1, 1)}: the whole matrix is one manifold. */
    @Override
    public Shape componentShape(Shape shape) {
        return new Shape(1, 1);
    }

    @Override
    public NDArray projectToTangent(NDArray point, NDArray vector) {
        if (!orthonormalRows) {
            return project(point, vector);
        }
        try (NDArray pointT = point.transpose();
                NDArray vectorT = vector.transpose();
                NDArray projected = project(pointT, vectorT)) {
            return projected.transpose();
        }
    }

    /** {@code Z - X sym(X^T Z)} for orthonormal columns. */
    private static NDArray project(NDArray x, NDArray z) {
        try (NDArray xT = x.transpose();
                NDArray xtz = xT.matMul(z);
                NDArray xtzT = xtz.transpose();
                NDArray twiceSymmetric = xtz.add(xtzT);
                NDArray symmetric = twiceSymmetric.mul(0.5);
                NDArray normal = x.matMul(symmetric)) {
            return z.sub(normal);
        }
    }

    /**
     * {@code qf(X + V)} with {@code diag(R) > 0}, by Cholesky QR twice.
     *
     * @throws ArithmeticException when {@code X + V} is rank deficient or not finite
     */
    @Override
    public NDArray retract(NDArray point, NDArray tangent) {
        if (!orthonormalRows) {
            try (NDArray sum = point.add(tangent)) {
                return orthonormalColumns(sum);
            }
        }
        try (NDArray sum = point.add(tangent);
                NDArray sumT = sum.transpose();
                NDArray q = orthonormalColumns(sumT)) {
            return q.transpose();
        }
    }

    /** {@code Q = Z R^-1}, {@code Z = Q R} with {@code R} upper triangular with a positive diagonal. */
    private NDArray orthonormalColumns(NDArray z) {
        int p = Math.toIntExact(z.getShape().get(1));
        InverseCholeskyFactor host = inverseFactor != null && inverseFactor.order() == p ? inverseFactor
                : new InverseCholeskyFactor(p);
        NDArray q = z;
        for (int pass = 0; pass < CHOLESKY_QR_PASSES; pass++) {
            NDArray next;
            try (NDArray qT = q.transpose();
                    NDArray gram = qT.matMul(q);
                    NDArray rInverse = host.inverseFactor(gram, name)) {
                next = q.matMul(rInverse);
            }
            if (q != z) {
                q.close();
            }
            q = next;
        }
        return q;
    }

    /** {@code ||V||_F^2} as one entry. */
    @Override
    public NDArray componentInner(NDArray point, NDArray tangent) {
        try (NDArray squares = tangent.square()) {
            return squares.sum(new int[] {0, 1}, true);
        }
    }

    /** {@code ||X^T X - I||_F} ({@code ||X X^T - I||_F} for orthonormal rows), in float64 on the host. */
    @Override
    public double defect(NDArray point) {
        checkShape(point.getShape());
        int rows = Math.toIntExact(point.getShape().get(0));
        int cols = Math.toIntExact(point.getShape().get(1));
        DMatrixRMaj x = DMatrixRMaj.wrap(rows, cols, HostArrays.toDoubles(point));
        DMatrixRMaj gram = orthonormalRows ? new DMatrixRMaj(rows, rows) : new DMatrixRMaj(cols, cols);
        if (orthonormalRows) {
            CommonOps_DDRM.multTransB(x, x, gram);
        } else {
            CommonOps_DDRM.multTransA(x, x, gram);
        }
        for (int i = 0; i < gram.numRows; i++) {
            gram.add(i, i, -1.0);
        }
        return NormOps_DDRM.normF(gram);
    }

    /**
     * manifold-core's {@link Stiefel#randomPoint}: {@code qf(G)} with {@code diag(R) > 0} of a
     * Gaussian matrix, Haar distributed (Mezzadri, "How to generate random matrices from the
     * classical compact groups", Notices of the AMS, 2007); transposed for orthonormal rows.
     */
    @Override
    public double[] randomPoint(Shape shape, RandomGenerator random) {
        checkShape(shape);
        int rows = Math.toIntExact(shape.get(0));
        int cols = Math.toIntExact(shape.get(1));
        int n = orthonormalRows ? cols : rows;
        int p = orthonormalRows ? rows : cols;
        try (Stiefel<DMatrixRMaj> stiefel = new Stiefel<>(Kernels.ejml(), n, p, StiefelRetraction.QR)) {
            DMatrixRMaj point = stiefel.allocate();
            stiefel.randomPoint(random, point);
            return orthonormalRows ? CommonOps_DDRM.transpose(point, null).data : point.data;
        }
    }
}
