package io.jdask.scheduler;

import io.jdask.protocol.WorkerMsg.ProfileData;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/*
 * Design note. Profiles are gathered like Dask's Scheduler.get_profile: ask every worker, wait for the answers,
 * hand them over together. A gather ends when every worker asked has answered or left, or at its deadline (a
 * worker busy in a long GC must not hold a client or the dashboard forever); whatever arrived by then is the
 * answer. Merging the trees is the caller's job: the scheduler does not depend on the profile type of the API.
 *
 * Concurrency: none; loop-confined. The loop calls expire() each turn and waits at most until nextDeadline().
 */
/** Profile requests sent to workers and not fully answered yet; loop-confined. */
final class ProfileGathers {
    /** One gather: who still owes an answer, what arrived, whom to tell. */
    private static final class Gather {
        final Set<String> waitingFor;
        final Map<String, ProfileData> received = new LinkedHashMap<>();
        final long deadlineNanos;
        final Consumer<Map<String, ProfileData>> onDone;

        Gather(Set<String> waitingFor, long deadlineNanos, Consumer<Map<String, ProfileData>> onDone) {
            this.waitingFor = waitingFor;
            this.deadlineNanos = deadlineNanos;
            this.onDone = onDone;
        }
    }

    /** Open gathers by request id; a gather is removed exactly when its onDone runs. */
    private final HashMap<Long, Gather> open = new HashMap<>();

    private long nextId;

    /**
     * Starts a gather from {@code workers} and returns its request id (to put in the requests sent to them). With no
     * workers it completes at once (with an empty map) and returns -1.
     */
    long start(Collection<String> workers, long deadlineNanos, Consumer<Map<String, ProfileData>> onDone) {
        if (workers.isEmpty()) {
            onDone.accept(Map.of());
            return -1;
        }
        long id = ++nextId;
        open.put(id, new Gather(new LinkedHashSet<>(workers), deadlineNanos, onDone));
        return id;
    }

    /** A worker answered; completes the gather if it was the last one owed. */
    void answered(String worker, long requestId, ProfileData data) {
        Gather g = open.get(requestId);
        if (g == null || !g.waitingFor.remove(worker)) {
            return; // late, or not asked
        }
        if (data != null) {
            g.received.put(worker, data);
        }
        if (g.waitingFor.isEmpty()) {
            finish(requestId, g);
        }
    }

    /** A worker left: nobody waits for it any more. */
    void workerGone(String worker) {
        for (Long id : new ArrayList<>(open.keySet())) {
            Gather g = open.get(id);
            if (g.waitingFor.remove(worker) && g.waitingFor.isEmpty()) {
                finish(id, g);
            }
        }
    }

    /** Completes the gathers whose deadline passed with what they have. */
    void expire(long nowNanos) {
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
    long nextDeadline() {
        long d = Long.MAX_VALUE;
        for (Gather g : open.values()) {
            d = d == Long.MAX_VALUE ? g.deadlineNanos : (g.deadlineNanos - d < 0 ? g.deadlineNanos : d);
        }
        return d;
    }

    int openCount() {
        return open.size();
    }

    /** Completes every open gather now (the scheduler is stopping). */
    void finishAll() {
        for (Iterator<Map.Entry<Long, Gather>> it = open.entrySet().iterator(); it.hasNext(); ) {
            Gather g = it.next().getValue();
            it.remove();
            g.onDone.accept(Map.copyOf(g.received));
        }
    }

    private void finish(long id, Gather g) {
        open.remove(id);
        g.onDone.accept(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(g.received)));
    }
}
