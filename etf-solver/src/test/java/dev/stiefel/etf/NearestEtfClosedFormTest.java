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
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NearestEtfClosedFormTest {

    private static final double ORTHONORMALITY_TOLERANCE = 1e-12;
    private static final double STATIONARITY_TOLERANCE = 1e-12;
    private static final double CLASSIFIER_TOLERANCE = 1e-12;
    private static final int RANDOM_COMPETITORS = 50;
    /**
     * Backward-stable polar factor: error about eps times the condition number of G, which is
     * about 1/delta = 1e3 here.
     */
    private static final double POLAR_TOLERANCE = 1e-12;

    private final DenseKernels<DMatrixRMaj> kernels = Kernels.cpu();

    private NearestEtf<DMatrixRMaj> solver(int dimension, int numClasses, EtfOptions options) {
        return new NearestEtf<>(kernels, new Stiefel<>(kernels, dimension, numClasses, StiefelRetraction.QR),
                dimension, numClasses, options);
    }

    static DMatrixRMaj normalisedMeans(int dimension, int numClasses, SplittableRandom random) {
        DMatrixRMaj means = TestMatrices.gaussian(dimension, numClasses, random);
        CommonOps_DDRM.divide(means, NormOps_DDRM.normF(means));
        return means;
    }

    private static double riemannianGradientNorm(NearestEtf<DMatrixRMaj> solver, DMatrixRMaj point) {
        DMatrixRMaj gradient = new DMatrixRMaj(point.numRows, point.numCols);
        solver.problem().euclideanGradient(point, gradient);
        DMatrixRMaj riemannian = new DMatrixRMaj(point.numRows, point.numCols);
        solver.manifold().euclideanToRiemannianGradient(point, gradient, riemannian);
        return NormOps_DDRM.normF(riemannian);
    }

    private static double orthonormalityDefect(DMatrixRMaj point) {
        DMatrixRMaj gram = TestMatrices.gram(point);
        for (int index = 0; index < point.numCols; index++) {
            gram.add(index, index, -1.0);
        }
        return NormOps_DDRM.normF(gram);
    }

    @ParameterizedTest
    @CsvSource({"5, 5, 1", "12, 5, 2", "64, 20, 3", "512, 10, 4"})
    void proximalClosedFormIsThePolarFactorAndBeatsEveryOtherPoint(int dimension, int numClasses, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        NearestEtf<DMatrixRMaj> solver = solver(dimension, numClasses, EtfOptions.defaults());
        DMatrixRMaj means = normalisedMeans(dimension, numClasses, random);
        DMatrixRMaj proximal = TestMatrices.haarStiefel(dimension, numClasses, random);
        DMatrixRMaj solution = new DMatrixRMaj(dimension, numClasses);
        EtfSolveResult result = solver.solve(means, proximal, null, solution);
        assertEquals(EtfSolverMethod.CLOSED_FORM, result.method());
        assertEquals(0, result.iterations());
        assertEquals(solver.problem().cost(solution), result.cost(), 0.0);
        assertTrue(orthonormalityDefect(solution) < ORTHONORMALITY_TOLERANCE);
        // polar characterisation: G = U P with P = U^T G symmetric positive definite
        DMatrixRMaj g = solver.problem().procrustesMatrix(new DMatrixRMaj(dimension, numClasses));
        DMatrixRMaj factor = new DMatrixRMaj(numClasses, numClasses);
        CommonOps_DDRM.multTransA(solution, g, factor);
        DMatrixRMaj transpose = CommonOps_DDRM.transpose(factor, null);
        double asymmetry = TestMatrices.maxAbsDifference(factor, transpose);
        assertTrue(asymmetry < POLAR_TOLERANCE * NormOps_DDRM.normF(g), () -> "asymmetry " + asymmetry
                + ", ||G|| " + NormOps_DDRM.normF(g));
        EigenDecomposition_F64<DMatrixRMaj> eigen = DecompositionFactory_DDRM.eig(numClasses, false, true);
        assertTrue(eigen.decompose(factor.copy()));
        for (int index = 0; index < numClasses; index++) {
            assertTrue(eigen.getEigenvalue(index).getReal() > 0);
        }
        DMatrixRMaj reconstructed = new DMatrixRMaj(dimension, numClasses);
        CommonOps_DDRM.mult(solution, factor, reconstructed);
        assertTrue(TestMatrices.relativeError(reconstructed, g) < POLAR_TOLERANCE);
        assertTrue(riemannianGradientNorm(solver, solution) < STATIONARITY_TOLERANCE);
        for (int trial = 0; trial < RANDOM_COMPETITORS; trial++) {
            DMatrixRMaj competitor = TestMatrices.haarStiefel(dimension, numClasses, random);
            assertTrue(solver.problem().cost(competitor) > result.cost());
        }
        assertTrue(solver.problem().cost(proximal) >= result.cost());
    }

    @ParameterizedTest
    @CsvSource({"10, 10, 1", "12, 5, 2", "40, 10, 3", "512, 10, 4"})
    void unregularisedClassifierDoesNotDependOnTheCompletion(int dimension, int numClasses, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        NearestEtf<DMatrixRMaj> canonical = solver(dimension, numClasses, EtfOptions.defaults());
        NearestEtf<DMatrixRMaj> haar = solver(dimension, numClasses,
                EtfOptions.defaults().withStart(EtfStart.HAAR, seed));
        DMatrixRMaj means = normalisedMeans(dimension, numClasses, random);
        DMatrixRMaj canonicalStart = canonical.startPoint(new DMatrixRMaj(dimension, numClasses));
        DMatrixRMaj haarStart = haar.startPoint(new DMatrixRMaj(dimension, numClasses));
        DMatrixRMaj fromCanonical = new DMatrixRMaj(dimension, numClasses);
        DMatrixRMaj fromHaar = new DMatrixRMaj(dimension, numClasses);
        double canonicalCost = canonical.solveUnregularised(means, canonicalStart, fromCanonical).cost();
        double haarCost = haar.solveUnregularised(means, haarStart, fromHaar).cost();

        assertTrue(orthonormalityDefect(fromCanonical) < ORTHONORMALITY_TOLERANCE);
        assertTrue(orthonormalityDefect(fromHaar) < ORTHONORMALITY_TOLERANCE);
        assertEquals(canonicalCost, haarCost, 1e-13);
        assertTrue(riemannianGradientNorm(canonical, fromCanonical) < STATIONARITY_TOLERANCE);
        assertTrue(riemannianGradientNorm(haar, fromHaar) < STATIONARITY_TOLERANCE);
        // the completions differ (U 1 differs), the classifiers U Mc agree
        DMatrixRMaj ones = new DMatrixRMaj(numClasses, 1);
        ones.fill(1);
        DMatrixRMaj canonicalNull = new DMatrixRMaj(dimension, 1);
        DMatrixRMaj haarNull = new DMatrixRMaj(dimension, 1);
        CommonOps_DDRM.mult(fromCanonical, ones, canonicalNull);
        CommonOps_DDRM.mult(fromHaar, ones, haarNull);
        if (dimension > numClasses) {
            // for d = C the complement of range(G) is a line: the two completions may coincide
            assertTrue(TestMatrices.maxAbsDifference(canonicalNull, haarNull) > 0.1);
        }
        DMatrixRMaj centring = SimplexEtf.centring(numClasses, new DMatrixRMaj(1, 1));
        DMatrixRMaj canonicalClassifier = new DMatrixRMaj(dimension, numClasses);
        DMatrixRMaj haarClassifier = new DMatrixRMaj(dimension, numClasses);
        CommonOps_DDRM.mult(fromCanonical, centring, canonicalClassifier);
        CommonOps_DDRM.mult(fromHaar, centring, haarClassifier);
        assertTrue(TestMatrices.maxAbsDifference(canonicalClassifier, haarClassifier) < CLASSIFIER_TOLERANCE);
        // each is the minimiser nearest to its own start
        assertTrue(TestMatrices.dot(fromCanonical, canonicalStart)
                >= TestMatrices.dot(fromHaar, canonicalStart) - CLASSIFIER_TOLERANCE);
        assertTrue(TestMatrices.dot(fromHaar, haarStart) >= TestMatrices.dot(fromCanonical, haarStart) - CLASSIFIER_TOLERANCE);
        for (int trial = 0; trial < RANDOM_COMPETITORS; trial++) {
            DMatrixRMaj competitor = TestMatrices.haarStiefel(dimension, numClasses, random);
            assertTrue(canonical.problem().cost(competitor) > canonicalCost);
        }
    }

    @Test
    void unregularisedFallsBackWhenTheStartNullDirectionLiesInTheRangeOfG() {
        // start 1 = U0 1 chosen inside range(Ht Mc): the left null singular vector completes instead
        SplittableRandom random = new SplittableRandom(21);
        int dimension = 9;
        int numClasses = 4;
        NearestEtf<DMatrixRMaj> solver = solver(dimension, numClasses, EtfOptions.defaults());
        DMatrixRMaj start = TestMatrices.haarStiefel(dimension, numClasses, random);
        DMatrixRMaj centring = SimplexEtf.centring(numClasses, new DMatrixRMaj(1, 1));
        DMatrixRMaj means = new DMatrixRMaj(dimension, numClasses);
        // means = start Mc + (start 1) e_1^T / 2: range(means Mc) contains start 1
        CommonOps_DDRM.mult(start, centring, means);
        for (int row = 0; row < dimension; row++) {
            double rowSum = 0;
            for (int col = 0; col < numClasses; col++) {
                rowSum += start.get(row, col);
            }
            means.add(row, 0, 0.5 * rowSum);
        }
        DMatrixRMaj solution = new DMatrixRMaj(dimension, numClasses);
        solver.solveUnregularised(means, start, solution);
        assertTrue(orthonormalityDefect(solution) < ORTHONORMALITY_TOLERANCE);
        assertTrue(riemannianGradientNorm(solver, solution) < STATIONARITY_TOLERANCE);
    }

    @Test
    void degenerateMeansGiveArithmeticExceptions() {
        int dimension = 8;
        int numClasses = 4;
        NearestEtf<DMatrixRMaj> solver = solver(dimension, numClasses, EtfOptions.defaults());
        DMatrixRMaj start = solver.startPoint(new DMatrixRMaj(dimension, numClasses));
        DMatrixRMaj out = new DMatrixRMaj(dimension, numClasses);
        // identical class means: Ht Mc = 0
        DMatrixRMaj identical = new DMatrixRMaj(dimension, numClasses);
        for (int row = 0; row < dimension; row++) {
            for (int col = 0; col < numClasses; col++) {
                identical.set(row, col, row + 1.0);
            }
        }
        assertThrows(ArithmeticException.class, () -> solver.solveUnregularised(identical, start, out));
        // centred means of rank 1 < C - 1 (classes never seen) are solvable: NearestEtfMissingClassesTest
        DMatrixRMaj rankOne = new DMatrixRMaj(dimension, numClasses);
        for (int row = 0; row < dimension; row++) {
            rankOne.set(row, 0, row + 1.0);
            rankOne.set(row, 1, -(row + 1.0));
        }
        assertThrows(IllegalArgumentException.class, () -> solver.solveUnregularised(rankOne, null, out));
    }

    @Test
    void badOptionsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> EtfOptions.defaults().withDelta(0));
        assertThrows(IllegalArgumentException.class, () -> EtfOptions.defaults().withDelta(-1e-3));
        assertThrows(IllegalArgumentException.class, () -> EtfOptions.defaults().withDelta(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> EtfOptions.defaults().withTau(0));
        assertThrows(IllegalArgumentException.class, () -> EtfOptions.defaults().withEmaFloor(0));
        assertThrows(IllegalArgumentException.class, () -> EtfOptions.defaults().withEmaFloor(1.5));
        assertThrows(IllegalArgumentException.class, () -> EtfOptions.defaults().withSolverStopping(0, 1e-8));
        assertThrows(IllegalArgumentException.class, () -> EtfOptions.defaults().withSolverStopping(10, 0));
        assertThrows(IllegalArgumentException.class, () -> EtfOptions.defaults().withMethod(null));
        assertThrows(IllegalArgumentException.class, () -> solver(4, 5, EtfOptions.defaults()));
        assertThrows(IllegalArgumentException.class, () -> solver(4, 1, EtfOptions.defaults()));
    }

    @Test
    void aProximalPointOffTheManifoldIsRejectedWithItsDefect() {
        int dimension = 8;
        int numClasses = 4;
        NearestEtf<DMatrixRMaj> solver = solver(dimension, numClasses, EtfOptions.defaults());
        DMatrixRMaj means = normalisedMeans(dimension, numClasses, new SplittableRandom(11));
        DMatrixRMaj twiceStart = solver.startPoint(new DMatrixRMaj(dimension, numClasses));
        CommonOps_DDRM.scale(2.0, twiceStart);
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> solver.solve(means, twiceStart, null, new DMatrixRMaj(dimension, numClasses)));
        // ||(2[I;0])^T (2[I;0]) - I||_F = 3 sqrt(C) = 6
        assertTrue(error.getMessage().contains("proximal point"), error.getMessage());
        assertTrue(error.getMessage().contains("= 6.0"), error.getMessage());
        assertTrue(error.getMessage().contains("tolerance " + NearestEtf.PROXIMAL_POINT_TOLERANCE), error.getMessage());
    }
}
