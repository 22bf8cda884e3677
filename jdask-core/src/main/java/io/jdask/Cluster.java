package io.jdask;

import io.jdask.spi.Runtimes;
import java.util.List;

/**
 * A scheduler and its workers, wherever they run: what {@link LocalCluster} and the clusters started over SSH or a
 * batch system share. {@code Client.connect(cluster)} joins it.
 *
 * {@snippet :
 * try (Cluster cluster = LocalCluster.builder().workers(1).build();
 *      Client client = Client.connect(cluster)) {
 *     cluster.adapt(1, 8); // more workers while tasks wait, fewer when idle
 *     // ...
 * }
 * }
 */
public interface Cluster extends AutoCloseable {

    /** The scheduler's address, {@code tcp://host:port} or {@code tls://host:port}. */
    String schedulerAddress();

    /** The dashboard's URL, or an empty string if it is disabled. */
    String dashboardLink();

    /** The addresses of the workers running now. */
    List<String> workerAddresses();

    /**
     * Adds or stops workers until there are {@code n}; stopping a worker first moves its data to the others. Ends
     * {@link #adapt}: implementations call {@code Runtimes.get().endAdapt(this)} first, and in {@link #close()}.
     */
    void scale(int n);

    /**
     * Lets the cluster size itself between {@code minimum} and {@code maximum} workers from now on: more while tasks
     * wait, fewer when workers are idle. {@link #scale(int)} ends it.
     */
    default void adapt(int minimum, int maximum) {
        Runtimes.get().adapt(this, minimum, maximum);
    }

    /** The credentials a client needs to join it, or null if it does not use TLS. */
    default Security security() {
        return null;
    }

    /** Stops the workers and the scheduler this cluster started; no process is left behind. */
    @Override
    void close();
}
