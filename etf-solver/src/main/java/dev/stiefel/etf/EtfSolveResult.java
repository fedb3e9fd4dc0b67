package dev.stiefel.etf;

/**
 * Outcome of one nearest-ETF solve.
 *
 * @param method the method that produced the point
 * @param iterations outer iterations of the Riemannian solver; 0 for the closed form
 * @param cost the cost {@code f(U*)} of the solved problem
 * @param stopReason why the solver stopped, as its name (e.g. {@code "GRADIENT_NORM"});
 *     {@code "CLOSED_FORM"} for the closed form
 * @param gradientNorm Riemannian gradient norm at the result as the solver saw it; NaN for the
 *     closed form (not computed, to keep that path at one polar factor)
 */
public record EtfSolveResult(EtfSolverMethod method, int iterations, double cost, String stopReason,
        double gradientNorm) {
}
