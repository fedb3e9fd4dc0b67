package dev.stiefel.etf;

import dev.stiefel.ddn.ProcrustesParametricProblem;
import dev.stiefel.ddn.RightMultiplicationHessian;
import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.manifold.Manifold;
import dev.stiefel.problem.EuclideanHessian;
import java.util.Optional;
import org.ejml.data.DMatrixRMaj;

/**
 * The nearest simplex-ETF problems on St(d, C) (Markou, Ajanthan, Gould, NeurIPS 2024,
 * problems (6) and (7); {@code docs/mathematics.md} section 2), parametrised by the normalised
 * centred class means {@code Ht} ({@code d x C}):
 * <pre>
 *   f(U) = ||Ht - U Mt||_F^2 + (delta/2) ||U - Uprox||_F^2,   Mt = Mc / sqrt(C-1),
 *   grad f(U)    = (2/(C-1)) U Mc - (2/sqrt(C-1)) Ht Mc + delta (U - Uprox),
 *   Hess f(U)[V] = (2/(C-1)) V Mc + delta V,
 *   grad_Ht &lt;grad_U f, w&gt; = -(2/sqrt(C-1)) w Mc       (mixed-derivative adjoint, x = Ht).
 * </pre>
 * Without a proximal term ({@link #removeProximal()}) this is problem (6), {@code delta = 0}.
 * {@code Uprox} is a constant: it carries no gradient.
 *
 * <p>All arithmetic goes through {@link DenseKernels}, so the CUDA backend reuses this class.
 * Products with {@code Mc} are row centrings {@code A Mc = A - (1/C)(A 1) 1^T}, {@code O(dC)}.
 * The parameters can be changed between solves without reallocation. Not thread-safe.
 *
 * @param <M> the backend's matrix type
 */
public final class NearestEtfProblem<M> implements ProcrustesParametricProblem<M, M>, RightMultiplicationHessian<M> {

    private final DenseKernels<M> kernels;
    private final Manifold<M> manifold;
    private final int dimension;
    private final int numClasses;
    /** {@code 2/(C-1)}: the Hessian weight of the ETF term. */
    private final double curvature;
    /** {@code 2/sqrt(C-1)}: the weight of {@code Ht Mc} in the gradient and in {@code G}. */
    private final double targetWeight;

    private final M target;
    /** {@code (2/sqrt(C-1)) Ht Mc}, cached at {@link #setTarget}. */
    private final M weightedCentredTarget;
    private final M proximalCentre;
    private double delta;
    private boolean hasTarget;

    private final M ones;
    private final M rowSums;
    private final M centred;
    private final M residual;
    private boolean closed;

    /**
     * @param kernels the backend
     * @param manifold St(d, C) on that backend (its points are {@code d x C})
     * @param dimension feature dimension d
     * @param numClasses number of classes C
     * @throws IllegalArgumentException when {@code C < 2}, {@code d < C} or the manifold's
     *     points are not {@code d x C}
     */
    public NearestEtfProblem(DenseKernels<M> kernels, Manifold<M> manifold, int dimension, int numClasses) {
        SimplexEtf.requireDimensions(dimension, numClasses);
        if (kernels == null || manifold == null) {
            throw new IllegalArgumentException("kernels and manifold must not be null");
        }
        this.kernels = kernels;
        this.manifold = manifold;
        this.dimension = dimension;
        this.numClasses = numClasses;
        this.curvature = 2.0 / (numClasses - 1.0);
        this.targetWeight = 2.0 / Math.sqrt(numClasses - 1.0);
        M probe = manifold.allocate();
        int rows = kernels.rows(probe);
        int cols = kernels.cols(probe);
        manifold.free(probe);
        if (rows != dimension || cols != numClasses) {
            throw new IllegalArgumentException("manifold " + manifold.name() + " has " + rows + " x " + cols
                    + " points, expected St(" + dimension + ", " + numClasses + ")");
        }
        target = kernels.create(dimension, numClasses);
        weightedCentredTarget = kernels.create(dimension, numClasses);
        proximalCentre = kernels.create(dimension, numClasses);
        DMatrixRMaj hostOnes = new DMatrixRMaj(numClasses, 1);
        hostOnes.fill(1.0);
        ones = kernels.fromHost(hostOnes);
        rowSums = kernels.create(dimension, 1);
        centred = kernels.create(dimension, numClasses);
        residual = kernels.create(dimension, numClasses);
    }

