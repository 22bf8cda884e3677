package io.jdask.client;

import io.jdask.CoordinationTimeoutException;
import io.jdask.DEvent;
import io.jdask.DLock;
import io.jdask.DQueue;
import io.jdask.DSemaphore;
import io.jdask.DVariable;
import io.jdask.Future;
import io.jdask.Publisher;
import io.jdask.Subscriber;
import io.jdask.protocol.CoordOp;
import io.jdask.protocol.SchedulerMsg;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/*
 * Design note. The client halves of the coordination primitives: thin handles that turn each call into one CoordOp
 * request on the session's scheduler connection and wait for the answer (Session.coordinate). All state lives on the
 * scheduler (io.jdask.scheduler.Coordination), so a handle holds only its name and, for locks and semaphores, the ids
 * of what it owns. Timeouts are enforced by the scheduler (it answers TIMEOUT), so a wait here has no clock of its
 * own; interrupting the waiting thread cancels the wait on the scheduler.
 *
 * Thread-safety: handles are safe to share between threads; a semaphore handle's lease stack is synchronized.
 */
/** The client-side handles of queues, locks, semaphores, events, variables and topics; see the note above. */
final class Primitives {
    private Primitives() {}

    /** Distinguishes handle and lease ids made by this JVM. */
    private static final AtomicLong IDS = new AtomicLong();

    static String newId(Session s) {
        return s.clientId() + "/" + IDS.incrementAndGet();
    }

    static long millis(Duration timeout) {
        if (timeout == null || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be zero or positive, got " + timeout);
        }
        return timeout.toMillis();
    }

    /** Throws what a FAILED reply says, or a timeout naming the primitive; true when OK. */
    static boolean check(
            Session.CoordAnswer a, String primitive, String what, Duration timeout, boolean timeoutThrows) {
        SchedulerMsg.CoordReply r = a.reply();
        return switch (r.outcome()) {
            case OK -> true;
            case TIMEOUT -> {
                if (timeoutThrows) throw new CoordinationTimeoutException(primitive, what, timeout);
                yield false;
            }
            case FAILED -> throw new IllegalStateException(r.error());
        };
    }

    /** The value of an OK reply: a future of a stored future's key, else the deserialized bytes. */
    static Object value(Session s, Session.CoordAnswer a) {
        if (a.key() != null) return new FutureImpl<>(s, a.key());
        byte[] bytes = a.reply().value();
        return bytes == null ? null : s.serializer.deserialize(bytes, Received.loader());
    }

    /** A value to store: bytes, or the key of a future of this cluster. */
    record Encoded(byte[] bytes, String futureKey) {}

    static Encoded encode(Session s, Object value, String primitive) {
        if (value instanceof FutureImpl<?> f) {
            return new Encoded(null, f.key()); // the scheduler keeps the key alive while it is stored
        }
        if (value instanceof Future<?>) {
            throw new IllegalArgumentException(
                    "cannot store " + value + " in " + primitive + ": it is not a future of a jdask cluster");
        }
        return new Encoded(s.shipping.value(value), null);
    }

    // ------------------------------------------------------------------------------------------ queue

    static final class QueueImpl<T> implements DQueue<T> {
        private final Session session;
        private final String name;
        private final String label;

        QueueImpl(Session session, String name) {
            this.session = session;
            this.name = name;
            this.label = "queue '" + name + "'";
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void put(T value) {
            Encoded e = encode(session, value, label);
            check(
                    session.coordinate(new CoordOp.QueuePut(name, e.bytes(), e.futureKey()), label, null),
                    label,
                    "put",
                    null,
                    true);
        }

        @Override
        public T get() {
            return take(-1, null);
        }

        @Override
        public T get(Duration timeout) {
            return take(millis(timeout), timeout);
        }

        @SuppressWarnings("unchecked")
        private T take(long ms, Duration timeout) {
            // An item handed over just as this thread was interrupted goes back to the head of the queue.
            Session.CoordAnswer a = session.coordinate(
                    new CoordOp.QueueGet(name, ms),
                    label,
                    x -> session.coordinateAsync(
                            new CoordOp.QueueReturn(
                                    name, x.reply().value(), x.reply().futureKey()),
                            label));
            check(a, label, "get", timeout, true);
            return (T) value(session, a);
        }

        @Override
        public int size() {
            return (int) session.coordinate(new CoordOp.QueueSize(name), label, null)
                    .reply()
                    .number();
        }

        @Override
        public String toString() {
            return "DQueue[" + name + "]";
        }
    }

