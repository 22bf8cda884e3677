package io.jdask.spi;

import java.util.ServiceLoader;

/** Finds the {@link DaskRuntime} once. */
public final class Runtimes {
    private Runtimes() {}

    private static final class Holder {
        static final DaskRuntime RUNTIME = ServiceLoader.load(DaskRuntime.class, Runtimes.class.getClassLoader())
                .findFirst()
                .orElse(null);
    }

    /** The runtime; a clear error when jdask's client module is not on the class path. */
    public static DaskRuntime get() {
        DaskRuntime r = Holder.RUNTIME;
        if (r == null) {
            throw new IllegalStateException("no jdask runtime on the class path: clusters, clients and futures need "
                    + "the io.jdask:jdask-client module (delayed(...).compute() works without it)");
        }
        return r;
    }
}
