package dev.stiefel.ddn;

import dev.stiefel.testkit.TestMatrices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.kernel.OpenBlasKernels;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The backward pass from the forward's eigendecomposition of {@code G^T G} against the
 * SVD-based formula it replaces (written out here on EJML's SVD, independent of the kernels)
 * and against finite differences; ill-conditioned {@code G} falls back to the SVD.
 */
class PolarBackwardFactorisationTest {

    /** Two routes to the same derivative, cond(G) up to 1e3: rounding times cond^2 at most. */
    private static final double ROUTE_TOLERANCE = 1e-9;
    /** Agreement with the five-point stencil. */
    private static final double FINITE_DIFFERENCE_TOLERANCE = 1e-8;

    @ParameterizedTest
    @CsvSource({"12, 5, 1, 1", "40, 10, 2, 10", "64, 64, 3, 100", "200, 150, 4, 1000", "9, 1, 5, 1"})
    void eigenRouteEqualsTheSvdFormula(int d, int c, long seed, double condition) {
        assumeTrue(OpenBlasKernels.isAvailable(), "the eigen route is OpenBLAS's");
        Random random = new Random(seed);
        DMatrixRMaj g = withCondition(d, c, condition, random);
        DMatrixRMaj upstream = TestMatrices.gaussian(d, c, random);
        PolarBackward<DMatrixRMaj> backward = new PolarBackward<>(Kernels.openBlas());
        DMatrixRMaj polar = backward.forward(g, new DMatrixRMaj(d, c));
        assertEquals(PolarBackward.Factorisation.GRAM_EIGEN, backward.factorisation());
        DMatrixRMaj gradient = backward.backward(upstream, new DMatrixRMaj(d, c));
        double error = TestMatrices.relativeError(gradient, svdFormula(g, upstream));
        assertTrue(error < ROUTE_TOLERANCE, "relative error " + error);
        assertTrue(TestMatrices.relativeError(polar, svdPolar(g)) < ROUTE_TOLERANCE);
    }

    @ParameterizedTest
    @CsvSource({"30, 8, 11", "16, 16, 12"})
    void eigenRouteMatchesFiniteDifferences(int d, int c, long seed) {
        Random random = new Random(seed);
        DMatrixRMaj g = withCondition(d, c, 4, random);
        DMatrixRMaj upstream = TestMatrices.gaussian(d, c, random);
        DenseKernels<DMatrixRMaj> kernels = Kernels.cpu();
        DMatrixRMaj gradient = new PolarBackward<>(kernels).vjp(g, upstream, new DMatrixRMaj(d, c));
        DMatrixRMaj reference = TestMatrices.fivePointGradient(x -> TestMatrices.dot(upstream, svdPolar(x)), g);
        double error = TestMatrices.relativeError(gradient, reference);
        assertTrue(error < FINITE_DIFFERENCE_TOLERANCE, "relative error " + error);
    }

    @ParameterizedTest
    @CsvSource({"30, 8, 21, 1e7", "20, 20, 22, 1e9"})
    void illConditionedGFallsBackToTheSvd(int d, int c, long seed, double condition) {
        Random random = new Random(seed);
        DMatrixRMaj g = withCondition(d, c, condition, random);
        DMatrixRMaj upstream = TestMatrices.gaussian(d, c, random);
        for (DenseKernels<DMatrixRMaj> kernels : java.util.List.of(Kernels.cpu(), Kernels.ejml())) {
            PolarBackward<DMatrixRMaj> backward = new PolarBackward<>(kernels);
            backward.forward(g, new DMatrixRMaj(d, c));
            assertEquals(PolarBackward.Factorisation.SVD, backward.factorisation(), kernels.name());
            DMatrixRMaj gradient = backward.backward(upstream, new DMatrixRMaj(d, c));
            // both sides are exact to eps cond(G) relative to the largest term
            double error = TestMatrices.relativeError(gradient, svdFormula(g, upstream));
            assertTrue(error < 1e-15 * condition, kernels.name() + ": relative error " + error);
        }
    }

    @ParameterizedTest
    @CsvSource({"12, 5, 31"})
    void holdsRecognisesOnlyTheDecomposedMatrix(int d, int c, long seed) {
        Random random = new Random(seed);
        DMatrixRMaj g = TestMatrices.gaussian(d, c, random);
        PolarBackward<DMatrixRMaj> backward = new PolarBackward<>(Kernels.cpu());
        assertFalse(backward.holds(g));
        backward.forward(g, new DMatrixRMaj(d, c));
        assertTrue(backward.holds(g.copy()));
        DMatrixRMaj nearby = g.copy();
        nearby.data[7] = Math.nextUp(nearby.data[7]);
        assertFalse(backward.holds(nearby));
    }

    /** {@code Q1 diag(s) Q2^T} with singular values log-spaced from 1 to {@code 1/condition}. */
    private static DMatrixRMaj withCondition(int d, int c, double condition, Random random) {
        DMatrixRMaj left = svdPolar(TestMatrices.gaussian(d, c, random));
        DMatrixRMaj right = svdPolar(TestMatrices.gaussian(c, c, random));
        for (int j = 0; j < c; j++) {
            double s = c == 1 ? 1.0 : Math.pow(condition, -(double) j / (c - 1));
            for (int i = 0; i < d; i++) {
                left.set(i, j, left.get(i, j) * s);
            }
        }
        DMatrixRMaj g = new DMatrixRMaj(d, c);
        CommonOps_DDRM.multTransB(left, right, g);
        return g;
    }

    private static DMatrixRMaj svdPolar(DMatrixRMaj g) {
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(g.numRows, g.numCols,
                true, true, true);
        assertTrue(svd.decompose(g.copy()));
        DMatrixRMaj polar = new DMatrixRMaj(g.numRows, g.numCols);
        CommonOps_DDRM.multTransB(svd.getU(null, false), svd.getV(null, false), polar);
        return polar;
    }

    /**
     * {@code dL/dG = U [(X - X^T)_ij / (s_i + s_j)] V^T + (I - U U^T) Vbar V S^-1 V^T},
     * {@code X = U^T Vbar V}, on EJML's thin SVD: the backward as it was before it reused the
     * forward's factorisation.
     */
    private static DMatrixRMaj svdFormula(DMatrixRMaj g, DMatrixRMaj upstream) {
        int d = g.numRows;
        int c = g.numCols;
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(d, c, true, true, true);
        assertTrue(svd.decompose(g.copy()));
        DMatrixRMaj u = svd.getU(null, false);
        DMatrixRMaj v = svd.getV(null, false);
        double[] s = svd.getSingularValues();
        DMatrixRMaj t = new DMatrixRMaj(d, c);
        CommonOps_DDRM.mult(upstream, v, t);
        DMatrixRMaj x = new DMatrixRMaj(c, c);
        CommonOps_DDRM.multTransA(u, t, x);
        DMatrixRMaj y = new DMatrixRMaj(c, c);
        for (int i = 0; i < c; i++) {
            for (int j = 0; j < c; j++) {
                y.set(i, j, (x.get(i, j) - x.get(j, i)) / (s[i] + s[j]));
            }
        }
        DMatrixRMaj inner = new DMatrixRMaj(d, c);
        CommonOps_DDRM.mult(u, y, inner);
        DMatrixRMaj projected = t.copy();
        CommonOps_DDRM.multAdd(-1.0, u, x, projected);
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < c; j++) {
                inner.add(i, j, projected.get(i, j) / s[j]);
            }
        }
        DMatrixRMaj result = new DMatrixRMaj(d, c);
        CommonOps_DDRM.multTransB(inner, v, result);
        return result;
    }
}
