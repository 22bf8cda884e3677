package io.jdask.scheduler;

import io.jdask.protocol.SchedulerMsg;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;

/**
 * Clients' restarts waiting for the workers that were asked to close: each gets its {@code Ack} once all of them
 * have left, or an {@code Ack} with an error at its deadline. Loop-confined.
 */
final class Restarts implements LoopTimer {
    /** A client's restart waiting for the listed workers to leave. */
    private record Restart(Connection client, long requestId, Set<String> waitingFor, long deadlineNanos) {}

    private final ArrayList<Restart> open = new ArrayList<>();
    private final Duration timeout;
    private final Connections connections;

    Restarts(Duration timeout, Connections connections) {
        this.timeout = timeout;
        this.connections = connections;
    }

    /** Waits for {@code workers} to leave on behalf of {@code client}; with none, answers at once. */
    void start(Connection client, long requestId, Collection<String> workers, long nowNanos) {
        var r = new Restart(client, requestId, new HashSet<>(workers), nowNanos + timeout.toNanos());
        if (r.waitingFor.isEmpty()) {
            connections.sendIfOpen(client, new SchedulerMsg.Ack(requestId, null));
        } else {
            open.add(r);
        }
    }

    /** A worker left: answers the restarts that waited only for it. */
    void workerGone(String worker) {
        for (Iterator<Restart> it = open.iterator(); it.hasNext(); ) {
            Restart r = it.next();
            if (r.waitingFor.remove(worker) && r.waitingFor.isEmpty()) {
                it.remove();
                connections.sendIfOpen(r.client, new SchedulerMsg.Ack(r.requestId, null));
            }
        }
    }

    @Override
    public long nextDeadline() {
        long d = Long.MAX_VALUE;
        for (Restart r : open) {
            d = d == Long.MAX_VALUE || r.deadlineNanos - d < 0 ? r.deadlineNanos : d;
        }
        return d;
    }

    /** Answers, with an error, the restarts whose workers did not all leave in time. */
    @Override
    public void expire(long nowNanos) {
        for (Iterator<Restart> it = open.iterator(); it.hasNext(); ) {
            Restart r = it.next();
            if (nowNanos - r.deadlineNanos >= 0) {
                it.remove();
                connections.sendIfOpen(
                        r.client,
                        new SchedulerMsg.Ack(
                                r.requestId,
                                "workers " + new ArrayList<>(r.waitingFor) + " did not leave within " + timeout
                                        + " after being asked to close"));
            }
        }
    }
}
