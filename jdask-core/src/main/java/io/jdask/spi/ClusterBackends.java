package io.jdask.spi;

import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/** Looks up the open client's backend through the providers on the class path (loaded once). */
public final class ClusterBackends {
    private ClusterBackends() {}

    private static final class Holder {
        static final List<ClusterBackendProvider> PROVIDERS =
                ServiceLoader.load(ClusterBackendProvider.class, ClusterBackends.class.getClassLoader()).stream()
                        .map(ServiceLoader.Provider::get)
                        .toList();
    }

    /** The backend of the client open in this JVM, if any. */
    public static Optional<ClusterBackend> active() {
        for (ClusterBackendProvider p : Holder.PROVIDERS) {
            Optional<ClusterBackend> b = p.active();
            if (b.isPresent()) return b;
        }
        return Optional.empty();
    }
}