    // ------------------------------------------------------------------------------------------ lock

    static final class LockImpl implements DLock {
        private final Session session;
        private final String name;
        private final String label;
        /** This handle's owner id on the scheduler. */
        private final String owner;

        LockImpl(Session session, String name) {
            this.session = session;
            this.name = name;
            this.label = "lock '" + name + "'";
            this.owner = newId(session);
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void acquire() {
            acquire(-1, null);
        }

        @Override
        public boolean tryAcquire(Duration timeout) {
            return acquire(millis(timeout), timeout);
        }

        private boolean acquire(long ms, Duration timeout) {
            // A grant that raced with an interrupt is given back, so the lock is not held by nobody forever.
            Session.CoordAnswer a = session.coordinate(
                    new CoordOp.LockAcquire(name, owner, ms),
                    label,
                    x -> session.coordinateAsync(new CoordOp.LockRelease(name, owner), label));
            return check(a, label, "acquire", timeout, false);
        }

        @Override
        public void release() {
            check(session.coordinate(new CoordOp.LockRelease(name, owner), label, null), label, "release", null, true);
        }

        @Override
        public boolean isLocked() {
            return session.coordinate(new CoordOp.LockState(name), label, null)
                            .reply()
                            .number()
                    != 0;
        }

        @Override
        public String toString() {
            return "DLock[" + name + "]";
        }
    }

    // ------------------------------------------------------------------------------------------ semaphore

    static final class SemaphoreImpl implements DSemaphore {
        private final Session session;
        private final String name;
        private final int max;
        private final String label;
        /** Leases this handle holds, most recent last. Guarded by itself. */
        private final ArrayDeque<String> leases = new ArrayDeque<>();

        SemaphoreImpl(Session session, String name, int max) {
            if (max < 1)
                throw new IllegalArgumentException("semaphore '" + name + "' needs at least 1 lease, got " + max);
            this.session = session;
            this.name = name;
            this.max = max;
            this.label = "semaphore '" + name + "'";
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int maxLeases() {
            return max;
        }

        @Override
        public void acquire() {
            acquire(-1, null);
        }

        @Override
        public boolean acquire(Duration timeout) {
            return acquire(millis(timeout), timeout);
        }

        private boolean acquire(long ms, Duration timeout) {
            String lease = newId(session);
            Session.CoordAnswer a = session.coordinate(
                    new CoordOp.SemAcquire(name, max, lease, ms),
                    label,
                    x -> session.coordinateAsync(new CoordOp.SemRelease(name, lease), label));
            boolean ok = check(a, label, "acquire", timeout, false);
            if (ok) {
                synchronized (leases) {
                    leases.addLast(lease);
                }
            }
            return ok;
        }

        @Override
        public void release() {
            String lease;
            synchronized (leases) {
                lease = leases.pollLast();
            }
            if (lease == null) {
                throw new IllegalStateException("cannot release " + label + ": this handle holds no lease");
            }
            check(session.coordinate(new CoordOp.SemRelease(name, lease), label, null), label, "release", null, true);
        }

        @Override
        public int leasesInUse() {
            Session.CoordAnswer a = session.coordinate(new CoordOp.SemState(name, max), label, null);
            check(a, label, "state", null, true);
            return (int) a.reply().number();
        }

        @Override
        public String toString() {
            return "DSemaphore[" + name + ", " + max + "]";
        }
    }

    // ------------------------------------------------------------------------------------------ event

    static final class EventImpl implements DEvent {
        private final Session session;
        private final String name;
        private final String label;

