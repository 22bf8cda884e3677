package io.jdask.spi;

import io.jdask.Client;
import io.jdask.Future;
import io.jdask.LocalCluster;
import java.time.Duration;

/**
 * The distributed runtime behind the public API, found with {@link java.util.ServiceLoader} (jdask's client
 * module provides it), so that the API module does not depend on the runtime, as in Ray's Java SDK.
 */
public interface DaskRuntime {

    /** Joins a running scheduler, e.g. {@code tcp://host:8786}; fails within {@code timeout}. */
    Client connect(String address, Duration timeout);

    /**
     * Joins a running scheduler with the cluster's credentials ({@code tls://host:port}); with {@code security} null
     * as {@link #connect(String, Duration)}. Fails within {@code timeout}.
     */
    default Client connect(String address, io.jdask.Security security, Duration timeout) {
        if (security == null) {
            return connect(address, timeout);
        }
        throw new UnsupportedOperationException("this jdask runtime cannot connect with TLS credentials");
    }

    /** New credentials of a new cluster, in memory (see {@code Security.temporary()}). */
    default io.jdask.Security temporarySecurity() {
        throw new UnsupportedOperationException("this jdask runtime cannot make credentials");
    }

    /** Starts a local cluster and returns a client of it. */
    LocalCluster startLocalCluster(LocalCluster.Spec spec);

    /** A client of the given local cluster. */
    Client connect(LocalCluster cluster);

    /** A client of any cluster: its scheduler address, with its credentials if it has them. */
    default Client connect(io.jdask.Cluster cluster) {
        if (cluster instanceof LocalCluster local) {
            return connect(local);
        }
        return connect(cluster.schedulerAddress(), cluster.security(), Duration.ofSeconds(30));
    }

    /** Starts sizing {@code cluster} between {@code minimum} and {@code maximum} workers (see {@code Cluster.adapt}). */
    default void adapt(io.jdask.Cluster cluster, int minimum, int maximum) {
        throw new UnsupportedOperationException("this jdask runtime cannot adapt a cluster");
    }

    /**
     * Ends the adaptive sizing of {@code cluster}, if any (a no-op on the adaptive loop's own thread, whose scaling
     * calls {@code scale}). A {@code Cluster} calls it from {@code scale(n)} and {@code close()}.
     */
    default void endAdapt(io.jdask.Cluster cluster) {}

    /** The client of the cluster this task runs on; throws {@link IllegalStateException} outside a task. */
    Client taskClient();

    /** Gives this task's worker thread back to the pool while it waits (see {@code Dask.secede}). */
    void secede();

    /** Takes a worker thread again after {@link #secede()}. */
    void rejoin();

    /** Keeps the future's task running even when no client holds it. */
    void fireAndForget(Future<?> future);
}