    @Override
    public Manifold<M> manifold() {
        return manifold;
    }

    public DenseKernels<M> kernels() {
        return kernels;
    }

    public int dimension() {
        return dimension;
    }

    public int numClasses() {
        return numClasses;
    }

    /** Current proximal weight; 0 without a proximal term (problem (6)). */
    public double delta() {
        return delta;
    }

    public boolean hasProximal() {
        return delta > 0;
    }

    /**
     * Sets the parameters {@code Ht} (copied).
     *
     * @throws IllegalArgumentException on a wrong shape or a non-finite entry
     */
    public void setTarget(M normalisedMeans) {
        requirePointShape(normalisedMeans, "normalised class means Ht");
        kernels.copy(normalisedMeans, target);
        centreRows(target, targetWeight, weightedCentredTarget);
        hasTarget = true;
    }

    /** The current {@code Ht} (owned by this problem; do not modify). */
    public M target() {
        return target;
    }

    /**
     * Adds the proximal term {@code (delta/2)||U - Uprox||^2} (problem (7)); {@code Uprox} is copied.
     *
     * @throws IllegalArgumentException when {@code delta} is not finite and {@code > 0}, or on a
     *     wrong shape or non-finite {@code Uprox}
     */
    public void setProximal(double proximalWeight, M proximalPoint) {
        if (!(proximalWeight > 0) || !Double.isFinite(proximalWeight)) {
            throw new IllegalArgumentException("delta must be finite and > 0, got " + proximalWeight);
        }
        requirePointShape(proximalPoint, "proximal point Uprox");
        kernels.copy(proximalPoint, proximalCentre);
        delta = proximalWeight;
    }

    /** Drops the proximal term: problem (6). */
    public void removeProximal() {
        delta = 0;
    }

    /** The current {@code Uprox} (meaningful only with a proximal term; do not modify). */
    public M proximalPoint() {
        return proximalCentre;
    }

    /**
     * The matrix of the equivalent Procrustes problem {@code max_U <U, G>}:
     * {@code G = (2/sqrt(C-1)) Ht Mc + delta Uprox} (docs/mathematics.md section 2). On St(d, C) the cost is
     * {@code const - <U, G>}, so {@code U* = polar(G)}.
     *
     * @return {@code out}
     */
    @Override
    public M procrustesMatrix(M out) {
        requireTarget();
        if (delta > 0) {
            kernels.addScaled(1.0, weightedCentredTarget, delta, proximalCentre, out);
        } else {
            kernels.copy(weightedCentredTarget, out);
        }
        return out;
    }

    @Override
    public double cost(M point) {
        requireTarget();
        centreRows(point, centred);
        return residualCost(point);
    }

    @Override
    public void euclideanGradient(M point, M out) {
        costAndEuclideanGradient(point, out);
    }

    /** Cost and gradient sharing {@code U Mc}; {@code gradientOut} must not alias {@code point}. */
    @Override
    public double costAndEuclideanGradient(M point, M gradientOut) {
        requireTarget();
        centreRows(point, centred);
        double cost = residualCost(point);
        kernels.addScaled(curvature, centred, -1.0, weightedCentredTarget, gradientOut);
        if (delta > 0) {
            // residualCost left U - Uprox in residual
            kernels.addScaled(1.0, gradientOut, delta, residual, gradientOut);
        }
        return cost;
    }

    /**
     * The Hessian part, {@code out = (2/(C-1)) V Mc + delta V} for the direction {@code V};
     * {@code out} may alias {@code V}.
     */
    @Override
    public Optional<EuclideanHessian<M>> euclideanHessian() {
        return Optional.of(this::hessian);
    }

