package dev.stiefel.autodiff;

import java.util.Objects;

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

    /** Double backward on the PyTorch engine. */
    public static AutodiffOptions defaults() {
        return new AutodiffOptions(HessianMethod.DOUBLE_BACKWARD, PYTORCH);
    }

    /** These options with another Hessian method. */
    public AutodiffOptions withHessianMethod(HessianMethod method) {
        return new AutodiffOptions(Objects.requireNonNull(method, "method"), engineName);
    }

    /** These options with another DJL engine, by its name (as {@code ai.djl.engine.Engine.getEngine}). */
    public AutodiffOptions withEngine(String name) {
        return new AutodiffOptions(hessianMethod, name);
    }
}
