package dev.stiefel.autodiff;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineProvider;
import ai.djl.ndarray.NDManager;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A DJL engine that is not PyTorch, for the paths that must refuse it: its managers know their
 * engine, open and close, and nothing else. Registered under {@link #NAME} by {@link #register()}.
 */
final class FakeEngine extends Engine {

    static final String NAME = "NotPyTorchForTests";

    /** Managers opened and not yet closed. */
    static final AtomicInteger OPEN_MANAGERS = new AtomicInteger();

    private static final FakeEngine INSTANCE = new FakeEngine();

    static void register() {
        if (!Engine.hasEngine(NAME)) {
            Engine.registerEngine(new EngineProvider() {
                @Override
                public String getEngineName() {
                    return NAME;
                }

                @Override
                public int getEngineRank() {
                    return Integer.MAX_VALUE;
                }

                @Override
                public Engine getEngine() {
                    return INSTANCE;
                }
            });
        }
    }

    @Override
    public Engine getAlternativeEngine() {
        return null;
    }

    @Override
    public String getEngineName() {
        return NAME;
    }

    @Override
    public int getRank() {
        return Integer.MAX_VALUE;
    }

    @Override
    public String getVersion() {
        return "0";
    }

    @Override
    public boolean hasCapability(String capability) {
        return false;
    }

    @Override
    public Model newModel(String name, Device device) {
        throw new UnsupportedOperationException(NAME + " has no models");
    }

    @Override
    public NDManager newBaseManager() {
        return newBaseManager(Device.cpu());
    }

    @Override
    public NDManager newBaseManager(Device device) {
        OPEN_MANAGERS.incrementAndGet();
        boolean[] open = {true};
        return (NDManager) Proxy.newProxyInstance(NDManager.class.getClassLoader(), new Class<?>[] {NDManager.class},
                (proxy, method, arguments) -> switch (method.getName()) {
                    case "getEngine" -> INSTANCE;
                    case "getDevice", "defaultDevice" -> device;
                    case "isOpen" -> open[0];
                    case "newSubManager" -> newBaseManager(device);
                    case "close" -> {
                        if (open[0]) {
                            open[0] = false;
                            OPEN_MANAGERS.decrementAndGet();
                        }
                        yield null;
                    }
                    case "toString" -> NAME + " manager";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == arguments[0];
                    default -> throw new UnsupportedOperationException(NAME + " does not implement " + method.getName());
                });
    }
}
