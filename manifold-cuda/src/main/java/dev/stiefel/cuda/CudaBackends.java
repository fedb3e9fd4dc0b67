package dev.stiefel.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Finds a working {@link CudaBinding}: tries {@link JCudaBinding} (CUDA 12 hosts), then
 * {@link JavaCppCudaBinding} (CUDA 13 hosts), and keeps the first whose constructor (library
 * loading, device query, handle creation) succeeds. Missing natives
 * ({@link UnsatisfiedLinkError}, {@link NoClassDefFoundError}, any {@link LinkageError}) and
 * CUDA errors are caught and reported, never thrown: on a machine without a GPU {@link #load()}
 * returns an empty binding and a report saying why.
 *
 * <p>The system property {@value #BINDING_PROPERTY} ({@code jcuda} or {@code javacpp}) restricts
 * the search to one binding.
 */
public final class CudaBackends {

    /** System property naming the only binding to try: {@code jcuda} or {@code javacpp}. */
    public static final String BINDING_PROPERTY = "stiefel.cuda.binding";

    private CudaBackends() {
    }

    /**
     * The outcome of {@link #load()}.
     *
     * @param binding the first binding that worked, if any (the caller closes it)
     * @param report one line per binding tried, saying which loaded or why it did not
     */
    public record Loaded(Optional<CudaBinding> binding, String report) {
    }

    /** Tries the bindings in order (see the class comment); never throws for a missing GPU. */
    public static Loaded load() {
        String only = System.getProperty(BINDING_PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        List<String> lines = new ArrayList<>();
        if (only.isEmpty() || only.equals("jcuda")) {
            Optional<CudaBinding> binding = attempt("jcuda (CUDA 12)", () -> new JCudaBinding(), lines);
            if (binding.isPresent()) {
                return new Loaded(binding, String.join("\n", lines));
            }
        }
        if (only.isEmpty() || only.equals("javacpp")) {
            Optional<CudaBinding> binding = attempt("javacpp (CUDA 13)", () -> new JavaCppCudaBinding(), lines);
            if (binding.isPresent()) {
                return new Loaded(binding, String.join("\n", lines));
            }
        }
        if (!only.isEmpty() && !only.equals("jcuda") && !only.equals("javacpp")) {
            lines.add(BINDING_PROPERTY + "=" + only + " names no binding (expected jcuda or javacpp)");
        }
        lines.add("no CUDA backend available");
        return new Loaded(Optional.empty(), String.join("\n", lines));
    }

    /**
     * Constructs one binding. The constructor is reached through a lambda so that even the
     * binding's class (whose fields and methods name the types of the binding's jars) is resolved
     * inside the try: a missing jar is then a reported {@link NoClassDefFoundError}, not a thrown
     * one.
     */
    private static Optional<CudaBinding> attempt(String label, Supplier<CudaBinding> constructor, List<String> lines) {
        try {
            CudaBinding binding = constructor.get();
            lines.add(label + ": loaded, " + binding.describe());
            return Optional.of(binding);
        } catch (LinkageError | RuntimeException e) {
            lines.add(label + ": unavailable, " + e.getClass().getSimpleName() + ": " + firstLine(e.getMessage()));
            return Optional.empty();
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
