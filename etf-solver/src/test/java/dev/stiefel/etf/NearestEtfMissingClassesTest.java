package dev.stiefel.etf;

import dev.stiefel.testkit.TestMatrices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Problem (6) when classes were never seen (zero columns of {@code Ht}, docs/mathematics.md section 4.4):
 * {@code G = Ht Mc} has rank {@code C - k}, k > 1. Checked against an independent EJML SVD of G:
 * the minimum of (6) is {@code 2 - ||G||_*} ({@code G = (2/sqrt(C-1)) Ht Mc}, nuclear norm, Procrustes), every
 * admissible completion {@code Ur Vr^T + W Vn^T} attains it, and the nearest one to the start
 * has {@code W^T X} symmetric positive semidefinite, {@code X = P_perp start Vn}.
 */
class NearestEtfMissingClassesTest {

    private static final double ORTHONORMALITY_TOLERANCE = 1e-12;
    private static final double COST_TOLERANCE = 1e-12;
    private static final double TRUST_REGION_COST_TOLERANCE = 1e-10;
    private static final double CLASSIFIER_TOLERANCE = 1e-12;
    private static final double OPTIMALITY_TOLERANCE = 1e-12;
    private static final double RANK_TOLERANCE = 1e-10;
    private static final int ALTERNATIVE_COMPLETIONS = 30;
    private static final double PERTURBATION = 1e-2;

    private final DenseKernels<DMatrixRMaj> kernels = Kernels.cpu();

    private NearestEtf<DMatrixRMaj> solver(int dimension, int numClasses, EtfOptions options) {
        return new NearestEtf<>(kernels, new Stiefel<>(kernels, dimension, numClasses, StiefelRetraction.QR),
                dimension, numClasses, options);
    }

    /** Normalised Gaussian means with the columns of the first {@code missing} classes after 0 zeroed. */
    private static DMatrixRMaj meansMissing(int dimension, int numClasses, int missing, SplittableRandom random) {
        DMatrixRMaj means = TestMatrices.gaussian(dimension, numClasses, random);
        for (int label = 1; label <= missing; label++) {
            for (int row = 0; row < dimension; row++) {
                means.set(row, label, 0.0);
            }
        }
        CommonOps_DDRM.divide(means, NormOps_DDRM.normF(means));
        return means;
    }

    /** Independent split of {@code G = Ht Mc}: [Ur, Vr, Vn] by EJML's SVD with a rank cut. */
    private static final class Split {
        final DMatrixRMaj rangeLeft;
        final DMatrixRMaj rangeRight;
        final DMatrixRMaj nullRight;
        final double nuclearNorm;

        Split(DMatrixRMaj g) {
            int dimension = g.numRows;
            int numClasses = g.numCols;
            SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(dimension, numClasses,
                    true, true, false);
            assertTrue(svd.decompose(g.copy()));
            DMatrixRMaj u = svd.getU(null, false);
            DMatrixRMaj w = svd.getW(null);
            DMatrixRMaj v = svd.getV(null, false);
            SingularOps_DDRM.descendingOrder(u, false, w, v, false);
            double largest = w.get(0, 0);
            int rank = 0;
            double nuclear = 0;
            for (int index = 0; index < numClasses; index++) {
                nuclear += w.get(index, index);
                if (w.get(index, index) > RANK_TOLERANCE * largest) {
                    rank++;
                }
            }
            nuclearNorm = nuclear;
            rangeLeft = CommonOps_DDRM.extract(u, 0, dimension, 0, rank);
            rangeRight = CommonOps_DDRM.extract(v, 0, numClasses, 0, rank);
            nullRight = CommonOps_DDRM.extract(v, 0, numClasses, rank, numClasses);
        }

        int nullity() {
            return nullRight.numCols;
        }

        /** {@code Ur Vr^T + W Vn^T}. */
        DMatrixRMaj completion(DMatrixRMaj w) {
            DMatrixRMaj point = new DMatrixRMaj(rangeLeft.numRows, rangeRight.numRows);
            CommonOps_DDRM.multTransB(rangeLeft, rangeRight, point);
            CommonOps_DDRM.multAddTransB(w, nullRight, point);
            return point;
        }

