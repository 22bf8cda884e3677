package io.jdask.scheduler;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/*
 * Design note. A fan-out/gather to workers, like Dask's Scheduler.broadcast: ask a set of workers one question,
 * collect their replies, hand them over together. A gather ends when every worker asked has answered or left, or at
 * its deadline (a worker busy in a long GC must not hold a client or the dashboard forever); whatever arrived by then
 * is the answer, keyed by worker address in the order the answers arrived.
 *
 * Sending the question is the caller's job: start() returns the request id to put in the messages, and the caller
 * routes each reply here with answered(). So this class knows no sockets, no message types and no threads, and is
 * tested alone. Profiles are its first user (one instance per kind of reply); client.run will be the next.
 *
 * Concurrency: none; loop-confined. As a LoopTimer, the loop calls expire() when the earliest deadline has come.
 */
/** Questions sent to workers and not fully answered yet, for one kind of reply {@code R}; loop-confined. */
final class WorkerGathers<R> implements LoopTimer {
    /** One gather: who still owes an answer, what arrived, whom to tell. */
    private static final class Gather<R> {
        final Set<String> waitingFor;
        final Map<String, R> received = new LinkedHashMap<>();
        final long deadlineNanos;
        final Consumer<Map<String, R>> onDone;

        Gather(Set<String> waitingFor, long deadlineNanos, Consumer<Map<String, R>> onDone) {
            this.waitingFor = waitingFor;
            this.deadlineNanos = deadlineNanos;
            this.onDone = onDone;
        }
    }

    /** Open gathers by request id; a gather is removed exactly when its onDone runs. */
    private final HashMap<Long, Gather<R>> open = new HashMap<>();

    private long nextId;

    /**
     * Starts a gather from {@code workers} and returns its request id (to put in the questions sent to them). With no
     * workers it completes at once (with an empty map) and returns -1: the caller then sends nothing.
     */
    long start(Collection<String> workers, long deadlineNanos, Consumer<Map<String, R>> onDone) {
        if (workers.isEmpty()) {
            onDone.accept(Map.of());
            return -1;
        }
        long id = ++nextId;
        open.put(id, new Gather<>(new LinkedHashSet<>(workers), deadlineNanos, onDone));
        return id;
    }

    /** A worker answered (a null reply counts as an answer without data); completes the gather if it was the last. */
    void answered(String worker, long requestId, R reply) {
        Gather<R> g = open.get(requestId);
        if (g == null || !g.waitingFor.remove(worker)) {
            return; // late, or not asked
        }
        if (reply != null) {
            g.received.put(worker, reply);
        }
        if (g.waitingFor.isEmpty()) {
            finish(requestId, g);
        }
    }

    /** A worker left: nobody waits for it any more. */
    void workerGone(String worker) {
        for (Long id : new ArrayList<>(open.keySet())) {
            Gather<R> g = open.get(id);
            if (g.waitingFor.remove(worker) && g.waitingFor.isEmpty()) {
                finish(id, g);
            }
        }
    }

    /** Completes the gathers whose deadline passed with what they have. */
    @Override
    public void expire(long nowNanos) {
        List<Long> due = new ArrayList<>();
        for (var e : open.entrySet()) {
            if (nowNanos - e.getValue().deadlineNanos >= 0) {
                due.add(e.getKey());
            }
        }
        for (Long id : due) {
            finish(id, open.get(id));
        }
    }

    /** The earliest deadline of an open gather, or Long.MAX_VALUE. */
    @Override
    public long nextDeadline() {
        long d = Long.MAX_VALUE;
        for (Gather<R> g : open.values()) {
            d = d == Long.MAX_VALUE ? g.deadlineNanos : (g.deadlineNanos - d < 0 ? g.deadlineNanos : d);
        }
        return d;
    }

    int openCount() {
        return open.size();
    }

    /** Completes every open gather now (the scheduler is stopping). */
    void finishAll() {
        for (Iterator<Map.Entry<Long, Gather<R>>> it = open.entrySet().iterator(); it.hasNext(); ) {
            Gather<R> g = it.next().getValue();
            it.remove();
            g.onDone.accept(Map.copyOf(g.received));
        }
    }

    private void finish(long id, Gather<R> g) {
        open.remove(id);
        g.onDone.accept(Collections.unmodifiableMap(new LinkedHashMap<>(g.received)));
    }
}
