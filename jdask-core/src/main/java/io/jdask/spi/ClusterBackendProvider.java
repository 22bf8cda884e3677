package io.jdask.spi;

import java.util.Optional;

/** Found with {@link java.util.ServiceLoader}: answers the backend of the client open in this JVM, if any. */
public interface ClusterBackendProvider {

    /** The backend of the client open now, or empty; fast, never throws. */
    Optional<ClusterBackend> active();
}
