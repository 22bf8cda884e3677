package io.jdask.scheduler;

import io.jdask.protocol.DirectComm;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note. The client time-to-live (issue 14 item 2). A client whose process froze or whose network dropped
 * without closing the socket would otherwise hold its futures (and any lock or semaphore lease) for ever. Clients
 * over the network send ClientMsg.Heartbeat every second; the loop notes when it last received anything on each
 * connection (Connection.lastHeardNanos). Every tenth of the TTL (50 ms to 1 s, as TtlChecks) this timer closes the
 * connections of clients silent past it; the close then goes the one way every client disconnection goes (its keys
 * released, its leases handed on). Unlike the worker TTL nothing of the state's is decided here: a client is only a
 * connection and the keys it wants, which its close already handles.
 *
 * The in-process client of a LocalCluster (DirectComm) is exempt: it lives in the scheduler's own JVM and cannot
 * fall silent while the scheduler runs. A late check (the loop was held) is put off, as in TtlChecks.
 * Loop-confined.
 */
/** Closes the connections of clients silent past the client time-to-live. */
final class ClientTtl implements LoopTimer {
    private static final Logger LOG = LoggerFactory.getLogger(ClientTtl.class);

    private final long ttlNanos;
    private final long intervalNanos;
    private final Connections connections;
    private long next = Long.MAX_VALUE;

    ClientTtl(long ttlNanos, Connections connections) {
        this.ttlNanos = ttlNanos;
        this.intervalNanos = ttlNanos <= 0 ? 0 : TtlChecks.interval(ttlNanos);
        this.connections = connections;
    }

    void start(long nowNanos) {
        if (intervalNanos > 0) {
            next = nowNanos + intervalNanos;
        }
    }

    @Override
    public long nextDeadline() {
        return next;
    }

    @Override
    public void expire(long nowNanos) {
        if (next == Long.MAX_VALUE) {
            return;
        }
        boolean late = nowNanos - next > intervalNanos;
        next = nowNanos + intervalNanos;
        if (late) {
            return;
        }
        for (Connection c : silent(nowNanos)) {
            LOG.warn(
                    "client {} removed: no word from it for {} ms, past the client time-to-live of {} ms; its futures"
                            + " are released",
                    c.id,
                    (nowNanos - c.lastHeardNanos) / 1_000_000,
                    ttlNanos / 1_000_000);
            c.rejected = true; // anything still arriving is dropped; the close removes the client
            c.comm.close();
        }
    }

    /** The network clients not heard from for longer than the TTL at {@code nowNanos}. */
    List<Connection> silent(long nowNanos) {
        List<Connection> out = List.of();
        for (Connection c : connections.clients()) {
            if (!c.rejected && !(c.comm instanceof DirectComm) && nowNanos - c.lastHeardNanos > ttlNanos) {
                if (out.isEmpty()) out = new ArrayList<>();
                out.add(c);
            }
        }
        return out;
    }
}
