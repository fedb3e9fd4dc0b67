package dev.stiefel.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.ddn.BackwardMethod;
import dev.stiefel.ddn.DeclarativeBackward;
import dev.stiefel.etf.ClassifierHead;
import dev.stiefel.etf.EtfOptions;
import dev.stiefel.etf.EtfSolverMethod;
import dev.stiefel.etf.ImplicitEtfHead;
import dev.stiefel.etf.ImplicitEtfState;
import dev.stiefel.etf.NearestEtf;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Everything that runs on the device gives its device memory back: a nearest-ETF solve (each
 * method), a backward (each method) and a training step of the implicit ETF state and head (each
 * backward method; the other heads never touch a backend) leave
 * {@link CudaBinding#liveDeviceBytes()} where it was before, once each object, its manifold and
 * the kernels are closed and the test's own matrices freed. The solve, state and head cases
 * also check that the work held device memory while it ran. Skipped without a CUDA device.
 */
class CudaDeviceMemoryTest {

    private static final int DIMENSION = 64;
    private static final int CLASSES = 10;
    private static final int BATCH = 40;

    /** The work of one case, on fresh float64 kernels; it closes and frees all it makes. */
    private interface DeviceWork {
        void run(CudaKernels kernels, SplittableRandom random) throws Exception;
    }

    private static void assertGivesBackDeviceMemory(String what, long seed, DeviceWork work) throws Exception {
        CudaBinding binding = CudaTestSupport.binding();
        long before = binding.liveDeviceBytes();
        CudaKernels kernels = new CudaKernels(binding, CudaPrecision.FLOAT64);
        try {
            work.run(kernels, new SplittableRandom(seed));
        } finally {
            kernels.close();
        }
        long kept = binding.liveDeviceBytes() - before;
        assertEquals(0, kept, what + " kept " + kept + " bytes of device memory after close()");
    }

    /** Device memory held now beyond {@code before}: the work under test did reach the device. */
    private static void assertHolds(CudaKernels kernels, long before, String what) {
        assertTrue(kernels.liveDeviceBytes() > before, what + " holds no device memory while it runs");
    }

    @ParameterizedTest
    @EnumSource(value = EtfSolverMethod.class, names = "GIVEN_SOLVER", mode = EnumSource.Mode.EXCLUDE)
    void nearestEtfSolve(EtfSolverMethod method) throws Exception {
        assertGivesBackDeviceMemory("a nearest-ETF solve by " + method, 41, (kernels, random) -> {
            long before = kernels.liveDeviceBytes();
            try (Stiefel<CudaMatrix> stiefel = stiefel(kernels);
                    NearestEtf<CudaMatrix> etf = new NearestEtf<>(kernels, stiefel, DIMENSION, CLASSES,
                            EtfOptions.defaults().withMethod(method))) {
                CudaMatrix solution = stiefel.allocate();
                solve(kernels, stiefel, etf, random, solution);
                assertHolds(kernels, before, "the solve");
                stiefel.free(solution);
            }
        });
    }

    @ParameterizedTest
    @EnumSource(BackwardMethod.class)
    void backward(BackwardMethod method) throws Exception {
        assertGivesBackDeviceMemory("the " + method + " backward of a nearest-ETF solve", 42, (kernels, random) -> {
            // solved by trust regions, so that only the solve case above answers for the closed
            // form's own factorisation
            try (Stiefel<CudaMatrix> stiefel = stiefel(kernels);
                    NearestEtf<CudaMatrix> etf = new NearestEtf<>(kernels, stiefel, DIMENSION, CLASSES,
                            EtfOptions.defaults().withMethod(EtfSolverMethod.TRUST_REGIONS))) {
                CudaMatrix solution = stiefel.allocate();
                solve(kernels, stiefel, etf, random, solution);
                CudaMatrix upstream = kernels.fromHost(gaussian(DIMENSION, CLASSES, random));
                CudaMatrix gradient = kernels.create(DIMENSION, CLASSES);
                // the dense methods assemble their KKT systems on the host and may hold no device
                // memory of their own: no check that this one holds some
                try (DeclarativeBackward<CudaMatrix> backward = method.create(kernels)) {
                    backward.vjp(etf.problem(), solution, upstream, gradient);
                    backward.vjp(etf.problem(), solution, upstream, gradient);
                }
                kernels.free(upstream);
                kernels.free(gradient);
                stiefel.free(solution);
            }
        });
    }

    @ParameterizedTest
    @EnumSource(BackwardMethod.class)
    void implicitStateTrainingStep(BackwardMethod method) throws Exception {
        assertGivesBackDeviceMemory("an implicit ETF state with the " + method + " backward", 43, (kernels, random) -> {
            long before = kernels.liveDeviceBytes();
            try (Stiefel<CudaMatrix> stiefel = stiefel(kernels);
                    ImplicitEtfState<CudaMatrix> state = new ImplicitEtfState<>(kernels, stiefel, DIMENSION, CLASSES,
                            EtfOptions.defaults().withBackwardMethod(method))) {
                boolean[] present = new boolean[CLASSES];
                Arrays.fill(present, true);
                state.advance(gaussian(DIMENSION, CLASSES, random), present);
                CudaMatrix solutionGradient = kernels.fromHost(gaussian(DIMENSION, CLASSES, random));
                CudaMatrix meansGradient = kernels.create(DIMENSION, CLASSES);
                state.backward(solutionGradient, meansGradient);
                assertHolds(kernels, before, "the state");
                kernels.free(solutionGradient);
                kernels.free(meansGradient);
            }
        });
    }

    @ParameterizedTest
    @EnumSource(BackwardMethod.class)
    void implicitHeadTrainingStep(BackwardMethod method) throws Exception {
        assertGivesBackDeviceMemory("an implicit ETF head with the " + method + " backward", 44, (kernels, random) -> {
            long before = kernels.liveDeviceBytes();
            try (Stiefel<CudaMatrix> stiefel = stiefel(kernels)) {
                ClassifierHead head = new ImplicitEtfHead(kernels, stiefel, DIMENSION, CLASSES,
                        EtfOptions.defaults().withBackwardMethod(method));
                int[] labels = new int[BATCH];
                for (int row = 0; row < BATCH; row++) {
                    labels[row] = row % CLASSES;
                }
                head.forward(gaussian(BATCH, DIMENSION, random), labels, new DMatrixRMaj(1, 1));
                head.backward(gaussian(BATCH, CLASSES, random), new DMatrixRMaj(1, 1));
                assertHolds(kernels, before, "the head");
                close(head);
            }
        });
    }

    /** Problem (7) for Gaussian means and a random proximal point, into {@code solution}. */
    private static void solve(CudaKernels kernels, Stiefel<CudaMatrix> stiefel, NearestEtf<CudaMatrix> etf,
            SplittableRandom random, CudaMatrix solution) {
        CudaMatrix means = kernels.fromHost(gaussian(DIMENSION, CLASSES, random));
        CudaMatrix proximal = stiefel.allocate();
        stiefel.randomPoint(random, proximal);
        etf.solve(means, proximal, null, solution);
        kernels.free(means);
        stiefel.free(proximal);
    }

    /** A head that owns device memory is closeable; one that is not must hold none once used. */
    private static void close(Object owner) throws Exception {
        if (owner instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    private static Stiefel<CudaMatrix> stiefel(CudaKernels kernels) {
        return new Stiefel<>(kernels, DIMENSION, CLASSES, StiefelRetraction.POLAR);
    }

    private static DMatrixRMaj gaussian(int rows, int cols, SplittableRandom random) {
        DMatrixRMaj matrix = new DMatrixRMaj(rows, cols);
        for (int index = 0; index < matrix.data.length; index++) {
            matrix.data[index] = random.nextGaussian();
        }
        return matrix;
    }
}