        /** {@code (I - Ur Ur^T) a}, twice. */
        DMatrixRMaj projectOut(DMatrixRMaj a) {
            DMatrixRMaj out = a.copy();
            DMatrixRMaj coefficients = new DMatrixRMaj(rangeLeft.numCols, a.numCols);
            for (int pass = 0; pass < 2; pass++) {
                CommonOps_DDRM.multTransA(rangeLeft, out, coefficients);
                CommonOps_DDRM.multAdd(-1.0, rangeLeft, coefficients, out);
            }
            return out;
        }

        /** An admissible W: orthonormal columns orthogonal to range(G), from a Gaussian. */
        DMatrixRMaj randomAdmissible(SplittableRandom random) {
            DMatrixRMaj w = projectOut(TestMatrices.gaussian(rangeLeft.numRows, nullity(), random));
            return orthonormalised(w);
        }

        DMatrixRMaj orthonormalised(DMatrixRMaj w) {
            DMatrixRMaj q = TestMatrices.haarStiefelFrom(w);
            return projectOut(q);
        }
    }

    private static double orthonormalityDefect(DMatrixRMaj point) {
        DMatrixRMaj gram = TestMatrices.gram(point);
        for (int index = 0; index < point.numCols; index++) {
            gram.add(index, index, -1.0);
        }
        return NormOps_DDRM.normF(gram);
    }

    /** Checks global optimality and nearest-to-start of {@code solution} against the independent split. */
    private void assertNearestGlobalMinimiser(NearestEtf<DMatrixRMaj> solver, DMatrixRMaj start, DMatrixRMaj solution,
            double cost, int expectedNullity, SplittableRandom random) {
        int numClasses = solution.numCols;
        DMatrixRMaj g = solver.problem().procrustesMatrix(new DMatrixRMaj(solution.numRows, numClasses));
        Split split = new Split(g);
        assertEquals(expectedNullity, split.nullity());
        assertTrue(orthonormalityDefect(solution) < ORTHONORMALITY_TOLERANCE,
                () -> "defect " + orthonormalityDefect(solution));
        double minimum = 2.0 - split.nuclearNorm;
        assertEquals(minimum, cost, COST_TOLERANCE);
        assertEquals(solver.problem().cost(solution), cost, 0.0);

        // the solution has the admissible form Ur Vr^T + W Vn^T
        DMatrixRMaj w = new DMatrixRMaj(solution.numRows, split.nullity());
        CommonOps_DDRM.mult(solution, split.nullRight, w);
        DMatrixRMaj rebuilt = split.completion(w);
        assertTrue(TestMatrices.maxAbsDifference(rebuilt, solution) < CLASSIFIER_TOLERANCE);
        assertTrue(TestMatrices.maxAbsDifference(split.projectOut(w), w) < ORTHONORMALITY_TOLERANCE);

        // nearest: W maximises <W, X>, so W^T X is symmetric positive semidefinite
        DMatrixRMaj x = new DMatrixRMaj(solution.numRows, split.nullity());
        CommonOps_DDRM.mult(start, split.nullRight, x);
        x = split.projectOut(x);
        DMatrixRMaj wx = new DMatrixRMaj(split.nullity(), split.nullity());
        CommonOps_DDRM.multTransA(w, x, wx);
        DMatrixRMaj wxTranspose = CommonOps_DDRM.transpose(wx, null);
        assertTrue(TestMatrices.maxAbsDifference(wx, wxTranspose) < OPTIMALITY_TOLERANCE);
        EigenDecomposition_F64<DMatrixRMaj> eigen = DecompositionFactory_DDRM.eig(split.nullity(), false, true);
        assertTrue(eigen.decompose(wx.copy()));
        for (int index = 0; index < split.nullity(); index++) {
            assertTrue(eigen.getEigenvalue(index).getReal() > -OPTIMALITY_TOLERANCE);
        }

        double closeness = TestMatrices.dot(solution, start);
        for (int trial = 0; trial < ALTERNATIVE_COMPLETIONS; trial++) {
            DMatrixRMaj alternative = split.completion(split.randomAdmissible(random));
            assertTrue(orthonormalityDefect(alternative) < ORTHONORMALITY_TOLERANCE);
            assertEquals(minimum, solver.problem().cost(alternative), COST_TOLERANCE);
            assertTrue(TestMatrices.dot(alternative, start) <= closeness + OPTIMALITY_TOLERANCE);
            // a small admissible perturbation of W never brings U closer to the start
            DMatrixRMaj perturbed = w.copy();
            CommonOps_DDRM.addEquals(perturbed, PERTURBATION,
                    split.projectOut(TestMatrices.gaussian(w.numRows, w.numCols, random)));
            DMatrixRMaj near = split.completion(split.orthonormalised(perturbed));
            assertTrue(orthonormalityDefect(near) < ORTHONORMALITY_TOLERANCE);
            assertTrue(TestMatrices.dot(near, start) <= closeness + OPTIMALITY_TOLERANCE);
            DMatrixRMaj competitor = TestMatrices.haarStiefel(solution.numRows, numClasses, random);
            assertTrue(solver.problem().cost(competitor) >= minimum - COST_TOLERANCE);
        }
    }

