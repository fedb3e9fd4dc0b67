package dev.stiefel.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.stiefel.manifold.Stiefel;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.problem.RiemannianDerivatives;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * The line searches' budgets: pymanopt's adaptive search runs while {@code cost_evaluations <=
 * max_iterations = 10} (11 evaluations) and its backtracking while {@code step_count <= 25}
 * (26), Manopt's adaptive search breaks at {@code ls_max_steps = 10}, this library's defaults
 * allow 10 and 25. A slope claiming an impossible decrease makes every Armijo test
 * fail, so each search spends its whole budget.
 */
class LineSearchPresetsTest {

    private static int evaluationsOfAFailingSearch(AdaptiveLineSearch.Parameters parameters) {
        Random random = new Random(1);
        Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(6, 2);
        BrockettProblem<DMatrixRMaj> problem = BrockettProblem.random(stiefel, random);
        RiemannianDerivatives<DMatrixRMaj> derivatives = new RiemannianDerivatives<>(problem);
        DMatrixRMaj x = stiefel.allocate();
        stiefel.randomPoint(random, x);
        DMatrixRMaj gradient = stiefel.allocate();
        double cost = derivatives.evaluate(x, gradient);
        DMatrixRMaj direction = stiefel.allocate();
        stiefel.linearCombination(x, -1.0, gradient, 0.0, gradient, direction);
        AdaptiveLineSearch<DMatrixRMaj> search = new AdaptiveLineSearch<>(parameters);
        search.search(derivatives, x, direction, cost, -1e12, stiefel.allocate());
        return search.lastEvaluations();
    }

    @Test
    void budgetsAreThoseOfEachLibrary() {
        assertEquals(11, evaluationsOfAFailingSearch(AdaptiveLineSearch.Parameters.pymanopt()));
        assertEquals(10, evaluationsOfAFailingSearch(AdaptiveLineSearch.Parameters.manopt()));
        assertEquals(10, evaluationsOfAFailingSearch(AdaptiveLineSearch.Parameters.defaults()));
    }

    @Test
    void backtrackingBudgetsAreThoseOfEachLibrary() {
        assertEquals(26, evaluationsOfAFailingBacktracking(ArmijoBacktracking.Parameters.pymanopt()));
        assertEquals(25, evaluationsOfAFailingBacktracking(ArmijoBacktracking.Parameters.defaults()));
    }

    private static int evaluationsOfAFailingBacktracking(ArmijoBacktracking.Parameters parameters) {
        Random random = new Random(2);
        Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(6, 2);
        BrockettProblem<DMatrixRMaj> problem = BrockettProblem.random(stiefel, random);
        RiemannianDerivatives<DMatrixRMaj> derivatives = new RiemannianDerivatives<>(problem);
        DMatrixRMaj x = stiefel.allocate();
        stiefel.randomPoint(random, x);
        DMatrixRMaj gradient = stiefel.allocate();
        double cost = derivatives.evaluate(x, gradient);
        DMatrixRMaj direction = stiefel.allocate();
        stiefel.linearCombination(x, -1.0, gradient, 0.0, gradient, direction);
        ArmijoBacktracking<DMatrixRMaj> search = new ArmijoBacktracking<>(parameters);
        search.search(derivatives, x, direction, cost, -1e12, stiefel.allocate());
        return search.lastEvaluations();
    }

    @Test
    void presetsUseTheTextbookArmijoTest() {
        assertEquals(0.0, ArmijoBacktracking.Parameters.pymanopt().roundingSlack());
        assertEquals(0.0, AdaptiveLineSearch.Parameters.pymanopt().roundingSlack());
        assertEquals(0.0, AdaptiveLineSearch.Parameters.manopt().roundingSlack());
        assertEquals(AdaptiveLineSearch.Parameters.pymanopt(), ConjugateGradientOptions.pymanopt().lineSearch());
        assertEquals(AdaptiveLineSearch.Parameters.manopt(), ConjugateGradientOptions.manopt().lineSearch());
        assertEquals(2, TrustRegionsOptions.pymanopt().minInnerIterations());
        assertEquals(1, TrustRegionsOptions.manopt().minInnerIterations());
        assertEquals(0.0, TrustRegionsOptions.pymanopt().stopping().minStepSize());
        assertEquals(1000.0, TrustRegionsOptions.pymanopt().stopping().maxTimeSeconds());
    }
}
