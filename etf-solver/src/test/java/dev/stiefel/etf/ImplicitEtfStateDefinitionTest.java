package dev.stiefel.etf;

import dev.stiefel.ddn.BackwardMethod;
import dev.stiefel.testkit.TestMatrices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ImplicitEtfState} step by step against the definitions of docs/mathematics.md
 * section 4, written out here with nothing of the production code:
 * <ul>
 *   <li>EMA, entry by entry: {@code E_t[:, c] = a_t Hbar_t[:, c] + (1 - a_t) E_{t-1}[:, c]} for
 *   the classes present, {@code E_{t-1}[:, c]} for the others, {@code a_t = max(2/(t+1), floor)};</li>
 *   <li>{@code Ht = E_t / ||E_t||_F};</li>
 *   <li>solution: {@code U*_t = polar((2/sqrt(C-1)) Ht Mc + delta U*_{t-1})} for {@code t >= 2}
 *   (polar factor from an SVD), and at {@code t = 1} the fixed point
 *   {@code U*_1 = polar((2/sqrt(C-1)) Ht Mc + delta U*_1)} ((7) with {@code Uprox = U6} returns
 *   {@code U6});</li>
 *   <li>backward: {@code dL/dHbar_t} against five-point finite differences of
 *   {@code Hbar_t -> <Vbar, polar((2/sqrt(C-1)) normalise(EMA(Hbar_t)) Mc + delta Uprox)>} with
 *   {@code Uprox} and {@code E_{t-1}} constants, so absent classes get exactly no gradient.</li>
 * </ul>
 * Several steps, classes missing from batches, every backward method, both host backends,
 * and a floor that takes over from {@code 2/(t+1)}.
 */
class ImplicitEtfStateDefinitionTest {

