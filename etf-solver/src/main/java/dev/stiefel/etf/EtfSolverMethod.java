package dev.stiefel.etf;

/** How {@link NearestEtf} solves the nearest-ETF problems (6) and (7). */
public enum EtfSolverMethod {
    /** Orthogonal Procrustes: the polar factor of {@code G}, float64 (docs/mathematics.md section 2). The default. */
    CLOSED_FORM,
    /** Riemannian trust regions (Absil, Baker, Gallivan 2007), the solver of the paper. */
    TRUST_REGIONS,
    /** Riemannian nonlinear conjugate gradients. */
    CONJUGATE_GRADIENT,
    /**
     * Riemannian limited-memory BFGS ({@link dev.stiefel.solver.RiemannianLbfgs}; Huang, Absil,
     * Gallivan 2018) on the same problem.
     */
    RIEMANNIAN_LBFGS
}
