package dev.stiefel.etf.train;

import java.util.List;

/**
 * Outcome of a training run.
 *
 * @param history metrics at iteration 0, every {@code evaluateEvery} iterations and at the end
 * @param finalMargins per-sample cosine margins at the end, in sample order
 * @param trainingMillis wall time of the optimiser steps (evaluations excluded)
 * @param iterations number of optimiser steps done
 */
public record TrainingResult(List<NeuralCollapseSnapshot> history, double[] finalMargins, double trainingMillis,
        int iterations) {

    public TrainingResult {
        history = List.copyOf(history);
        finalMargins = finalMargins.clone();
    }

    /** The last evaluation. */
    public NeuralCollapseSnapshot last() {
        return history.get(history.size() - 1);
    }

    /** Mean wall time of one optimiser step, in milliseconds. */
    public double millisPerIteration() {
        return trainingMillis / iterations;
    }

    @Override
    public double[] finalMargins() {
        return finalMargins.clone();
    }
}
