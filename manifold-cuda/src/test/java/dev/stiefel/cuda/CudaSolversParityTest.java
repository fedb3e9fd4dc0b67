package dev.stiefel.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import dev.stiefel.solver.ConjugateGradient;
import dev.stiefel.solver.ConjugateGradientOptions;
import dev.stiefel.solver.Solver;
import dev.stiefel.solver.SolverResult;
import dev.stiefel.solver.StopReason;
import dev.stiefel.solver.StoppingCriteria;
import dev.stiefel.solver.TrustRegions;
import dev.stiefel.solver.TrustRegionsOptions;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The unchanged generic solvers drive the device Stiefel (float64) to the CPU's answer on the
 * Brockett problem {@code min tr(X^T A X N)}, {@code N = diag(1..p)}: the same start gives the
 * same minimiser, and the optimal cost matches the closed form {@code sum_i i * lambda_(p+1-i)}
 * (eigenvalues of A ascending; Brockett 1991). In float32, trust regions reach the same
 * minimiser to float accuracy (given a float32 start-point tolerance); conjugate gradients are
 * not run in float32, because their line search compares float32 costs and stalls near a
 * gradient norm of 3e-2 (seen on an H100). Skipped without a CUDA device.
 */
class CudaSolversParityTest {

    /** Gradient-norm target of trust regions (second order: reaches it in a few steps). */
    private static final double TRUST_REGIONS_GRADIENT_TOLERANCE = 1e-9;
    /** Gradient-norm target of conjugate gradients, whose line search stalls near 1e-9. */
    private static final double CONJUGATE_GRADIENT_GRADIENT_TOLERANCE = 1e-7;
    /** Relative agreement of the optimal costs (device, CPU, closed form). */
    private static final double COST_TOLERANCE = 1e-10;
    /** float32: gradient-norm target, about sqrt(eps) times the gradient's scale. */
    private static final double FLOAT32_GRADIENT_TOLERANCE = 1e-3;
    /** float32: the start point's orthonormality defect after rounding is about 1e-7. */
    private static final double FLOAT32_POINT_CHECK_TOLERANCE = 1e-5;
    /** float32: relative agreement of the optimal cost with the closed form. */
    private static final double FLOAT32_COST_TOLERANCE = 1e-5;
    /** float32: agreement of the minimisers, about the gradient tolerance over the eigengap. */
    private static final double FLOAT32_POINT_TOLERANCE = 1e-2;
    /**
     * Agreement of the minimisers (column signs aligned) per unit of gradient tolerance: the
     * distance to the minimiser is about the gradient norm over the Hessian's smallest
     * eigenvalue, which for these sizes is above 1e-3.
     */
    private static final double POINT_TOLERANCE_PER_GRADIENT = 1e3;

    static Stream<Arguments> cases() {
        return Stream.of(Arguments.of("trust-regions", StiefelRetraction.QR, 40, 4, CudaPrecision.FLOAT64),
                Arguments.of("trust-regions", StiefelRetraction.POLAR, 200, 10, CudaPrecision.FLOAT64),
                Arguments.of("conjugate-gradient", StiefelRetraction.QR, 40, 4, CudaPrecision.FLOAT64),
                Arguments.of("conjugate-gradient", StiefelRetraction.POLAR, 120, 6, CudaPrecision.FLOAT64),
                Arguments.of("trust-regions", StiefelRetraction.QR, 40, 4, CudaPrecision.FLOAT32));
    }

    private static double gradientTolerance(String solverName, CudaPrecision precision) {
        if (precision == CudaPrecision.FLOAT32) {
            return FLOAT32_GRADIENT_TOLERANCE;
        }
        return solverName.equals("trust-regions") ? TRUST_REGIONS_GRADIENT_TOLERANCE
                : CONJUGATE_GRADIENT_GRADIENT_TOLERANCE;
    }

    private static <M> Solver<M> solver(String name, CudaPrecision precision) {
        StoppingCriteria stopping = StoppingCriteria.defaults()
                .withMinGradientNorm(gradientTolerance(name, precision)).withMaxIterations(5000);
        double pointCheck = precision == CudaPrecision.FLOAT32 ? FLOAT32_POINT_CHECK_TOLERANCE
                : TrustRegionsOptions.defaults().pointTolerance();
        return name.equals("trust-regions")
                ? new TrustRegions<>(TrustRegionsOptions.defaults().withStopping(stopping).withRecordHistory(false)
                        .withPointTolerance(pointCheck))
                : new ConjugateGradient<>(ConjugateGradientOptions.defaults().withStopping(stopping)
                        .withRecordHistory(false).withPointTolerance(pointCheck));
    }

