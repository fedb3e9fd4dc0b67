package dev.stiefel.kernel;

import java.util.Optional;

/**
 * A backend that lives in another module (a device), found by {@link java.util.ServiceLoader}
 * through {@link Kernels#device(String)}: modules that cannot depend on the backend's module (the
 * trainer in {@code etf-train} and {@code manifold-cuda} would form a Maven cycle) ask for it by
 * name. An implementation registers itself in
 * {@code META-INF/services/dev.stiefel.kernel.KernelsProvider} and needs a public no-argument
 * constructor.
 */
public interface KernelsProvider {

    /** The name {@link Kernels#device(String)} looks for, e.g. {@code "cuda"}, {@code "cuda-f32"}. */
    String name();

    /**
     * New kernels on the device, or empty when the device, its driver or its libraries are
     * absent (never throws for that; {@link #report()} says why). Each call returns a new
     * instance: backends own workspaces and are not thread-safe.
     */
    Optional<DenseKernels<?>> create();

    /** One or more lines saying what was found or why {@link #create()} is empty; never throws. */
    String report();
}
