package io.jdask.scheduler;

import io.jdask.protocol.CoordOp;
import io.jdask.protocol.CoordOutcome;
import io.jdask.protocol.SchedulerMsg;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/*
 * Design note. The scheduler extension behind queues, locks, semaphores, events, variables and pub/sub topics
 * (Dask's QueueExtension, LockExtension, SemaphoreExtension, EventExtension, VariableExtension, PubSubSchedulerExtension,
 * each a dict of named objects on the scheduler; ideas only).
 *
 * Pure-ish and loop-confined: the SchedulerLoop thread calls handle / cancelWait / clientGone / expire with the time
 * of its turn, and gets back Effects (replies to send, keys to want or release on behalf of a client) that it
 * carries out. No threads, no clock, no I/O here, so the tests drive it directly.
 *
 * Waits. An operation that cannot finish now parks a Waiter (client, request id, deadline) on its primitive and in
 * `waiters` (by client and request id, for cancellation); `deadlines` orders them for expire(). A waiter is answered
 * exactly once: granted, timed out, cancelled (no answer: the client gave up) or dropped with its client. Finished
 * waiters stay in `deadlines` with done=true and are skipped (lazy deletion).
 *
 * Leases. Lock owners and semaphore leases are ids made by the client, stored with the id of the connection that took
 * them; clientGone(cid) releases them all and hands them to the next waiters. A task's operations go through its
 * worker JVM's task client, whose connection dies with the worker process, so a dead worker's leases come back.
 *
 * Futures as values. A stored future is its key; the extension wants it as the pseudo-client COORDINATION (counted:
 * one want per key however many times it is stored) so the result outlives its producer's futures. A getter is made
 * to want the key (Want before Unwant, in the same batch), and the client has the key in its table before it reads
 * the reply, since both travel in order on one connection.
 */
/** The coordination primitives' state on the scheduler; see the design note above. Loop thread only. */
final class Coordination {
    /** The pseudo-client that wants the keys of futures stored in queues and variables. */
    static final String COORDINATION = "coordination";

    /** Something the loop must do. */
    sealed interface Effect {}

    /** Send {@code msg} to client {@code clientId}. */
    record Reply(String clientId, SchedulerMsg msg) implements Effect {}

    /** Make {@code clientId} want {@code key} (an update with no tasks). */
    record Want(String clientId, String key) implements Effect {}

    /** {@code clientId} no longer wants {@code key}. */
    record Unwant(String clientId, String key) implements Effect {}

    /** A stored value: bytes, or a future's key. */
    private record Item(byte[] value, String futureKey) {}

    private static final class Waiter {
        final String client;
        final long requestId;
        /** Deadline on the loop's clock (Clock.nanoTime); Long.MAX_VALUE waits forever. */
        final long deadline;
        /** What the waiter holds for its primitive: the lock owner or semaphore lease id it asks for, else null. */
        final String owner;
        /** Where it is parked, to unpark it on cancel or timeout. */
        final ArrayDeque<Waiter> parkedOn;

        final String what;
        final String primitive;
        /** Answered, cancelled or dropped: skip it wherever it is still queued. */
        boolean done;

        Waiter(
                String client,
                long requestId,
                long deadline,
                String owner,
                ArrayDeque<Waiter> parkedOn,
                String primitive,
                String what) {
            this.client = client;
            this.requestId = requestId;
            this.deadline = deadline;
            this.owner = owner;
            this.parkedOn = parkedOn;
            this.primitive = primitive;
            this.what = what;
        }
    }

    private record Owner(String client, String id) {}

    private static final class QueueState {
        final ArrayDeque<Item> items = new ArrayDeque<>();
        final ArrayDeque<Waiter> getters = new ArrayDeque<>();
    }

    private static final class LockState {
        /** Null when free; never null while a live waiter is queued (a release hands over at once). */
        Owner owner;

        final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    }

    private static final class SemState {
        final int max;
        /** Lease id -> its connection; size() <= max. */
        final LinkedHashMap<String, String> leases = new LinkedHashMap<>();

