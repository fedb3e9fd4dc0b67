package dev.stiefel.check;

import java.lang.management.ManagementFactory;

/**
 * Bytes allocated by the current thread ({@code com.sun.management.ThreadMXBean}), for tests
 * that show solver iterations do not allocate. Public so that users can check allocation-free claims of their own code.
 */
public final class AllocationProbe {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private AllocationProbe() {
    }

    /** Whether the JVM can measure per-thread allocation. */
    public static boolean supported() {
        return THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled();
    }

    /** Bytes allocated so far by the calling thread. */
    public static long allocatedBytes() {
        return THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    /** Bytes the calling thread allocates while running {@code action}. */
    public static long bytesAllocatedBy(Runnable action) {
        long before = allocatedBytes();
        action.run();
        return allocatedBytes() - before;
    }
}
