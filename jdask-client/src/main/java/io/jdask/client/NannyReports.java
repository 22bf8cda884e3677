package io.jdask.client;

import io.jdask.Security;
import io.jdask.protocol.ClientMsg;
import java.time.Duration;

/**
 * A nanny's line to the scheduler from another process ({@code jdask worker --nworkers N}): it says why a worker
 * process ended ({@code ClientMsg.WorkerExited}), as LocalCluster's nanny does in the scheduler's own JVM. A client
 * connection of its own, not the default client of the process.
 */
public final class NannyReports implements AutoCloseable {
    private final Session session;

    private NannyReports(Session session) {
        this.session = session;
    }

    /** Connects to the scheduler at {@code address} ({@code security} null without TLS). */
    public static NannyReports connect(String address, Security security, Duration timeout) {
        return new NannyReports(Session.connect(address, security, timeout));
    }

    /** Tells the scheduler why the worker process {@code pid} ended. */
    public void workerExited(long pid, String cause) {
        session.send(new ClientMsg.WorkerExited(pid, cause));
    }

    @Override
    public void close() {
        session.close();
    }
}