        final ArrayDeque<Waiter> waiters = new ArrayDeque<>();

        SemState(int max) {
            this.max = max;
        }
    }

    private static final class EventState {
        boolean set;
        final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    }

    private static final class VarState {
        /** Null while unset. */
        Item value;

        final ArrayDeque<Waiter> getters = new ArrayDeque<>();
    }

    private final HashMap<String, QueueState> queues = new HashMap<>();
    private final HashMap<String, LockState> locks = new HashMap<>();
    private final HashMap<String, SemState> semaphores = new HashMap<>();
    private final HashMap<String, EventState> events = new HashMap<>();
    private final HashMap<String, VarState> variables = new HashMap<>();
    /** Topic -> subscriber id -> its client, in subscription order. */
    private final HashMap<String, LinkedHashMap<String, String>> topics = new HashMap<>();
    /** Parked, unanswered waiters by client, then request id. */
    private final HashMap<String, HashMap<Long, Waiter>> waiters = new HashMap<>();
    /** Parked waiters with a finite deadline, earliest first; may hold done ones (skipped). */
    private final PriorityQueue<Waiter> deadlines = new PriorityQueue<>((a, b) -> Long.compare(a.deadline, b.deadline));
    /** Keys of stored futures -> how many stored items refer to them (> 0); COORDINATION wants exactly these. */
    private final HashMap<String, Integer> heldKeys = new HashMap<>();

    private ArrayList<Effect> out = new ArrayList<>();

    // ---------------------------------------------------------------------------------------------- entry points

