package dev.stiefel.problem;

/**
 * Which optional methods of {@link Problem} a class overrides, found once per class by
 * reflection and cached, so that {@link Problem#hasEuclideanHessian()} follows from what the
 * class implements rather than from a flag that can be forgotten.
 */
final class ProblemSupport {

    private static final ClassValue<Boolean> HESSIAN = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            return overrides(type, "euclideanHessian", 3);
        }
    };

    private static final ClassValue<Boolean> PRECONDITIONER = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            return overrides(type, "preconditioner", 3);
        }
    };

    private ProblemSupport() {
    }

    static boolean overridesEuclideanHessian(Class<?> type) {
        return HESSIAN.get(type);
    }

    static boolean overridesPreconditioner(Class<?> type) {
        return PRECONDITIONER.get(type);
    }

    /**
     * Whether a class between {@code type} and {@link Problem} declares a concrete method
     * {@code name} with {@code arity} parameters (generic erasure makes them all {@code Object}
     * in the interface; implementations may declare narrower types, whose bridge methods are
     * synthetic, so any non-synthetic, non-abstract declaration counts).
     */
    private static boolean overrides(Class<?> type, String name, int arity) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            if (declares(c, name, arity)) {
                return true;
            }
            for (Class<?> i : c.getInterfaces()) {
                if (interfaceDeclares(i, name, arity)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean interfaceDeclares(Class<?> type, String name, int arity) {
        if (type == Problem.class) {
            return false;
        }
        if (declares(type, name, arity)) {
            return true;
        }
        for (Class<?> i : type.getInterfaces()) {
            if (interfaceDeclares(i, name, arity)) {
                return true;
            }
        }
        return false;
    }

    private static boolean declares(Class<?> c, String name, int arity) {
        for (java.lang.reflect.Method method : c.getDeclaredMethods()) {
            if (method.getName().equals(name) && method.getParameterCount() == arity && !method.isSynthetic()
                    && !java.lang.reflect.Modifier.isAbstract(method.getModifiers())
                    && !java.lang.reflect.Modifier.isStatic(method.getModifiers())) {
                return true;
            }
        }
        return false;
    }
}