    @ParameterizedTest
    @CsvSource({"12, 5, 2, 1", "20, 8, 3, 2", "9, 6, 2, 3", "6, 6, 3, 4", "40, 10, 3, 5"})
    void missingClassesGiveTheGlobalMinimiserNearestTheStart(int dimension, int numClasses, int missing, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        DMatrixRMaj means = meansMissing(dimension, numClasses, missing, random);
        for (EtfStart kind : EtfStart.values()) {
            NearestEtf<DMatrixRMaj> solver = solver(dimension, numClasses,
                    EtfOptions.defaults().withStart(kind, seed));
            DMatrixRMaj start = solver.startPoint(new DMatrixRMaj(dimension, numClasses));
            DMatrixRMaj solution = new DMatrixRMaj(dimension, numClasses);
            double cost = solver.solveUnregularised(means, start, solution).cost();
            assertNearestGlobalMinimiser(solver, start, solution, cost, missing, random);

            NearestEtf<DMatrixRMaj> trustRegions = solver(dimension, numClasses,
                    EtfOptions.defaults().withMethod(EtfSolverMethod.TRUST_REGIONS));
            DMatrixRMaj local = new DMatrixRMaj(dimension, numClasses);
            double localCost = trustRegions.solveUnregularised(means, start, local).cost();
            assertTrue(localCost >= cost - TRUST_REGION_COST_TOLERANCE, () -> localCost + " < " + cost);
        }
    }

    @ParameterizedTest
    @CsvSource({"12, 5, 2, 11", "20, 8, 3, 12", "7, 6, 2, 13"})
    void seenClassesGetTheSameClassifierFromEveryCompletion(int dimension, int numClasses, int missing, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        DMatrixRMaj means = meansMissing(dimension, numClasses, missing, random);
        NearestEtf<DMatrixRMaj> canonical = solver(dimension, numClasses, EtfOptions.defaults());
        NearestEtf<DMatrixRMaj> haar = solver(dimension, numClasses, EtfOptions.defaults().withStart(EtfStart.HAAR, seed));
        DMatrixRMaj fromCanonical = new DMatrixRMaj(dimension, numClasses);
        DMatrixRMaj fromHaar = new DMatrixRMaj(dimension, numClasses);
        canonical.solveUnregularised(means, canonical.startPoint(new DMatrixRMaj(dimension, numClasses)),
                fromCanonical);
        haar.solveUnregularised(means, haar.startPoint(new DMatrixRMaj(dimension, numClasses)), fromHaar);
        DMatrixRMaj centring = SimplexEtf.centring(numClasses, new DMatrixRMaj(1, 1));
        DMatrixRMaj canonicalClassifier = new DMatrixRMaj(dimension, numClasses);
        DMatrixRMaj haarClassifier = new DMatrixRMaj(dimension, numClasses);
        CommonOps_DDRM.mult(fromCanonical, centring, canonicalClassifier);
        CommonOps_DDRM.mult(fromHaar, centring, haarClassifier);
        // U Mc e_j = Ur Vr^T e_j for a seen class j, whatever W; the unseen columns depend on W
        Split split = new Split(canonical.problem().procrustesMatrix(new DMatrixRMaj(dimension, numClasses)));
        DMatrixRMaj rangePart = new DMatrixRMaj(dimension, numClasses);
        CommonOps_DDRM.multTransB(split.rangeLeft, split.rangeRight, rangePart);
        double unseenDifference = 0;
        for (int label = 0; label < numClasses; label++) {
            boolean unseen = label >= 1 && label <= missing;
            for (int row = 0; row < dimension; row++) {
                double difference = Math.abs(canonicalClassifier.get(row, label) - haarClassifier.get(row, label));
                if (unseen) {
                    unseenDifference = Math.max(unseenDifference, difference);
                } else {
                    assertTrue(difference < CLASSIFIER_TOLERANCE);
                    assertEquals(rangePart.get(row, label), canonicalClassifier.get(row, label), CLASSIFIER_TOLERANCE);
                }
            }
        }
        assertTrue(unseenDifference > 0.01, "the never-seen classes' columns should depend on the completion");
    }