    /** Performs one operation from {@code client}; answers now or parks the request. */
    List<Effect> handle(String client, long requestId, CoordOp op, long now) {
        if (op == null || op.name() == null) {
            reply(client, requestId, CoordOutcome.FAILED, null, null, 0, "an operation needs a name");
            return drain();
        }
        switch (op) {
            case CoordOp.QueuePut p -> {
                enqueue(p.name(), new Item(p.value(), p.futureKey()), false);
                ok(client, requestId, 0);
            }
            case CoordOp.QueueReturn r -> {
                enqueue(r.name(), new Item(r.value(), r.futureKey()), true); // it was the head when it was taken
                ok(client, requestId, 0);
            }
            case CoordOp.QueueGet g -> {
                QueueState q = queues.computeIfAbsent(g.name(), n -> new QueueState());
                Item item = q.items.pollFirst();
                if (item != null) {
                    deliver(client, requestId, item);
                } else {
                    park(client, requestId, g.timeoutMillis(), now, null, q.getters, "queue '" + g.name() + "'", "get");
                }
            }
            case CoordOp.QueueSize s -> {
                QueueState q = queues.get(s.name());
                ok(client, requestId, q == null ? 0 : q.items.size());
            }
            case CoordOp.LockAcquire a -> {
                LockState l = locks.computeIfAbsent(a.name(), n -> new LockState());
                if (l.owner == null) {
                    l.owner = new Owner(client, a.owner());
                    ok(client, requestId, 1);
                } else if (l.owner.id().equals(a.owner())) {
                    reply(
                            client,
                            requestId,
                            CoordOutcome.FAILED,
                            null,
                            null,
                            0,
                            "lock '" + a.name() + "' is already held by this handle (jdask locks are not re-entrant)");
                } else {
                    park(
                            client,
                            requestId,
                            a.timeoutMillis(),
                            now,
                            a.owner(),
                            l.waiters,
                            "lock '" + a.name() + "'",
                            "acquire");
                }
            }
            case CoordOp.LockRelease r -> {
                LockState l = locks.get(r.name());
                if (l == null || l.owner == null || !l.owner.id().equals(r.owner())) {
                    reply(
                            client,
                            requestId,
                            CoordOutcome.FAILED,
                            null,
                            null,
                            0,
                            "cannot release lock '" + r.name() + "': this handle does not hold it"
                                    + (l == null || l.owner == null ? " (it is free)" : ""));
                } else {
                    releaseLock(l);
                    ok(client, requestId, 0);
                }
            }
            case CoordOp.LockState s -> {
                LockState l = locks.get(s.name());
                ok(client, requestId, l != null && l.owner != null ? 1 : 0);
            }
            case CoordOp.SemAcquire a -> {
                SemState s = semaphore(client, requestId, a.name(), a.maxLeases());
                if (s != null) {
                    if (s.leases.containsKey(a.lease())) {
                        reply(
                                client,
                                requestId,
                                CoordOutcome.FAILED,
                                null,
                                null,
                                0,
                                "lease " + a.lease() + " of semaphore '" + a.name() + "' is already taken");
                    } else if (s.leases.size() < s.max) {
                        s.leases.put(a.lease(), client);
                        ok(client, requestId, 1);
                    } else {
                        park(
                                client,
                                requestId,
                                a.timeoutMillis(),
                                now,
                                a.lease(),
                                s.waiters,
                                "semaphore '" + a.name() + "'",
                                "acquire");
                    }
                }
            }
            case CoordOp.SemRelease r -> {
                SemState s = semaphores.get(r.name());
                if (s == null || s.leases.remove(r.lease()) == null) {
                    reply(
                            client,
                            requestId,
                            CoordOutcome.FAILED,
                            null,
                            null,
                            0,
                            "cannot release semaphore '" + r.name() + "': lease " + r.lease() + " is not held");
                } else {
                    grantLeases(s);
                    ok(client, requestId, 0);
                }
            }
            case CoordOp.SemState st -> {
                SemState s = semaphore(client, requestId, st.name(), st.maxLeases());
                if (s != null) {
                    ok(client, requestId, s.leases.size());
                }
            }
            case CoordOp.EventSet e -> {
                EventState ev = events.computeIfAbsent(e.name(), n -> new EventState());
                ev.set = true;
                for (Waiter w; (w = nextLive(ev.waiters)) != null; ) {
                    answer(w, CoordOutcome.OK, null, null, 1, null);
                }
                ok(client, requestId, 0);
            }
            case CoordOp.EventClear e -> {
                EventState ev = events.get(e.name());
                if (ev != null) {
                    ev.set = false;
                }
                ok(client, requestId, 0);
            }
            case CoordOp.EventWait e -> {
                EventState ev = events.computeIfAbsent(e.name(), n -> new EventState());
                if (ev.set) {
                    ok(client, requestId, 1);
                } else {
                    park(
                            client,
                            requestId,
                            e.timeoutMillis(),
                            now,
                            null,
                            ev.waiters,
                            "event '" + e.name() + "'",
                            "await");
                }
            }
            case CoordOp.VarSet s -> {
                VarState v = variables.computeIfAbsent(s.name(), n -> new VarState());
                Item item = new Item(s.value(), s.futureKey());
                hold(item);
                Item old = v.value;
                v.value = item;
                for (Waiter w; (w = nextLive(v.getters)) != null; ) {
                    deliverCopy(w.client, w.requestId, item);
                    finish(w);
                }
                if (old != null) {
                    unhold(old);
                }
                ok(client, requestId, 0);
            }
            case CoordOp.VarGet g -> {
                VarState v = variables.computeIfAbsent(g.name(), n -> new VarState());
                if (v.value != null) {
                    deliverCopy(client, requestId, v.value);
                } else {
                    park(
                            client,
                            requestId,
                            g.timeoutMillis(),
                            now,
                            null,
                            v.getters,
                            "variable '" + g.name() + "'",
                            "get");
                }
            }
            case CoordOp.VarDelete d -> {
                VarState v = variables.get(d.name());
                if (v != null && v.value != null) {
                    unhold(v.value);
                    v.value = null;
                }
                ok(client, requestId, 0);
            }
            case CoordOp.Publish p -> {
                var subs = topics.get(p.name());
                int n = 0;
                if (subs != null) {
                    for (var e : subs.entrySet()) {
                        out.add(new Reply(
                                e.getValue(), new SchedulerMsg.TopicMessage(p.name(), e.getKey(), p.value())));
                        n++;
                    }
                }
                ok(client, requestId, n);
            }
            case CoordOp.Subscribe s -> {
                topics.computeIfAbsent(s.name(), n -> new LinkedHashMap<>()).put(s.subscriber(), client);
                ok(client, requestId, 0);
            }
            case CoordOp.Unsubscribe u -> {
                var subs = topics.get(u.name());
                if (subs != null && subs.remove(u.subscriber()) != null && subs.isEmpty()) {
                    topics.remove(u.name());
                }
                ok(client, requestId, 0);
            }
        }
        return drain();
    }

