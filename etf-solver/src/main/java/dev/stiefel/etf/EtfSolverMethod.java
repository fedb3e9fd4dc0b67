package dev.stiefel.etf;

import dev.stiefel.solver.ConjugateGradient;
import dev.stiefel.solver.ConjugateGradientOptions;
import dev.stiefel.solver.RiemannianLbfgs;
import dev.stiefel.solver.RiemannianLbfgsOptions;
import dev.stiefel.solver.Solver;
import dev.stiefel.solver.TrustRegions;
import dev.stiefel.solver.TrustRegionsOptions;

/**
 * How {@link NearestEtf} solves the nearest-ETF problems (6) and (7): each Riemannian method
 * builds its solver from {@link EtfOptions#solverStopping()} and {@link EtfOptions#recordHistory()};
 * any other {@link Solver} can be given to NearestEtf's constructor instead
 * ({@link #GIVEN_SOLVER}).
 */
public enum EtfSolverMethod {
    /** Orthogonal Procrustes: the polar factor of {@code G}, float64 (docs/mathematics.md section 2). The default. */
    CLOSED_FORM {
        @Override
        <M> Solver<M> newSolver(EtfOptions options) {
            return null;
        }
    },
    /** Riemannian trust regions (Absil, Baker, Gallivan 2007), the solver of the paper. */
    TRUST_REGIONS {
        @Override
        <M> Solver<M> newSolver(EtfOptions options) {
            return new TrustRegions<>(TrustRegionsOptions.defaults().withStopping(options.solverStopping())
                    .withRecordHistory(options.recordHistory()));
        }
    },
    /** Riemannian nonlinear conjugate gradients. */
    CONJUGATE_GRADIENT {
        @Override
        <M> Solver<M> newSolver(EtfOptions options) {
            return new ConjugateGradient<>(ConjugateGradientOptions.defaults().withStopping(options.solverStopping())
                    .withRecordHistory(options.recordHistory()));
        }
    },
    /**
     * Riemannian limited-memory BFGS ({@link dev.stiefel.solver.RiemannianLbfgs}; Huang, Absil,
     * Gallivan 2018) on the same problem.
     */
    RIEMANNIAN_LBFGS {
        @Override
        <M> Solver<M> newSolver(EtfOptions options) {
            return new RiemannianLbfgs<>(RiemannianLbfgsOptions.defaults().withStopping(options.solverStopping())
                    .withRecordHistory(options.recordHistory()));
        }
    },
    /**
     * A solver given to {@link NearestEtf#NearestEtf(dev.stiefel.kernel.DenseKernels,
     * dev.stiefel.manifold.Manifold, int, int, EtfOptions, Solver)} (any {@link Solver}, e.g. one
     * of your own): the method its results report. Not a choice for {@link EtfOptions#method()},
     * which has no solver to build.
     */
    GIVEN_SOLVER {
        @Override
        <M> Solver<M> newSolver(EtfOptions options) {
            throw new IllegalArgumentException("EtfSolverMethod.GIVEN_SOLVER names a solver given to the NearestEtf "
                    + "constructor; pass the solver there, or choose another method in EtfOptions");
        }
    };

    /** The Riemannian solver of this method, new; null for the closed form. */
    abstract <M> Solver<M> newSolver(EtfOptions options);
}
