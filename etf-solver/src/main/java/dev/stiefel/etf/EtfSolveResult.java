package dev.stiefel.etf;

/**
 * Outcome of one nearest-ETF solve.
 *
 * @param method the method that produced the point
 * @param iterations outer iterations of the Riemannian solver; 0 for the closed form
 * @param cost the cost {@code f(U*)} of the solved problem
 * @param stopReason why the solver stopped, as its name (e.g. {@code "GRADIENT_NORM"});
 *     {@code "CLOSED_FORM"} for the closed form
 */
public record EtfSolveResult(EtfSolverMethod method, int iterations, double cost, String stopReason) {
}
