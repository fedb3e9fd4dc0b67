package dev.stiefel.autodiff;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Exact Euclidean Hessian-vector products by double backward on DJL's PyTorch engine: the only
 * class of this module that uses the engine's internals. Written against the PyTorch engine
 * 0.35.1 ({@code ai.djl.pytorch:pytorch-engine}) with libtorch 2.7.1; it calls
 * {@code JniUtils.loadModule(PtNDManager, InputStream, boolean, boolean)} and
 * {@code IValueUtils.forward(PtSymbolBlock, NDList, boolean)}, and checks at construction that
 * the cost's engine is PyTorch.
 *
 * <p>DJL's public {@code GradientCollector} cannot build the gradient's own graph. The engine's
 * {@code JniUtils.backward(target, grad, keepGraph, createGraph = true)} can, but it accumulates
 * the differentiable gradient into the leaf's {@code .grad}, whose graph then holds the leaf: a
 * reference cycle that only resetting {@code .grad} to undefined breaks, and DJL 0.35.1 offers no
 * call that does (zeroing keeps the graph). Each new point would leak the point, its gradient and
 * the saved tensors of both passes (measured: about 4.5 MB per point on St(1000, 100)). This
 * class therefore differentiates with libtorch's {@code torch::autograd::grad}, which returns the
 * gradient without touching {@code .grad}: it is reached through a two-method TorchScript module
 * built in memory (source below, compiled by libtorch when loaded), so nothing but the graph
 * itself refers to the leaves and closing the arrays frees everything.
 *
 * <p>At a point {@code x} the cost is recorded once and its gradient {@code g = grad f(x)} is
 * computed with its own graph ({@code create_graph}); each product then runs one reverse pass of
 * that graph with the direction as the output weights, {@code Hess f(x)[v] = grad_x <g(x), v>}
 * (Pearlmutter, "Fast exact multiplication by the Hessian", Neural Computation 6(1), 1994),
 * keeping {@code g}'s graph for the next direction. Solvers ask for many products at one point (the truncated conjugate
 * gradients of trust regions), so the recording is paid once per point. When a new point comes,
 * the old one's arrays are closed; so are the arrays of every product when it returns.
 *
 * <p>An operation without a second derivative in libtorch makes the product fail with an
 * {@link IllegalStateException} that names {@link HessianMethod#FINITE_DIFFERENCE_OF_GRADIENTS}.
 * Not thread-safe.
 */
final class PyTorchDoubleBackward implements HessianVectorProduct {

    /** The method object behind {@link HessianMethod#DOUBLE_BACKWARD}. */
    static final HessianMethod METHOD = new HessianMethod() {
        @Override
        public String name() {
            return "DOUBLE_BACKWARD";
        }

        @Override
        public HessianVectorProduct start(DifferentiableCost cost) {
            return new PyTorchDoubleBackward(cost);
        }

        @Override
        public String toString() {
            return name();
        }
    };

    /** DJL's name of the engine this class needs. */
    static final String ENGINE = "PyTorch";

    /**
     * The TorchScript module. {@code gradient} returns {@code torch.autograd.grad(output, inputs,
     * create_graph=True)}; {@code hessian_vector} returns {@code torch.autograd.grad(gradients,
     * inputs, grad_outputs=vectors)}, that is {@code sum_i J(g_i)^T v_i = Hess f[v]}. Both keep
     * the graph ({@code retain_graph}: the gradient's graph serves further directions) and allow
     * unused inputs, zeros standing for inputs the outputs do not depend on; a gradient without
     * a graph (the cost is linear in that factor) has a zero derivative and is left out.
     * {@code torch.grad} is how serialised TorchScript spells {@code torch.autograd.grad}.
     */
    static final String SOURCE = String.join("\n",
            "class Derivatives(Module):",
            "  __parameters__ = []",
            "  __buffers__ = []",
            "  training : bool",
            "  def gradient(self: __torch__.Derivatives,",
            "    output: Tensor,",
            "    inputs: List[Tensor]) -> List[Tensor]:",
            "    outputs = annotate(List[Tensor], [])",
            "    if output.requires_grad:",
            "      outputs.append(output)",
            "    return self.differentiate(outputs, inputs, annotate(List[Optional[Tensor]], []), True)",
            "  def hessian_vector(self: __torch__.Derivatives,",
            "    gradients: List[Tensor],",
            "    inputs: List[Tensor],",
            "    vectors: List[Tensor]) -> List[Tensor]:",
            "    outputs = annotate(List[Tensor], [])",
            "    weights = annotate(List[Optional[Tensor]], [])",
            "    for i in range(len(gradients)):",
            "      if gradients[i].requires_grad:",
            "        outputs.append(gradients[i])",
            "        weights.append(vectors[i])",
            "    return self.differentiate(outputs, inputs, weights, False)",
            "  def differentiate(self: __torch__.Derivatives,",
            "    outputs: List[Tensor],",
            "    inputs: List[Tensor],",
            "    weights: List[Optional[Tensor]],",
            "    create_graph: bool) -> List[Tensor]:",
            "    result = annotate(List[Tensor], [])",
            "    if len(outputs) > 0:",
            "      if len(weights) > 0:",
            "        grads = torch.grad(outputs, inputs, weights, True, create_graph, True)",
            "      else:",
            "        grads = torch.grad(outputs, inputs, None, True, create_graph, True)",
            "      for i in range(len(inputs)):",
            "        g = grads[i]",
            "        if g is None:",
            "          result.append(torch.zeros_like(inputs[i]))",
            "        else:",
            "          result.append(g)",
            "    else:",
            "      for i in range(len(inputs)):",
            "        result.append(torch.zeros_like(inputs[i]))",
            "    return result",
            "");

    /** DJL's convention: an array with this name prefix selects the module method to run. */
    private static final String METHOD_PREFIX = "module_method:";
    /** DJL's convention: arrays sharing a name of the form {@code name[]} form one {@code List[Tensor]}. */
    private static final String INPUTS = "inputs[]";
    private static final String GRADIENTS = "gradients[]";
    private static final String VECTORS = "vectors[]";

    private final DifferentiableCost cost;
    private final NDManager moduleManager;
    private final PtSymbolBlock module;
    private final NDArray gradientMethod;
    private final NDArray hessianVectorMethod;
    private final StagedInput pointInput;
    private final StagedInput directionInput;
    private final double[][] point;

    private NDManager pointManager;
    private NDList leaves;
    private NDList gradient;
    private boolean closed;

    /**
     * @throws IllegalArgumentException when the cost's engine is not PyTorch
     * @throws IllegalStateException when the engine's internals differ from those of 0.35.1
     */
    PyTorchDoubleBackward(DifferentiableCost cost) {
        NDManager manager = cost.manager();
        String engine = manager.getEngine().getEngineName();
        if (!ENGINE.equals(engine) || !(manager instanceof PtNDManager)) {
            throw new IllegalArgumentException(cost.owner() + ": Hessian-vector products by double backward need "
                    + "DJL's PyTorch engine, but the cost runs on " + engine + "; choose "
                    + "HessianMethod.FINITE_DIFFERENCE_OF_GRADIENTS (AutodiffOptions.withHessianMethod), which "
                    + "needs first derivatives only");
        }
        this.cost = cost;
        this.moduleManager = manager.newSubManager();
        try {
            module = JniUtils.loadModule((PtNDManager) moduleManager, new ByteArrayInputStream(archive()), false,
                    false);
        } catch (IOException | EngineException | LinkageError failure) {
            moduleManager.close();
            throw new IllegalStateException(cost.owner() + ": could not load the double-backward module into the "
                    + "PyTorch engine " + manager.getEngine().getVersion() + " (written for DJL 0.35.1, libtorch "
                    + "2.7.1): " + failure.getMessage() + "; HessianMethod.FINITE_DIFFERENCE_OF_GRADIENTS does "
                    + "without it", failure);
        }
        gradientMethod = marker(moduleManager, "gradient");
        hessianVectorMethod = marker(moduleManager, "hessian_vector");
        pointInput = cost.newStagedInput();
        directionInput = cost.newStagedInput();
        point = new double[cost.factorCount()][];
        for (int i = 0; i < point.length; i++) {
            point[i] = new double[cost.size(i)];
        }
    }

    private static NDArray marker(NDManager manager, String method) {
        NDArray marker = manager.create(0.0);
        marker.setName(METHOD_PREFIX + method);
        return marker;
    }

    @Override
    public void apply(double[][] x, double[][] v, double[][] out) {
        if (closed) {
            throw new IllegalStateException(cost.owner() + ": the double-backward product is closed");
        }
        if (gradient == null || !atPoint(x)) {
            moveTo(x);
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDList directions = directionInput.load(pointManager, v, false);
            NDList inputs = new NDList(3 * leaves.size() + 1);
            for (NDArray component : gradient) {
                component.setName(GRADIENTS);
                inputs.add(component);
            }
            addLeaves(inputs);
            for (NDArray direction : directions) {
                direction.setName(VECTORS);
                inputs.add(direction);
            }
            inputs.add(hessianVectorMethod);
            NDList products = IValueUtils.forward(module, inputs, true);
            for (int i = 0; i < products.size(); i++) {
                DifferentiableCost.read(products.get(i), out[i], cost.size(i));
            }
        } catch (EngineException failure) {
            throw new IllegalStateException(cost.owner() + ": double backward through the cost failed: "
                    + failure.getMessage() + "; an operation in the cost has no second derivative in libtorch? "
                    + "HessianMethod.FINITE_DIFFERENCE_OF_GRADIENTS needs first derivatives only", failure);
        }
        for (int i = 0; i < out.length; i++) {
            DifferentiableCost.requireFinite(out[i], cost.size(i), cost.owner(), "the Hessian-vector product", i,
                    "(a second derivative of sqrt, log or a norm at zero?)");
        }
    }

    private boolean atPoint(double[][] x) {
        for (int i = 0; i < point.length; i++) {
            if (!Arrays.equals(point[i], 0, cost.size(i), x[i], 0, cost.size(i))) {
                return false;
            }
        }
        return true;
    }

    /** Records the cost at {@code x} and its gradient with the gradient's own graph. */
    @SuppressWarnings("try") // the collector acts by its scope: operations inside it are recorded
    private void moveTo(double[][] x) {
        releasePoint();
        pointManager = cost.manager().newSubManager();
        try (NDScope scope = new NDScope(); GradientCollector collector = cost.newGradientCollector()) {
            scope.suppressNotUsedWarning();
            leaves = pointInput.load(pointManager, x, true);
            NDArray value = cost.evaluate(leaves);
            value.attach(pointManager);
            if (Double.isNaN(DifferentiableCost.scalar(value))) {
                throw new ArithmeticException(cost.owner() + ": the cost is NaN at this point (0/0, log or sqrt of a "
                        + "negative number, or inf - inf in the cost?)");
            }
            gradient = differentiableGradient(value);
            NDScope.unregister(leaves);
            NDScope.unregister(gradient);
        } catch (EngineException failure) {
            releasePoint();
            throw new IllegalStateException(cost.owner() + ": the gradient with its own graph (the first half of "
                    + "double backward) failed: " + failure.getMessage() + "; HessianMethod."
                    + "FINITE_DIFFERENCE_OF_GRADIENTS needs first derivatives only", failure);
        } catch (RuntimeException failure) {
            releasePoint();
            throw failure;
        }
        for (int i = 0; i < point.length; i++) {
            System.arraycopy(x[i], 0, point[i], 0, cost.size(i));
        }
    }

    /**
     * The gradient of {@code output} with its own graph, by the module; the results land in
     * {@code output}'s manager (DJL's rule for module outputs).
     */
    private NDList differentiableGradient(NDArray output) {
        NDList inputs = new NDList(leaves.size() + 2);
        output.setName(null);
        inputs.add(output);
        addLeaves(inputs);
        inputs.add(gradientMethod);
        return IValueUtils.forward(module, inputs, true);
    }

    private void addLeaves(NDList inputs) {
        for (NDArray leaf : leaves) {
            leaf.setName(INPUTS);
            inputs.add(leaf);
        }
    }

    private void releasePoint() {
        if (pointManager != null) {
            pointManager.close();
        }
        pointManager = null;
        leaves = null;
        gradient = null;
    }

    /** Frees the recorded point and the module; closing twice is harmless. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        releasePoint();
        moduleManager.close();
    }

    @Override
    public String toString() {
        return METHOD.name() + (closed ? " (closed)" : "");
    }

    /**
     * The module as a TorchScript archive: a zip of stored entries under one top-level folder
     * holding the source ({@code code/__torch__.py}), the pickled module object
     * ({@code data.pkl}: an instance of {@code __torch__.Derivatives} whose only attribute is
     * {@code training = True}), an empty constants table ({@code constants.pkl}) and the format
     * version 3.
     */
    static byte[] archive() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            store(zip, "derivatives/data.pkl", moduleObject());
            store(zip, "derivatives/code/__torch__.py", SOURCE.getBytes(StandardCharsets.UTF_8));
            store(zip, "derivatives/constants.pkl", new byte[] {PROTO, 2, EMPTY_TUPLE, STOP});
            store(zip, "derivatives/version", "3\n".getBytes(StandardCharsets.UTF_8));
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return bytes.toByteArray();
    }

    // Pickle protocol 2 opcodes (Python's pickletools).
    private static final byte PROTO = (byte) 0x80;
    private static final byte GLOBAL = 'c';
    private static final byte EMPTY_TUPLE = ')';
    private static final byte NEWOBJ = (byte) 0x81;
    private static final byte EMPTY_DICT = '}';
    private static final byte MARK = '(';
    private static final byte BINUNICODE = 'X';
    private static final byte NEWTRUE = (byte) 0x88;
    private static final byte SETITEMS = 'u';
    private static final byte BUILD = 'b';
    private static final byte STOP = '.';

    /** {@code Derivatives(training=True)} as TorchScript pickles a module object. */
    private static byte[] moduleObject() {
        ByteArrayOutputStream pickle = new ByteArrayOutputStream();
        pickle.write(PROTO);
        pickle.write(2);
        pickle.write(GLOBAL);
        pickle.writeBytes("__torch__\nDerivatives\n".getBytes(StandardCharsets.UTF_8));
        pickle.write(EMPTY_TUPLE);
        pickle.write(NEWOBJ);
        pickle.write(EMPTY_DICT);
        pickle.write(MARK);
        byte[] name = "training".getBytes(StandardCharsets.UTF_8);
        pickle.write(BINUNICODE);
        for (int shift = 0; shift < 32; shift += 8) {
            pickle.write(name.length >>> shift);
        }
        pickle.writeBytes(name);
        pickle.write(NEWTRUE);
        pickle.write(SETITEMS);
        pickle.write(BUILD);
        pickle.write(STOP);
        return pickle.toByteArray();
    }

    /** libtorch reads stored (uncompressed) entries. */
    private static void store(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(data.length);
        entry.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(data);
        zip.closeEntry();
    }
}
