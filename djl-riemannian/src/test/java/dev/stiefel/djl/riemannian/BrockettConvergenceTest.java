package dev.stiefel.djl.riemannian;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.LocalParameterServer;
import ai.djl.training.ParameterStore;
import ai.djl.training.tracker.Tracker;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.solver.SolverResult;
import dev.stiefel.solver.TrustRegions;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Brockett's cost {@code tr(X^T A X N)} on {@code St(10, 3)}, written as a DJL block and
 * minimised in DJL's own training machinery (gradient collector, parameter store and its local
 * parameter server, which call {@code Optimizer.update}), in float64:
 * both optimisers reach the optimum manifold-core's {@link TrustRegions} finds, to
 * {@value #RELATIVE_COST_TOLERANCE} relative. Along the way, the Euclidean gradient DJL's
 * autograd produces, projected by the constraint, equals manifold-core's Riemannian gradient of
 * {@link BrockettProblem} ({@code P_X(2 A X N)}).
 */
class BrockettConvergenceTest {

    private static final int N = 10;
    private static final int P = 3;
    private static final double RELATIVE_COST_TOLERANCE = 1e-8;
    private static final double GRADIENT_TOLERANCE = 1e-12;
    private static final double POINT_DEFECT = 1e-12;

    /** The optimisers and the settings that converge here. */
    enum Method {
        SGD_NESTEROV(1500), ADAM(2000), AMSGRAD(600);

        final int steps;

        Method(int steps) {
            this.steps = steps;
        }

        RiemannianOptimizer build(BrockettBlock block) {
            return switch (this) {
                case SGD_NESTEROV -> RiemannianSgd.builder().setLearningRateTracker(Tracker.fixed(0.01f))
                        .optMomentum(0.9).optNesterov(true).constrain(block.point(), ManifoldConstraint.stiefelColumns())
                        .build();
                // Adam's steps keep a length of about eta however small the gradient, so eta decays.
                case ADAM -> RiemannianAdam.builder()
                        .setLearningRateTracker(Tracker.factor().setBaseValue(0.05f).setFactor(0.999f).build())
                        .constrain(block.point(), ManifoldConstraint.stiefelColumns()).build();
                // AMSGrad's denominator never decreases: its steps shrink with the gradient.
                case AMSGRAD -> RiemannianAdam.builder().setLearningRateTracker(Tracker.fixed(0.1f)).optAmsgrad(true)
                        .constrain(block.point(), ManifoldConstraint.stiefelColumns()).build();
            };
        }
    }

    private NDManager manager;
    private DMatrixRMaj a;
    private DMatrixRMaj weights;

    @BeforeEach
    void createProblem() {
        manager = NDManager.newBaseManager();
        SplittableRandom random = new SplittableRandom(31);
        // A = Q diag(1, ..., n) Q^T with a Haar Q: unit eigengaps, a well-conditioned minimiser.
        DMatrixRMaj q = new DMatrixRMaj(N, N);
        try (Stiefel<DMatrixRMaj> orthogonal = new Stiefel<>(Kernels.ejml(), N, N, StiefelRetraction.QR)) {
            orthogonal.randomPoint(random, q);
        }
        DMatrixRMaj spectrum = new DMatrixRMaj(N, N);
        for (int i = 0; i < N; i++) {
            spectrum.set(i, i, i + 1.0);
        }
        a = new DMatrixRMaj(N, N);
        CommonOps_DDRM.multTransB(CommonOps_DDRM.mult(q, spectrum, null), q, a);
        CommonOps_DDRM.symmLowerToFull(a);
        weights = new DMatrixRMaj(P, P);
        for (int j = 0; j < P; j++) {
            weights.set(j, j, j + 1.0);
        }
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    private double trustRegionsOptimum() {
        try (Stiefel<DMatrixRMaj> stiefel = new Stiefel<>(Kernels.ejml(), N, P, StiefelRetraction.QR);
                TrustRegions<DMatrixRMaj> solver = new TrustRegions<>()) {
            SolverResult<DMatrixRMaj> result = solver.solve(new BrockettProblem<>(stiefel, Kernels.ejml(), a, weights));
            assertTrue(result.converged(), result.summary());
            return result.cost();
        }
    }

    private NDList inputs() {
        NDArray weightRow = manager.create(new double[] {weights.get(0, 0), weights.get(1, 1), weights.get(2, 2)},
                new Shape(1, P));
        return new NDList(manager.create(a.data, new Shape(N, N)), weightRow);
    }

    private double cost(NDArray point) {
        DMatrixRMaj x = DMatrixRMaj.wrap(N, P, HostArrays.toDoubles(point));
        DMatrixRMaj ax = CommonOps_DDRM.mult(a, x, null);
        return CommonOps_DDRM.trace(CommonOps_DDRM.mult(CommonOps_DDRM.multTransA(x, ax, null), weights, null));
    }

    @ParameterizedTest
    @EnumSource(Method.class)
    void reachesTheTrustRegionsOptimum(Method method) {
        double optimum = trustRegionsOptimum();
        BrockettBlock block = new BrockettBlock(N, P);
        block.point().setInitializer(ManifoldInitializer.of(ManifoldConstraint.stiefelColumns(), 7));
        try (RiemannianOptimizer optimizer = method.build(block)) {
            // What Trainer.step runs after its first-step gradient check, which reads the sum of
            // the gradients with getFloat() and so rejects float64 models in DJL 0.35.1.
            ParameterStore parameterStore = new ParameterStore(manager, false);
            parameterStore.setParameterServer(new LocalParameterServer(optimizer), new Device[] {Device.cpu()});
            block.initialize(manager, DataType.FLOAT64, new Shape(N, N), new Shape(1, P));
            NDList inputs = inputs();
            double start = cost(block.point().getArray());
            for (int step = 0; step < method.steps; step++) {
                try (GradientCollector collector = manager.getEngine().newGradientCollector();
                        NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    collector.backward(block.forward(parameterStore, inputs, true).singletonOrThrow());
                }
                parameterStore.updateAllParameters();
            }
            NDArray point = block.point().getArray();
            double reached = cost(point);
            assertTrue(start - optimum > 1.0, "the start is far from the optimum: " + start + " vs " + optimum);
            assertEquals(optimum, reached, RELATIVE_COST_TOLERANCE * Math.abs(optimum),
                    method + " from " + start + ": " + reached + ", trust regions " + optimum);
            assertTrue(ManifoldConstraint.stiefelColumns().defect(point) <= POINT_DEFECT);
        }
    }

    /** DJL's autograd gradient of the block, projected by the constraint, is manifold-core's Riemannian gradient. */
    @Test
    void theRiemannianGradientIsManifoldCoresOfTheSameCost() {
        try (Stiefel<DMatrixRMaj> stiefel = new Stiefel<>(Kernels.ejml(), N, P, StiefelRetraction.QR)) {
            DMatrixRMaj x = stiefel.allocate();
            stiefel.randomPoint(new SplittableRandom(3), x);
            BrockettProblem<DMatrixRMaj> problem = new BrockettProblem<>(stiefel, Kernels.ejml(), a, weights);
            DMatrixRMaj euclidean = stiefel.allocate();
            problem.euclideanGradient(x, euclidean);
            DMatrixRMaj expected = stiefel.allocate();
            stiefel.euclideanToRiemannianGradient(x, euclidean, expected);

            BrockettBlock block = new BrockettBlock(N, P);
            block.point().setInitializer((unused, shape, type) -> manager.create(x.data, shape));
            block.initialize(manager, DataType.FLOAT64, new Shape(N, N), new Shape(1, P));
            NDArray point = block.point().getArray();
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                collector.backward(block.forward(new ParameterStore(manager, false), inputs(), true).singletonOrThrow());
            }
            NDArray riemannian = ManifoldConstraint.stiefelColumns().riemannianGradient(point, point.getGradient());
            double[] actual = HostArrays.toDoubles(riemannian);
            for (int k = 0; k < actual.length; k++) {
                assertEquals(expected.data[k], actual[k], GRADIENT_TOLERANCE, "entry " + k);
            }
        }
    }
}
