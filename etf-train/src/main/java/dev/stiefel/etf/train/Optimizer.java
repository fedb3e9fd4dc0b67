package dev.stiefel.etf.train;

import java.util.List;

/** A first-order optimiser that updates weight tensors in place from their gradients. */
public interface Optimizer {

    /**
     * One update of every tensor from its current gradient (active rows only, see
     * {@link TrainableTensor}).
     *
     * @return the step size used (AGD's {@code eta}, SGD's learning rate), for logs
     */
    double step(List<TrainableTensor> tensors);
}