    /** The EMA is a + b of two products, each rounded once, in the order written here. */
    private static final double EMA_TOLERANCE = 1e-15;
    /** {@code Ht}: one norm and one division per entry. */
    private static final double NORMALISED_TOLERANCE = 1e-14;
    /** The polar factor's sensitivity is cond(G) ~ 1/delta = 1e3 times the rounding of G. */
    private static final double SOLUTION_TOLERANCE = 1e-10;
    /** Five-point stencil (h = 1e-3) through a polar factor of conditioning ~1e3. */
    private static final double GRADIENT_TOLERANCE = 1e-7;
    private static final double FLOOR = 0.3;
    private static final int STEPS = 6;

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("ejml", 9, 4, BackwardMethod.CLOSED_FORM, 11L),
                Arguments.of("cpu", 16, 6, BackwardMethod.CLOSED_FORM, 12L),
                Arguments.of("cpu", 12, 5, BackwardMethod.MATRIX_FREE, 13L),
                Arguments.of("ejml", 8, 4, BackwardMethod.DENSE, 14L),
                Arguments.of("cpu", 8, 4, BackwardMethod.DENSE_KRONECKER, 15L),
                Arguments.of("cpu", 5, 5, BackwardMethod.CLOSED_FORM, 16L));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void eachStepFollowsTheDefinitions(String backend, int dimension, int numClasses, BackwardMethod method,
            long seed) {
        EtfOptions options = EtfOptions.defaults().withBackwardMethod(method).withEmaFloor(FLOOR);
        try (DenseKernels<DMatrixRMaj> kernels = backend.equals("ejml") ? Kernels.ejml() : Kernels.cpu();
                Stiefel<DMatrixRMaj> manifold = new Stiefel<>(kernels, dimension, numClasses, StiefelRetraction.QR);
                ImplicitEtfState<DMatrixRMaj> state = new ImplicitEtfState<>(kernels, manifold, dimension,
                        numClasses, options)) {
            SplittableRandom random = new SplittableRandom(seed);
            DMatrixRMaj average = new DMatrixRMaj(dimension, numClasses);
            DMatrixRMaj previousSolution = null;
            for (int step = 1; step <= STEPS; step++) {
                DMatrixRMaj batch = TestMatrices.gaussian(dimension, numClasses, random);
                boolean[] present = new boolean[numClasses];
                for (int label = 0; label < numClasses; label++) {
                    // the first step sees every class but the last; later steps drop classes at random
                    present[label] = step == 1 ? label < numClasses - 1 : random.nextInt(4) != 0;
                }
                present[0] = true;
                DMatrixRMaj before = average.copy();
                double rate = Math.max(2.0 / (step + 1), FLOOR);
                for (int row = 0; row < dimension; row++) {
                    for (int label = 0; label < numClasses; label++) {
                        if (present[label]) {
                            average.set(row, label,
                                    rate * batch.get(row, label) + (1 - rate) * before.get(row, label));
                        }
                    }
                }
                state.advance(batch, present);

                assertEquals(step, state.step());
                assertEquals(rate, state.lastRate(), 0.0);
                double scale = CommonOps_DDRM.elementMaxAbs(average);
                assertTrue(TestMatrices.maxAbsDifference(average, state.movingAverage()) <= EMA_TOLERANCE * scale,
                        () -> "EMA differs by " + TestMatrices.maxAbsDifference(average, state.movingAverage()));
                DMatrixRMaj normalised = normalise(average);
                assertTrue(TestMatrices.maxAbsDifference(normalised, state.normalisedMeans()) <= NORMALISED_TOLERANCE);

                DMatrixRMaj solution = state.solution().copy();
                DMatrixRMaj proximal = step == 1 ? solution : previousSolution;
                DMatrixRMaj expected = polar(procrustes(normalised, proximal, options.delta()));
                assertTrue(TestMatrices.maxAbsDifference(expected, solution) <= SOLUTION_TOLERANCE,
                        () -> "solution differs by " + TestMatrices.maxAbsDifference(expected, solution));

                DMatrixRMaj upstream = TestMatrices.gaussian(dimension, numClasses, random);
                DMatrixRMaj analytic = state.backward(upstream, new DMatrixRMaj(1, 1)).copy();
                DMatrixRMaj numeric = TestMatrices.fivePointGradient(
                        means -> TestMatrices.dot(upstream, polar(procrustes(
                                normalise(movingAverage(means, before, present, rate)), proximal,
                                options.delta()))),
                        batch);
                assertTrue(TestMatrices.relativeError(analytic, numeric) < GRADIENT_TOLERANCE,
                        () -> "dL/dHbar relative error " + TestMatrices.relativeError(analytic, numeric));
                for (int label = 0; label < numClasses; label++) {
                    if (!present[label]) {
                        for (int row = 0; row < dimension; row++) {
                            assertEquals(0.0, analytic.get(row, label), 0.0, "absent class gets no gradient");
                        }
                    }
                }
                previousSolution = solution;
            }
        }
    }

    /** The EMA of the definition with {@code E_{t-1}} given. */
    private static DMatrixRMaj movingAverage(DMatrixRMaj batch, DMatrixRMaj previous, boolean[] present, double rate) {
        DMatrixRMaj out = previous.copy();
        for (int row = 0; row < out.numRows; row++) {
            for (int label = 0; label < out.numCols; label++) {
                if (present[label]) {
                    out.set(row, label, rate * batch.get(row, label) + (1 - rate) * previous.get(row, label));
                }
            }
        }
        return out;
    }

    private static DMatrixRMaj normalise(DMatrixRMaj a) {
        double sum = 0;
        for (double value : a.data) {
            sum += value * value;
        }
        DMatrixRMaj out = a.copy();
        CommonOps_DDRM.scale(1.0 / Math.sqrt(sum), out);
        return out;
    }

    /** {@code G = (2/sqrt(C-1)) Ht Mc + delta Uprox}, the centring written as subtracting row means. */
    private static DMatrixRMaj procrustes(DMatrixRMaj normalised, DMatrixRMaj proximal, double delta) {
        int rows = normalised.numRows;
        int cols = normalised.numCols;
        double factor = 2.0 / Math.sqrt(cols - 1.0);
        DMatrixRMaj out = new DMatrixRMaj(rows, cols);
        for (int row = 0; row < rows; row++) {
            double mean = 0;
            for (int col = 0; col < cols; col++) {
                mean += normalised.get(row, col) / cols;
            }
            for (int col = 0; col < cols; col++) {
                out.set(row, col, factor * (normalised.get(row, col) - mean) + delta * proximal.get(row, col));
            }
        }
        return out;
    }

    /** {@code U_G V_G^T} from EJML's thin SVD. */
    private static DMatrixRMaj polar(DMatrixRMaj g) {
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(g.numRows, g.numCols,
                true, true, true);
        if (!svd.decompose(g.copy())) {
            throw new ArithmeticException("SVD failed");
        }
        DMatrixRMaj u = svd.getU(null, false);
        DMatrixRMaj v = svd.getV(null, false);
        DMatrixRMaj out = new DMatrixRMaj(g.numRows, g.numCols);
        CommonOps_DDRM.multTransB(u, v, out);
        return out;
    }
}
