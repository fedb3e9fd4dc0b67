package dev.stiefel.etf;

import dev.stiefel.ddn.BackwardMethod;
import dev.stiefel.testkit.TestMatrices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.ddn.DeclarativeBackward;
import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The three ways of differentiating the nearest-ETF solution (docs/mathematics.md section 5: closed form,
 * matrix-free, dense) agree with each other and with the five-point stencil (h = 1e-3) applied
 * to the closed-form solution, {@code L(Ht) = <Vbar, U*(Ht)>}.
 */
class BackwardAgreementTest {

    /** docs/mathematics.md section 5: all must agree to relative error 1e-8 (float64, delta = 1e-3). */
    private static final double AGREEMENT_TOLERANCE = 1e-8;
    private static final double STENCIL_STEP = 1e-3;

    private final DenseKernels<DMatrixRMaj> kernels = Kernels.cpu();

    @ParameterizedTest
    @CsvSource({"12, 5, 1", "40, 10, 2", "64, 20, 3"})
    void closedFormMatrixFreeDenseAndFiniteDifferencesAgree(int dimension, int numClasses, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        NearestEtf<DMatrixRMaj> solver = NearestEtf.onCpu(dimension, numClasses, EtfOptions.defaults());
        DMatrixRMaj means = NearestEtfClosedFormTest.normalisedMeans(dimension, numClasses, random);
        DMatrixRMaj proximal = TestMatrices.haarStiefel(dimension, numClasses, random);
        DMatrixRMaj upstream = TestMatrices.gaussian(dimension, numClasses, random);

        DMatrixRMaj perturbed = means.copy();
        DMatrixRMaj perturbedSolution = new DMatrixRMaj(dimension, numClasses);
        DMatrixRMaj numeric = new DMatrixRMaj(dimension, numClasses);
        for (int index = 0; index < means.getNumElements(); index++) {
            final int entry = index;
            numeric.data[entry] = TestMatrices.fivePoint(step -> {
                perturbed.data[entry] = means.data[entry] + step;
                solver.solve(perturbed, proximal, null, perturbedSolution);
                perturbed.data[entry] = means.data[entry];
                return TestMatrices.dot(upstream, perturbedSolution);
            }, STENCIL_STEP);
        }

        DMatrixRMaj solution = new DMatrixRMaj(dimension, numClasses);
        solver.solve(means, proximal, null, solution);
        DMatrixRMaj[] gradients = new DMatrixRMaj[BackwardMethod.values().length];
        for (BackwardMethod method : BackwardMethod.values()) {
            DeclarativeBackward<DMatrixRMaj> backward = method.create(kernels);
            DMatrixRMaj gradient = backward.vjp(solver.problem(), solution, upstream,
                    new DMatrixRMaj(dimension, numClasses));
            gradients[method.ordinal()] = gradient;
            double error = TestMatrices.relativeError(gradient, numeric);
            assertTrue(error < AGREEMENT_TOLERANCE, () -> method + " vs finite differences: " + error);
        }
        for (BackwardMethod method : BackwardMethod.values()) {
            double error = TestMatrices.relativeError(gradients[method.ordinal()],
                    gradients[BackwardMethod.CLOSED_FORM.ordinal()]);
            assertTrue(error < AGREEMENT_TOLERANCE, () -> method + " vs closed form: " + error);
        }
    }
}
