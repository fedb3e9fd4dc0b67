package dev.stiefel.testkit;

import dev.stiefel.kernel.DenseKernels;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * A dense backend that counts its live matrices: every matrix made by {@link DenseKernels#create}
 * or {@link DenseKernels#fromHost} and not yet given back by {@link DenseKernels#free}. Wraps any
 * backend and does the work there, so an object under test runs as usual; after its
 * {@code close()}, {@link #live()} says how many matrices it still holds. On a GPU backend those
 * are device buffers; on the host they show the same ownership mistakes.
 *
 * @param <M> the backend's matrix type
 */
public final class CountingKernels<M> {

    private final DenseKernels<M> counted;
    private final Set<Object> live = Collections.newSetFromMap(new IdentityHashMap<>());
    private int doubleFrees;
    private int closes;

    private CountingKernels(DenseKernels<M> backend) {
        InvocationHandler handler = (proxy, method, args) -> dispatch(backend, method, args);
        @SuppressWarnings("unchecked") // the proxy implements exactly DenseKernels
        DenseKernels<M> proxy = (DenseKernels<M>) Proxy.newProxyInstance(DenseKernels.class.getClassLoader(),
                new Class<?>[] {DenseKernels.class}, handler);
        this.counted = proxy;
    }

    /**
     * Counts the live matrices of {@code backend}.
     *
     * @param backend the backend that does the work
     * @param <M> its matrix type
     * @return the counter; {@link #kernels()} is the backend to hand to the code under test
     */
    public static <M> CountingKernels<M> of(DenseKernels<M> backend) {
        if (backend == null) {
            throw new IllegalArgumentException("backend must not be null");
        }
        return new CountingKernels<>(backend);
    }

    /**
     * The counting backend.
     *
     * @return a backend that does the work of the wrapped one and counts its matrices
     */
    public DenseKernels<M> kernels() {
        return counted;
    }

    /**
     * Matrices made and not freed so far.
     *
     * @return their number
     */
    public synchronized int live() {
        return live.size();
    }

    /**
     * Frees of a matrix that was not live: freed twice, or never made here.
     *
     * @return their number
     */
    public synchronized int doubleFrees() {
        return doubleFrees;
    }

    /**
     * Calls of the backend's {@code close()}: code handed kernels it does not own must not close them.
     *
     * @return their number
     */
    public synchronized int closes() {
        return closes;
    }

    private Object dispatch(DenseKernels<M> backend, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        if (method.getDeclaringClass() == Object.class) {
            return switch (name) {
                case "equals" -> args[0] == counted;
                case "hashCode" -> System.identityHashCode(counted);
                default -> "counting " + backend;
            };
        }
        if (name.equals("free") && args != null && args.length == 1) {
            synchronized (this) {
                if (!live.remove(args[0])) {
                    doubleFrees++;
                }
            }
        }
        if (name.equals("close") && (args == null || args.length == 0)) {
            synchronized (this) {
                closes++;
            }
        }
        Object result;
        try {
            // default methods run on the backend too, so that the matrices they make internally
            // (and free again) are the backend's business, not counted twice
            result = method.invoke(backend, args);
        } catch (InvocationTargetException failure) {
            throw failure.getCause();
        }
        if ((name.equals("create") || name.equals("fromHost")) && result != null) {
            synchronized (this) {
                live.add(result);
            }
        }
        return result;
    }
}
