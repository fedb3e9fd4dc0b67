/**
 * Checks a user runs on their own code: {@link dev.stiefel.check.DerivativeCheck} compares a
 * problem's gradient and Hessian with Taylor remainders along a tangent direction (Manopt's
 * {@code checkgradient} and {@code checkhessian}, Boumal 2023, sections 4.8 and 6.8) and returns
 * a report with the fitted slopes instead of a plot; {@link dev.stiefel.check.AllocationProbe}
 * counts the bytes the current thread allocates, to show that warm solver iterations allocate
 * nothing.
 */
package dev.stiefel.check;
