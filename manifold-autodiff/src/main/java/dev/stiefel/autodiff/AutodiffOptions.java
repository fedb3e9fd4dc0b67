package dev.stiefel.autodiff;

/**
 * Options of an {@link AutodiffProblem}: an immutable value with {@code withX} copies.
 *
 * @param hessianMethod how Hessian-vector products are computed; default
 *     {@link HessianMethod#DOUBLE_BACKWARD}
 * @param engineName the DJL engine evaluating the cost; default {@code "PyTorch"}
 */
public record AutodiffOptions(HessianMethod hessianMethod, String engineName) {

    /** The default engine. */
    public static final String PYTORCH = "PyTorch";

    /**
     * @param hessianMethod how Hessian-vector products are computed
     * @param engineName the DJL engine evaluating the cost
     * @throws IllegalArgumentException when an argument is null or the engine name is blank
     */
    public AutodiffOptions {
        if (hessianMethod == null) {
            throw new IllegalArgumentException("hessianMethod must not be null");
        }
        if (engineName == null || engineName.isBlank()) {
            throw new IllegalArgumentException("engineName must not be null or blank");
        }
    }

    /**
     * Double backward on the PyTorch engine.
     *
     * @return the default options
     */
    public static AutodiffOptions defaults() {
        return new AutodiffOptions(HessianMethod.DOUBLE_BACKWARD, PYTORCH);
    }

    /**
     * These options with another Hessian method.
     *
     * @param method the Hessian method
     * @return a copy with {@code method}
     * @throws IllegalArgumentException when {@code method} is null
     */
    public AutodiffOptions withHessianMethod(HessianMethod method) {
        return new AutodiffOptions(method, engineName);
    }

    /**
     * These options with another DJL engine, by its name (as {@code ai.djl.engine.Engine.getEngine}).
     *
     * @param name the engine's name
     * @return a copy with that engine
     * @throws IllegalArgumentException when {@code name} is null or blank
     */
    public AutodiffOptions withEngine(String name) {
        return new AutodiffOptions(hessianMethod, name);
    }
}
