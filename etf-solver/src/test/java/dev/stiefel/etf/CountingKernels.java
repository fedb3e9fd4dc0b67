package dev.stiefel.etf;

import dev.stiefel.kernel.DenseKernels;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.ejml.data.DMatrixRMaj;

/**
 * A host backend that keeps the books of what passes through it: every matrix from
 * {@code create} or {@code fromHost} is live until {@code free}, and {@code close} is counted.
 * It delegates every operation to the given kernels, so that a test can check that an object
 * returns every matrix it created and leaves the caller's kernels open.
 */
final class CountingKernels implements InvocationHandler {

    private final DenseKernels<DMatrixRMaj> delegate;
    private final Set<DMatrixRMaj> live = Collections.newSetFromMap(new IdentityHashMap<>());
    private int closes;
    private int doubleFrees;

    private CountingKernels(DenseKernels<DMatrixRMaj> delegate) {
        this.delegate = delegate;
    }

    /** The counting view of {@code delegate} and its books. */
    static Counted wrap(DenseKernels<DMatrixRMaj> delegate) {
        CountingKernels books = new CountingKernels(delegate);
        @SuppressWarnings("unchecked") // the proxy implements DenseKernels and is typed by its delegate
        DenseKernels<DMatrixRMaj> proxy = (DenseKernels<DMatrixRMaj>) Proxy.newProxyInstance(
                DenseKernels.class.getClassLoader(), new Class<?>[] {DenseKernels.class}, books);
        return new Counted(proxy, books);
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] arguments) throws Throwable {
        String name = method.getName();
        if (name.equals("free") && arguments != null && arguments.length == 1) {
            if (!live.remove((DMatrixRMaj) arguments[0])) {
                doubleFrees++;
            }
        }
        if (name.equals("close") && (arguments == null || arguments.length == 0)) {
            closes++;
        }
        Object result;
        try {
            result = method.invoke(delegate, arguments);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
        if ((name.equals("create") || name.equals("fromHost")) && result instanceof DMatrixRMaj matrix) {
            live.add(matrix);
        }
        return result;
    }

    /** A counting backend and its books. */
    record Counted(DenseKernels<DMatrixRMaj> kernels, CountingKernels books) {

        /** Matrices created and not yet freed. */
        int live() {
            return books.live.size();
        }

        /** How often {@code close()} was called on the backend. */
        int closes() {
            return books.closes;
        }

        /** Frees of matrices that were not live (freed twice, or never created here). */
        int doubleFrees() {
            return books.doubleFrees;
        }
    }
}