    private static <M> SolverResult<M> run(DenseKernels<M> kernels, String solverName, CudaPrecision precision,
            StiefelRetraction retraction, DMatrixRMaj a, DMatrixRMaj weights, DMatrixRMaj start,
            DMatrixRMaj solution) {
        int n = a.numRows;
        int p = weights.numRows;
        Stiefel<M> stiefel = new Stiefel<>(kernels, n, p, retraction);
        BrockettProblem<M> problem = new BrockettProblem<>(stiefel, kernels, a, weights);
        M x0 = kernels.fromHost(start);
        M x = stiefel.allocate();
        SolverResult<M> result = CudaSolversParityTest.<M>solver(solverName, precision).solve(problem, x0, x);
        kernels.toHost(x, solution);
        kernels.free(x0);
        stiefel.free(x);
        return result;
    }

    @ParameterizedTest(name = "{0}, {1} retraction, St({2}, {3}), {4}")
    @MethodSource("cases")
    void deviceSolverReachesTheCpuMinimiser(String solverName, StiefelRetraction retraction, int n, int p,
            CudaPrecision precision) {
        CudaKernels device = new CudaKernels(CudaTestSupport.binding(), precision);
        boolean single = precision == CudaPrecision.FLOAT32;
        SplittableRandom random = new SplittableRandom(n * 31L + p);
        DMatrixRMaj a = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double value = random.nextGaussian();
                a.set(i, j, value);
                a.set(j, i, value);
            }
        }
        DMatrixRMaj weights = new DMatrixRMaj(p, p);
        for (int i = 0; i < p; i++) {
            weights.set(i, i, i + 1.0);
        }
        DMatrixRMaj start = new DMatrixRMaj(n, p);
        Stiefel.onCpu(n, p).randomPoint(random, start);

        DMatrixRMaj cpuSolution = new DMatrixRMaj(n, p);
        DMatrixRMaj deviceSolution = new DMatrixRMaj(n, p);
        SolverResult<DMatrixRMaj> cpuResult = run(Kernels.ejml(), solverName, CudaPrecision.FLOAT64, retraction, a,
                weights, start, cpuSolution);
        SolverResult<CudaMatrix> deviceResult = run(device, solverName, precision, retraction, a, weights, start,
                deviceSolution);
        device.close();

        assertEquals(StopReason.GRADIENT_NORM, cpuResult.stopReason(), "CPU run converged");
        assertEquals(StopReason.GRADIENT_NORM, deviceResult.stopReason(), "device run converged");
        double[] eigenvalues = new double[n];
        Kernels.ejml().symmetricEigen(a, new DMatrixRMaj(n, n), eigenvalues);
        Arrays.sort(eigenvalues);
        double optimum = 0;
        for (int i = 1; i <= p; i++) {
            optimum += i * eigenvalues[p - i];
        }
        double scale = Math.abs(optimum);
        assertTrue(Math.abs(cpuResult.cost() - optimum) <= COST_TOLERANCE * scale,
                "CPU cost " + cpuResult.cost() + " vs closed form " + optimum);
        assertTrue(Math.abs(deviceResult.cost() - optimum) <= (single ? FLOAT32_COST_TOLERANCE : COST_TOLERANCE) * scale,
                "device cost " + deviceResult.cost() + " vs closed form " + optimum);

        // The minimiser is unique up to column signs (distinct weights, simple eigenvalues).
        for (int j = 0; j < p; j++) {
            double dot = 0;
            for (int i = 0; i < n; i++) {
                dot += cpuSolution.get(i, j) * deviceSolution.get(i, j);
            }
            if (dot < 0) {
                for (int i = 0; i < n; i++) {
                    deviceSolution.set(i, j, -deviceSolution.get(i, j));
                }
            }
        }
        DMatrixRMaj difference = cpuSolution.copy();
        CommonOps_DDRM.subtractEquals(difference, deviceSolution);
        double pointTolerance = single ? FLOAT32_POINT_TOLERANCE
                : POINT_TOLERANCE_PER_GRADIENT * gradientTolerance(solverName, precision);
        assertTrue(NormOps_DDRM.normF(difference) <= pointTolerance,
                "device and CPU minimisers differ by " + NormOps_DDRM.normF(difference));
    }
}