    /** The client gave up waiting for {@code requestId}: unpark it, without an answer. */
    List<Effect> cancelWait(String client, long requestId) {
        var mine = waiters.get(client);
        Waiter w = mine == null ? null : mine.remove(requestId);
        if (w != null) {
            w.done = true;
            w.parkedOn.remove(w);
        }
        return drain();
    }

    /** A client (or a worker's task client) left: drop its waits and subscriptions, release its locks and leases. */
    List<Effect> clientGone(String client) {
        var mine = waiters.remove(client);
        if (mine != null) {
            for (Waiter w : mine.values()) {
                w.done = true;
                w.parkedOn.remove(w);
            }
        }
        for (LockState l : locks.values()) {
            if (l.owner != null && l.owner.client().equals(client)) {
                releaseLock(l);
            }
        }
        for (SemState s : semaphores.values()) {
            if (s.leases.values().removeIf(client::equals)) {
                grantLeases(s);
            }
        }
        for (Iterator<LinkedHashMap<String, String>> it = topics.values().iterator(); it.hasNext(); ) {
            var subs = it.next();
            subs.values().removeIf(client::equals);
            if (subs.isEmpty()) {
                it.remove();
            }
        }
        return drain();
    }

    /** Answers every wait whose deadline is at or before {@code now} with a timeout. */
    List<Effect> expire(long now) {
        Waiter w;
        while ((w = deadlines.peek()) != null && (w.done || w.deadline - now <= 0)) {
            deadlines.poll();
            if (!w.done) {
                w.parkedOn.remove(w);
                answer(w, CoordOutcome.TIMEOUT, null, null, 0, w.what + " on " + w.primitive + " timed out");
            }
        }
        return drain();
    }

    /** The earliest deadline of a parked wait, or Long.MAX_VALUE. */
    long nextDeadline() {
        Waiter w;
        while ((w = deadlines.peek()) != null && w.done) {
            deadlines.poll();
        }
        return w == null ? Long.MAX_VALUE : w.deadline;
    }

    // ---------------------------------------------------------------------------------------------- for tests

    /** How many waits are parked (all primitives). */
    int parkedCount() {
        int n = 0;
        for (var m : waiters.values()) {
            n += m.size();
        }
        return n;
    }

    /** Keys of futures currently stored, with their counts. */
    Map<String, Integer> heldKeys() {
        return Map.copyOf(heldKeys);
    }

    // ---------------------------------------------------------------------------------------------- internals

    private SemState semaphore(String client, long requestId, String name, int max) {
        if (max < 1) {
            reply(
                    client,
                    requestId,
                    CoordOutcome.FAILED,
                    null,
                    null,
                    0,
                    "semaphore '" + name + "' needs at least 1 lease, got " + max);
            return null;
        }
        SemState s = semaphores.computeIfAbsent(name, n -> new SemState(max));
        if (s.max != max) {
            reply(
                    client,
                    requestId,
                    CoordOutcome.FAILED,
                    null,
                    null,
                    0,
                    "semaphore '" + name + "' has " + s.max + " leases, not " + max
                            + "; use the same count everywhere, or another name");
            return null;
        }
        return s;
    }

    private void releaseLock(LockState l) {
        l.owner = null;
        Waiter w = nextLive(l.waiters);
        if (w != null) {
            l.owner = new Owner(w.client, w.owner);
            answer(w, CoordOutcome.OK, null, null, 1, null);
        }
    }