    @Test
    void startWithADirectionInsideTheRangeOfGIsCompletedDeterministically() {
        // start = [Ur | W0] P [Vr | Vn]^T with P swapping the first range and first null coordinate:
        // start Vn e_0 = Ur e_0 lies in range(G), so X = P_perp start Vn has rank k - 1
        SplittableRandom random = new SplittableRandom(31);
        int dimension = 10;
        int numClasses = 6;
        int missing = 3;
        DMatrixRMaj means = meansMissing(dimension, numClasses, missing, random);
        NearestEtf<DMatrixRMaj> solver = solver(dimension, numClasses, EtfOptions.defaults());
        solver.problem().setTarget(means);
        Split split = new Split(solver.problem().procrustesMatrix(new DMatrixRMaj(dimension, numClasses)));
        int rank = numClasses - split.nullity();
        DMatrixRMaj left = new DMatrixRMaj(dimension, numClasses);
        CommonOps_DDRM.insert(split.rangeLeft, left, 0, 0);
        CommonOps_DDRM.insert(split.randomAdmissible(random), left, 0, rank);
        DMatrixRMaj right = new DMatrixRMaj(numClasses, numClasses);
        CommonOps_DDRM.insert(split.rangeRight, right, 0, 0);
        CommonOps_DDRM.insert(split.nullRight, right, 0, rank);
        DMatrixRMaj swapped = right.copy();
        for (int row = 0; row < numClasses; row++) {
            swapped.set(row, 0, right.get(row, rank));
            swapped.set(row, rank, right.get(row, 0));
        }
        DMatrixRMaj start = new DMatrixRMaj(dimension, numClasses);
        CommonOps_DDRM.multTransB(left, swapped, start);
        assertTrue(orthonormalityDefect(start) < ORTHONORMALITY_TOLERANCE);

        DMatrixRMaj solution = new DMatrixRMaj(dimension, numClasses);
        double cost = solver.solveUnregularised(means, start, solution).cost();
        assertNearestGlobalMinimiser(solver, start, solution, cost, missing, random);
        DMatrixRMaj again = new DMatrixRMaj(dimension, numClasses);
        solver.solveUnregularised(means, start, again);
        assertEquals(0.0, TestMatrices.maxAbsDifference(solution, again), 0.0);
    }

    @Test
    void allClassMeansEqualIsStillAnArithmeticException() {
        int dimension = 7;
        int numClasses = 4;
        NearestEtf<DMatrixRMaj> solver = solver(dimension, numClasses, EtfOptions.defaults());
        DMatrixRMaj start = solver.startPoint(new DMatrixRMaj(dimension, numClasses));
        DMatrixRMaj identical = new DMatrixRMaj(dimension, numClasses);
        for (int row = 0; row < dimension; row++) {
            for (int col = 0; col < numClasses; col++) {
                identical.set(row, col, row - 2.5);
            }
        }
        ArithmeticException error = assertThrows(ArithmeticException.class,
                () -> solver.solveUnregularised(identical, start, new DMatrixRMaj(dimension, numClasses)));
        assertTrue(error.getMessage().contains("rank 0"), error.getMessage());
    }
}
