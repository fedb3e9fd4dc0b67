package dev.stiefel.autodiff;

import static dev.stiefel.autodiff.Fixtures.EXACT;
import static dev.stiefel.autodiff.Fixtures.FINITE_DIFFERENCE;
import static dev.stiefel.autodiff.Fixtures.constant;
import static dev.stiefel.autodiff.Fixtures.relativeError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.stiefel.check.DerivativeCheck;
import dev.stiefel.etf.NearestEtfProblem;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Euclidean;
import dev.stiefel.manifold.Grassmann;
import dev.stiefel.manifold.Manifold;
import dev.stiefel.manifold.Product;
import dev.stiefel.manifold.ProductPoint;
import dev.stiefel.manifold.Sphere;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.problem.DominantSubspaceProblem;
import dev.stiefel.problem.Problem;
import dev.stiefel.problem.ProcrustesProblem;
import dev.stiefel.problem.RayleighQuotientProblem;
import dev.stiefel.testkit.TestMatrices;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The automatic cost, Euclidean gradient and Hessian-vector product equal the hand-written ones
 * (manifold-core's Brockett, Procrustes, dominant-subspace and Rayleigh problems, etf-solver's
 * nearest-ETF problem (7), a coupled cost on a product written out here) to a relative
 * {@link Fixtures#EXACT}, at a random point and along a random ambient direction; Manopt-style
 * derivative checks pass on the automatic problems; and the finite-difference method agrees with
 * the exact products to {@link Fixtures#FINITE_DIFFERENCE}.
 */
class HandWrittenAgreementTest {

    private static final long SEED = TestMatrices.SEED;

    private final NDManager constants = NDManager.newBaseManager("PyTorch");

    @AfterEach
    void closeConstants() {
        constants.close();
    }

    @Test
    void brockettOnStiefel200x20() {
        try (Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(200, 20)) {
            BrockettProblem<DMatrixRMaj> handWritten = BrockettProblem.random(stiefel, new SplittableRandom(SEED));
            NDArray a = constant(constants, handWritten.a());
            NDArray weights = constant(constants, handWritten.weights());
            assertAgreement(stiefel, handWritten, options -> AutodiffProblem.of(stiefel,
                    x -> x.mul(a.matMul(x).matMul(weights)).sum(), options));
        }
    }

    @Test
    void procrustesOnStiefel() {
        try (Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(20, 5)) {
            DMatrixRMaj aHost = TestMatrices.gaussian(30, 20, SEED);
            DMatrixRMaj bHost = TestMatrices.gaussian(30, 5, SEED + 1);
            Problem<DMatrixRMaj> handWritten = new ProcrustesProblem<>(stiefel, Kernels.cpu(), aHost, bHost);
            NDArray a = constant(constants, aHost);
            NDArray b = constant(constants, bHost);
            assertAgreement(stiefel, handWritten, options -> AutodiffProblem.of(stiefel,
                    x -> a.matMul(x).sub(b).square().sum(), options));
        }
    }

    @Test
    void dominantSubspaceOnGrassmann() {
        Grassmann<DMatrixRMaj> grassmann = Grassmann.onCpu(60, 4);
        DMatrixRMaj aHost = symmetric(60, SEED);
        Problem<DMatrixRMaj> handWritten = new DominantSubspaceProblem<>(grassmann, Kernels.cpu(), aHost, 4);
        NDArray a = constant(constants, aHost);
        assertAgreement(grassmann, handWritten, options -> AutodiffProblem.of(grassmann,
                x -> x.mul(a.matMul(x)).sum().neg(), options));
    }

    @Test
    void rayleighQuotientOnSphere() {
        Sphere<DMatrixRMaj> sphere = Sphere.onCpu(40, 1);
        DMatrixRMaj aHost = symmetric(40, SEED);
        Problem<DMatrixRMaj> handWritten = new RayleighQuotientProblem<>(sphere, Kernels.cpu(), aHost, false);
        NDArray a = constant(constants, aHost);
        assertAgreement(sphere, handWritten, options -> AutodiffProblem.of(sphere,
                x -> x.mul(a.matMul(x)).sum(), options));
    }

    /**
     * Problem (7) of Markou, Ajanthan, Gould (NeurIPS 2024), docs/mathematics.md section 2:
     * {@code ||Ht - U Mt||^2 + (delta/2) ||U - Uprox||^2}, {@code Mt = Mc / sqrt(C - 1)}.
     */
    @Test
    void nearestEtfProblem7() {
        int d = 64;
        int classes = 10;
        double delta = 1e-3;
        try (Stiefel<DMatrixRMaj> stiefel = new Stiefel<>(Kernels.cpu(), d, classes, StiefelRetraction.QR)) {
            DMatrixRMaj means = TestMatrices.gaussian(d, classes, SEED);
            DMatrixRMaj target = CommonOps_DDRM.mult(means, TestMatrices.centring(classes), null);
            CommonOps_DDRM.divide(target, org.ejml.dense.row.NormOps_DDRM.normF(target));
            DMatrixRMaj proximal = TestMatrices.stiefelPoint(d, classes, SEED + 1);
            NearestEtfProblem<DMatrixRMaj> handWritten = new NearestEtfProblem<>(Kernels.cpu(), stiefel, d, classes);
            handWritten.setTarget(target);
            handWritten.setProximal(delta, proximal);
            DMatrixRMaj standardHost = TestMatrices.centring(classes);
            CommonOps_DDRM.divide(standardHost, Math.sqrt(classes - 1.0));
            NDArray ht = constant(constants, target);
            NDArray uprox = constant(constants, proximal);
            NDArray standard = constant(constants, standardHost);
            assertAgreement(stiefel, handWritten, options -> AutodiffProblem.of(stiefel,
                    u -> ht.sub(u.matMul(standard)).square().sum()
                            .add(u.sub(uprox).square().sum().mul(delta / 2)), options));
        }
    }

    @Test
    void coupledCostOnStiefelTimesEuclideanTimesSphere() {
        try (Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(30, 4)) {
            Product<DMatrixRMaj> product = new Product<>(List.of(stiefel, Euclidean.onCpu(4, 6), Sphere.onCpu(8, 1)));
            DMatrixRMaj aHost = TestMatrices.gaussian(12, 30, SEED);
            DMatrixRMaj bHost = TestMatrices.gaussian(12, 6, SEED + 1);
            DMatrixRMaj cHost = symmetric(8, SEED + 2);
            Problem<ProductPoint<DMatrixRMaj>> handWritten = new CoupledProductProblem(product, aHost, bHost, cHost);
            NDArray a = constant(constants, aHost);
            NDArray b = constant(constants, bHost);
            NDArray c = constant(constants, cHost);
            assertAgreement(product, handWritten, options -> AutodiffProblem.of(product, x -> {
                NDArray residual = a.matMul(x.get(0)).matMul(x.get(1)).sub(b);
                NDArray z = x.get(2);
                return residual.square().sum().add(z.transpose().matMul(c.matMul(z)).sum());
            }, options));
        }
    }

    /**
     * Cost, gradient and both Hessian methods against the hand-written problem at a random point
     * along a Gaussian ambient direction, then Manopt's derivative checks on the automatic problem.
     */
    private static <P> void assertAgreement(Manifold<P> manifold, Problem<P> handWritten,
            Function<AutodiffOptions, AutodiffProblem<P>> build) {
        SplittableRandom random = new SplittableRandom(SEED);
        P x = manifold.allocate();
        manifold.randomPoint(random, x);
        P v = gaussianLike(manifold, x, random);
        P expected = manifold.allocate();
        P actual = manifold.allocate();
        try (AutodiffProblem<P> automatic = build.apply(AutodiffOptions.defaults())) {
            assertSame(HessianMethod.DOUBLE_BACKWARD, automatic.hessianMethod());
            double cost = handWritten.cost(x);
            assertEquals(cost, automatic.cost(x), EXACT * Math.abs(cost), "cost");

            handWritten.euclideanGradient(x, expected);
            automatic.euclideanGradient(x, actual);
            double gradientError = relativeError(actual, expected);
            assertTrue(gradientError <= EXACT, "gradient: relative error " + gradientError);

            handWritten.euclideanHessian().orElseThrow().apply(x, v, expected);
            automatic.euclideanHessian().orElseThrow().apply(x, v, actual);
            double hessianError = relativeError(actual, expected);
            assertTrue(hessianError <= EXACT, "Hessian-vector product: relative error " + hessianError);

            DerivativeCheck.TaylorReport gradientCheck = DerivativeCheck.gradient(automatic, x, random);
            assertTrue(gradientCheck.passed(), "gradient check: slope " + gradientCheck.slope());
            DerivativeCheck.TaylorReport hessianCheck = DerivativeCheck.hessian(automatic, x, random);
            assertTrue(hessianCheck.passed(), "Hessian check: slope " + hessianCheck.slope());
        }
        try (AutodiffProblem<P> differences = build.apply(
                AutodiffOptions.defaults().withHessianMethod(HessianMethod.FINITE_DIFFERENCE_OF_GRADIENTS))) {
            assertSame(HessianMethod.FINITE_DIFFERENCE_OF_GRADIENTS, differences.hessianMethod());
            handWritten.euclideanHessian().orElseThrow().apply(x, v, expected);
            differences.euclideanHessian().orElseThrow().apply(x, v, actual);
            double error = relativeError(actual, expected);
            assertTrue(error <= FINITE_DIFFERENCE, "finite-difference Hessian-vector product: relative error " + error);
        }
    }

    /** Gaussian entries in every factor, shaped like {@code like}. */
    @SuppressWarnings("unchecked")
    private static <P> P gaussianLike(Manifold<P> manifold, P like, SplittableRandom random) {
        P out = manifold.allocate();
        for (DMatrixRMaj factor : factors(out)) {
            DMatrixRMaj gaussian = TestMatrices.gaussian(factor.numRows, factor.numCols, random);
            factor.setTo(gaussian);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<DMatrixRMaj> factors(Object point) {
        if (point instanceof DMatrixRMaj matrix) {
            return List.of(matrix);
        }
        return ((ProductPoint<DMatrixRMaj>) point).components();
    }

    /** A symmetric matrix with standard normal entries (symmetrised). */
    static DMatrixRMaj symmetric(int n, long seed) {
        DMatrixRMaj g = TestMatrices.gaussian(n, n, seed);
        DMatrixRMaj out = new DMatrixRMaj(n, n);
        CommonOps_DDRM.transpose(g, out);
        CommonOps_DDRM.addEquals(out, g);
        CommonOps_DDRM.scale(0.5, out);
        return out;
    }

}