    private void grantLeases(SemState s) {
        while (s.leases.size() < s.max) {
            Waiter w = nextLive(s.waiters);
            if (w == null) {
                return;
            }
            s.leases.put(w.owner, w.client);
            answer(w, CoordOutcome.OK, null, null, 1, null);
        }
    }

    private static Waiter nextLive(ArrayDeque<Waiter> q) {
        Waiter w;
        while ((w = q.pollFirst()) != null && w.done) {
            // skip
        }
        return w;
    }

    private void park(
            String client,
            long requestId,
            long timeoutMillis,
            long now,
            String owner,
            ArrayDeque<Waiter> on,
            String primitive,
            String what) {
        if (timeoutMillis == 0) {
            reply(client, requestId, CoordOutcome.TIMEOUT, null, null, 0, what + " on " + primitive + " timed out");
            return;
        }
        long deadline = timeoutMillis < 0 ? Long.MAX_VALUE : now + timeoutMillis * 1_000_000L;
        Waiter w = new Waiter(client, requestId, deadline, owner, on, primitive, what);
        on.addLast(w);
        waiters.computeIfAbsent(client, c -> new HashMap<>()).put(requestId, w);
        if (deadline != Long.MAX_VALUE) {
            deadlines.add(w);
        }
    }

    /** Marks a parked waiter answered and forgets it. */
    private void finish(Waiter w) {
        w.done = true;
        var mine = waiters.get(w.client);
        if (mine != null) {
            mine.remove(w.requestId);
            if (mine.isEmpty()) {
                waiters.remove(w.client);
            }
        }
    }

    private void answer(Waiter w, CoordOutcome outcome, byte[] value, String key, long number, String error) {
        finish(w);
        reply(w.client, w.requestId, outcome, value, key, number, error);
    }

    /** Hands a taken item (no longer stored) to a parked getter. */
    /** Stores an item in a queue (at its head or its tail), or hands it at once to the first live getter. */
    private void enqueue(String name, Item item, boolean atHead) {
        QueueState q = queues.computeIfAbsent(name, n -> new QueueState());
        hold(item);
        Waiter w = nextLive(q.getters);
        if (w != null) {
            deliver(w, item); // the queue stays empty while getters wait
        } else if (atHead) {
            q.items.addFirst(item);
        } else {
            q.items.addLast(item);
        }
    }

    private void deliver(Waiter w, Item item) {
        finish(w);
        deliver(w.client, w.requestId, item);
    }

    /** Hands a taken item to a client: it wants the key first, then the store lets go of it. */
    private void deliver(String client, long requestId, Item item) {
        if (item.futureKey() != null) {
            out.add(new Want(client, item.futureKey()));
        }
        reply(client, requestId, CoordOutcome.OK, item.value(), item.futureKey(), 0, null);
        unhold(item);
    }

    /** Hands a copy of a still-stored item to a client. */
    private void deliverCopy(String client, long requestId, Item item) {
        if (item.futureKey() != null) {
            out.add(new Want(client, item.futureKey()));
        }
        reply(client, requestId, CoordOutcome.OK, item.value(), item.futureKey(), 0, null);
    }

    private void hold(Item item) {
        if (item.futureKey() != null && heldKeys.merge(item.futureKey(), 1, Integer::sum) == 1) {
            out.add(new Want(COORDINATION, item.futureKey()));
        }
    }

    private void unhold(Item item) {
        String k = item.futureKey();
        if (k != null) {
            int n = heldKeys.merge(k, -1, Integer::sum);
            if (n <= 0) {
                heldKeys.remove(k);
                out.add(new Unwant(COORDINATION, k));
            }
        }
    }

    private void ok(String client, long requestId, long number) {
        reply(client, requestId, CoordOutcome.OK, null, null, number, null);
    }

    private void reply(
            String client, long requestId, CoordOutcome outcome, byte[] value, String key, long number, String error) {
        out.add(new Reply(client, new SchedulerMsg.CoordReply(requestId, outcome, value, key, number, error)));
    }

    private List<Effect> drain() {
        if (out.isEmpty()) {
            return List.of();
        }
        List<Effect> done = out;
        out = new ArrayList<>();
        return done;
    }
}
