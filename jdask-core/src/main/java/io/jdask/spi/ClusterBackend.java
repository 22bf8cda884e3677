package io.jdask.spi;

import io.jdask.ComputeOptions;
import io.jdask.Delayed;
import java.util.List;

/**
 * How {@code Delayed.compute()} reaches a cluster without the core depending on the client: the client module
 * registers a {@link ClusterBackendProvider} with {@link java.util.ServiceLoader}, and while a {@code Client} is
 * open its backend computes graphs whose scheduler is {@code Scheduler.DEFAULT}.
 *
 * <p>Not part of the public API: implemented only by jdask's client.
 */
public interface ClusterBackend {

    /** Computes the values on the cluster and returns them in order; throws as {@code Delayed.compute} does. */
    List<Object> compute(List<? extends Delayed<?>> outputs, ComputeOptions options);

    /** Starts computing on the cluster; returns {@code Delayed}s standing for the futures, keys unchanged. */
    List<Delayed<?>> persist(List<? extends Delayed<?>> outputs, ComputeOptions options);
}