    private void hessian(M point, M direction, M out) {
        centreRows(direction, centred);
        kernels.addScaled(curvature, centred, delta, direction, out);
    }

    /**
     * {@code out = S = (2/(C-1)) Mc + delta I}, the factor of {@code Hess f[V] = V S} (for the
     * paper's dense backward, {@code H = I_d (x) (S - Sigma)}, docs/mathematics.md section 5a).
     *
     * @param out {@code C x C}, overwritten
     * @return {@code out}
     */
    @Override
    public M euclideanHessianFactor(M point, M out) {
        if (kernels.rows(out) != numClasses || kernels.cols(out) != numClasses) {
            throw new IllegalArgumentException("Hessian factor: expected " + numClasses + " x " + numClasses
                    + ", got " + kernels.rows(out) + " x " + kernels.cols(out));
        }
        kernels.setIdentity(out);
        kernels.gemm(-1.0 / numClasses, ones, false, ones, true, 1.0, out);
        kernels.scale(curvature, out);
        kernels.addIdentity(out, delta, out);
        return out;
    }

    /**
     * {@code out = grad_Ht <grad_U f(U), w> = -(2/sqrt(C-1)) w Mc}; {@code out} may alias {@code w}.
     */
    @Override
    public void mixedDerivativeAdjoint(M point, M direction, M out) {
        centreRows(direction, out);
        kernels.scale(-targetWeight, out);
    }

    /**
     * {@code out = a Mc = a - (1/C) (a 1) 1^T}: each row centred, {@code O(rows C)} instead of a
     * {@code C x C} product. {@code out} may alias {@code a}.
     *
     * @return {@code out}
     */
    public M centreRows(M a, M out) {
        return centreRows(a, 1.0, out);
    }

    /** {@code out = weight a Mc}: the scaling rides on the pass that fills {@code out}. */
    private M centreRows(M a, double weight, M out) {
        kernels.gemm(1.0, a, false, ones, false, 0.0, rowSums);
        if (weight != 1.0) {
            kernels.addScaled(weight, a, 0.0, a, out);
        } else if (out != a) {
            kernels.copy(a, out);
        }
        kernels.gemm(-weight / numClasses, rowSums, false, ones, true, 1.0, out);
        return out;
    }

    /**
     * Cost from {@link #centred} {@code = U Mc}. The residual {@code Ht - U Mt} is formed
     * explicitly rather than expanding the square, so a cost near zero keeps its precision.
     * Leaves {@code U - Uprox} in {@link #residual} when there is a proximal term.
     */
    private double residualCost(M point) {
        kernels.addScaled(1.0, target, -1.0 / Math.sqrt(numClasses - 1.0), centred, residual);
        double norm = kernels.normF(residual);
        double cost = norm * norm;
        if (delta > 0) {
            kernels.addScaled(1.0, point, -1.0, proximalCentre, residual);
            double distance = kernels.normF(residual);
            cost += 0.5 * delta * distance * distance;
        }
        return cost;
    }

    private void requireTarget() {
        if (!hasTarget) {
            throw new IllegalStateException("nearest-ETF problem: call setTarget(Ht) first");
        }
    }

    private void requirePointShape(M a, String name) {
        if (a == null) {
            throw new IllegalArgumentException(name + ": must not be null");
        }
        if (kernels.rows(a) != dimension || kernels.cols(a) != numClasses) {
            throw new IllegalArgumentException(name + ": expected " + dimension + " x " + numClasses + ", got "
                    + kernels.rows(a) + " x " + kernels.cols(a));
        }
        if (!kernels.allFinite(a)) {
            throw new IllegalArgumentException(name + ": has a NaN or infinite entry");
        }
    }

    /**
     * Frees the workspaces (device memory on a GPU backend); {@link NearestEtf#close()} calls it.
     * Closing twice is harmless.
     */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (M m : java.util.Arrays.asList(target, weightedCentredTarget, proximalCentre, ones, rowSums, centred,
                residual)) {
            if (m != null) {
                kernels.free(m);
            }
        }
    }
}
