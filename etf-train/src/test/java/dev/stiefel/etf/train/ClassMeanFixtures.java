package dev.stiefel.etf.train;

import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;

/** Labels and features whose class means stress the routes of the NC1 computation. */
final class ClassMeanFixtures {

    static final int PAIRS_PER_CLASS = 2;

    private ClassMeanFixtures() {
    }

    /**
     * Class c has c + 1 samples ({@code C (C + 1) / 2} in all): the null vector of the class
     * means' Gram matrix is the vector of the counts, not the constant one.
     */
    static int[] unbalancedLabels(int numClasses) {
        int[] labels = new int[numClasses * (numClasses + 1) / 2];
        for (int c = 0, row = 0; c < numClasses; c++) {
            for (int k = 0; k <= c; k++) {
                labels[row++] = c;
            }
        }
        return labels;
    }

    /**
     * Features whose class means span fewer than {@code C - 1} dimensions: each class has a
     * direction in the first {@code rank} coordinates and pairs of samples {@code m_c + e},
     * {@code m_c - e} with {@code e} in the other coordinates. The two samples of a pair
     * normalise to the same norm, so each pair's normalised mean lies in the rank-dimensional
     * subspace (and the pairs' different norms leave residuals there too): the class-mean matrix
     * has rank below {@code C - 1}, and its extra eigenvalues are rounding.
     */
    record RankDeficient(DMatrixRMaj features, int[] labels) {
    }

    static RankDeficient rankDeficient(int numClasses, int dimension, int rank, SplittableRandom random) {
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
        return new RankDeficient(features, labels);
    }
}
