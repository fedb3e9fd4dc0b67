package dev.stiefel.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.stiefel.manifold.Euclidean;
import dev.stiefel.manifold.Product;
import dev.stiefel.manifold.ProductPoint;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * The TorchScript module behind double backward, against closed forms on
 * {@code f(x) = sum(x^3)} ({@code grad f = 3 x^2}, {@code Hess f[v] = 6 x v}): it leaves the
 * leaf's {@code .grad} undefined, where {@code JniUtils.backward(createGraph = true)} leaves a
 * gradient that carries its graph (the reference cycle this class avoids). And the cases without
 * a second-order graph: a linear cost and a factor the cost ignores.
 */
class PyTorchDoubleBackwardTest {

    private static final double[] X = {1, -2, 3};
    private static final double[] V = {0.5, 4, -1};

    @Test
    @SuppressWarnings("try") // the collector acts by its scope: operations inside it are recorded
    void theModuleDifferentiatesTwiceWithoutTouchingTheGradientOfTheLeaf() throws IOException {
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
                GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
            PtSymbolBlock module = JniUtils.loadModule((PtNDManager) manager,
                    new ByteArrayInputStream(PyTorchDoubleBackward.archive()), false, false);
            NDArray x = manager.create(X);
            x.setRequiresGradient(true);
            NDArray f = x.pow(3).sum();
            NDArray gradient = run(module, "gradient", f, x, null).get(0);
            assertArrayEquals(new double[] {3, 12, 27}, gradient.toDoubleArray());
            NDArray v = manager.create(V);
            assertArrayEquals(new double[] {3, -48, -18}, run(module, "hessian_vector", gradient, x, v).get(0)
                    .toDoubleArray());
            assertArrayEquals(new double[] {6, -12, 18}, run(module, "hessian_vector", gradient, x, x.onesLike()).get(0)
                    .toDoubleArray(), "the gradient's graph serves a second direction");
            assertNull(JniUtils.getGradient((PtNDArray) x), "x.grad stays undefined: no cycle");
        }
    }

    @Test
    @SuppressWarnings("try") // the collector acts by its scope: operations inside it are recorded
    void backwardWithCreateGraphLeavesAGradientThatHoldsItsGraph() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
                GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray x = manager.create(X);
            x.setRequiresGradient(true);
            NDArray f = x.pow(3).sum();
            JniUtils.backward((PtNDArray) f, (PtNDArray) manager.ones(f.getShape(), DataType.FLOAT64), true, true);
            NDArray gradient = x.getGradient();
            assertArrayEquals(new double[] {3, 12, 27}, gradient.toDoubleArray());
            assertFalse(JniUtils.getGradientFunctionNames((PtNDArray) gradient).isEmpty(),
                    "x.grad has a grad_fn whose graph reaches x");
        }
    }

    @Test
    void aLinearCostHasAZeroHessianAndAnIgnoredFactorAZeroGradient() {
        Product<DMatrixRMaj> product = new Product<>(List.of(Euclidean.onCpu(3, 1), Euclidean.onCpu(2, 1)));
        try (AutodiffProblem<ProductPoint<DMatrixRMaj>> problem = AutodiffProblem.of(product,
                x -> x.get(0).mul(x.get(0).getManager().create(V).reshape(3, 1)).sum())) {
            ProductPoint<DMatrixRMaj> point = product.allocate();
            System.arraycopy(X, 0, point.component(0).data, 0, 3);
            point.component(1).set(0, 0, 7);
            ProductPoint<DMatrixRMaj> out = product.allocate();
            assertEquals(0.5 - 8 - 3, problem.costAndEuclideanGradient(point, out));
            assertArrayEquals(V, out.component(0).data);
            assertArrayEquals(new double[2], out.component(1).data);
            ProductPoint<DMatrixRMaj> direction = product.allocate();
            product.copy(point, direction);
            problem.euclideanHessian().orElseThrow().apply(point, direction, out);
            assertArrayEquals(new double[3], out.component(0).data);
            assertArrayEquals(new double[2], out.component(1).data);
        }
    }

    /** {@code gradient(output, [input])}, or {@code hessian_vector([output], [input], [vector])}. */
    private static NDList run(PtSymbolBlock module, String method, NDArray output, NDArray input, NDArray vector) {
        NDArray marker = output.getManager().create(0.0);
        marker.setName("module_method:" + method);
        input.setName("inputs[]");
        if (vector == null) {
            output.setName(null);
            return IValueUtils.forward(module, new NDList(output, input, marker), true);
        }
        output.setName("gradients[]");
        vector.setName("vectors[]");
        return IValueUtils.forward(module, new NDList(output, input, vector, marker), true);
    }
}