        EventImpl(Session session, String name) {
            this.session = session;
            this.name = name;
            this.label = "event '" + name + "'";
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void set() {
            session.coordinate(new CoordOp.EventSet(name), label, null);
        }

        @Override
        public void clear() {
            session.coordinate(new CoordOp.EventClear(name), label, null);
        }

        @Override
        public void await() {
            check(session.coordinate(new CoordOp.EventWait(name, -1), label, null), label, "await", null, true);
        }

        @Override
        public boolean await(Duration timeout) {
            return check(
                    session.coordinate(new CoordOp.EventWait(name, millis(timeout)), label, null),
                    label,
                    "await",
                    timeout,
                    false);
        }

        @Override
        public boolean isSet() {
            return check(session.coordinate(new CoordOp.EventWait(name, 0), label, null), label, "await", null, false);
        }

        @Override
        public String toString() {
            return "DEvent[" + name + "]";
        }
    }

    // ------------------------------------------------------------------------------------------ variable

    static final class VariableImpl<T> implements DVariable<T> {
        private final Session session;
        private final String name;
        private final String label;

        VariableImpl(Session session, String name) {
            this.session = session;
            this.name = name;
            this.label = "variable '" + name + "'";
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void set(T value) {
            Encoded e = encode(session, value, label);
            check(
                    session.coordinate(new CoordOp.VarSet(name, e.bytes(), e.futureKey()), label, null),
                    label,
                    "set",
                    null,
                    true);
        }

        @Override
        public T get() {
            return get(-1, null);
        }

        @Override
        public T get(Duration timeout) {
            return get(millis(timeout), timeout);
        }

        @SuppressWarnings("unchecked")
        private T get(long ms, Duration timeout) {
            Session.CoordAnswer a = session.coordinate(new CoordOp.VarGet(name, ms), label, null);
            check(a, label, "get", timeout, true);
            return (T) value(session, a);
        }

        @Override
        public void delete() {
            session.coordinate(new CoordOp.VarDelete(name), label, null);
        }

        @Override
        public String toString() {
            return "DVariable[" + name + "]";
        }
    }

    // ------------------------------------------------------------------------------------------ pub/sub

    static final class PublisherImpl<T> implements Publisher<T> {
        private final Session session;
        private final String topic;
        private final String label;

        PublisherImpl(Session session, String topic) {
            this.session = session;
            this.topic = topic;
            this.label = "publisher of topic '" + topic + "'";
        }

        @Override
        public String topic() {
            return topic;
        }

        @Override
        public void put(T value) {
            if (value instanceof Future<?>) {
                throw new IllegalArgumentException("cannot publish a future on topic '" + topic
                        + "': publish its result, or pass it through a DQueue or DVariable");
            }
            // Not awaited: one connection keeps this publisher's values in order.
            session.coordinateAsync(new CoordOp.Publish(topic, session.shipping.value(value)), label);
        }
    }

    static final class SubscriberImpl<T> implements Subscriber<T> {
        private final Session session;
        private final String topic;
        private final String id;
        private final String label;
        private final LinkedBlockingQueue<byte[]> inbox = new LinkedBlockingQueue<>();

        SubscriberImpl(Session session, String topic) {
            this.session = session;
            this.topic = topic;
            this.id = newId(session);
            this.label = "subscriber of topic '" + topic + "'";
            session.subscriptions.put(id, inbox);
            try {
                session.coordinate(new CoordOp.Subscribe(topic, id), label, null); // from here on, nothing is missed
            } catch (RuntimeException e) {
                session.subscriptions.remove(id);
                throw e;
            }
        }

        @Override
        public String topic() {
            return topic;
        }

        @Override
        public T get() {
            try {
                return decode(inbox.take());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("interrupted while waiting on " + label);
            }
        }

        @Override
        public T get(Duration timeout) {
            try {
                byte[] b = inbox.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
                if (b == null) throw new CoordinationTimeoutException(label, "get", timeout);
                return decode(b);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("interrupted while waiting on " + label);
            }
        }

        @SuppressWarnings("unchecked")
        private T decode(byte[] b) {
            if (b == Session.SUBSCRIPTION_CLOSED) {
                inbox.offer(b); // wake the next reader too
                session.checkOpen(label);
                throw new IllegalStateException("cannot use " + label + ": it was closed");
            }
            return (T) session.serializer.deserialize(b, Received.loader());
        }

        @Override
        public void close() {
            if (session.subscriptions.remove(id) != null) {
                inbox.offer(Session.SUBSCRIPTION_CLOSED);
                if (session.isOpen()) session.coordinateAsync(new CoordOp.Unsubscribe(topic, id), label);
            }
        }
    }
}
