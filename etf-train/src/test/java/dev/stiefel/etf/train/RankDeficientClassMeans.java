package dev.stiefel.etf.train;

import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;

/**
 * Features whose class means span fewer than {@code C - 1} dimensions: each class has a direction
 * in the first {@code rank} coordinates and pairs of samples {@code m_c + e}, {@code m_c - e} with
 * {@code e} in the other coordinates. The two samples of a pair normalise to the same norm, so
 * each pair's normalised mean lies in the rank-dimensional subspace (and the pairs' different
 * norms leave residuals there too): the class-mean matrix has rank below {@code C - 1}, and its
 * extra eigenvalues are rounding.
 */
record RankDeficientClassMeans(DMatrixRMaj features, int[] labels) {

    static final int PAIRS_PER_CLASS = 2;

    static RankDeficientClassMeans draw(int numClasses, int dimension, int rank, SplittableRandom random) {
        int samples = numClasses * PAIRS_PER_CLASS * 2;
        DMatrixRMaj features = new DMatrixRMaj(samples, dimension);
        int[] labels = new int[samples];
        int row = 0;
        for (int c = 0; c < numClasses; c++) {
            double[] direction = new double[rank];
            for (int k = 0; k < rank; k++) {
                direction[k] = random.nextGaussian();
            }
            for (int pair = 0; pair < PAIRS_PER_CLASS; pair++) {
                for (int j = 0; j < dimension; j++) {
                    double mean = j < rank ? direction[j] : 0.0;
                    double offset = j < rank ? 0.0 : 0.3 * random.nextGaussian();
                    features.set(row, j, mean + offset);
                    features.set(row + 1, j, mean - offset);
                }
                labels[row] = c;
                labels[row + 1] = c;
                row += 2;
            }
        }
        return new RankDeficientClassMeans(features, labels);
    }
}
