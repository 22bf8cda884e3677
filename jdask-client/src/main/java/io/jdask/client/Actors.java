package io.jdask.client;

import io.jdask.Actor;
import io.jdask.ActorFuture;
import io.jdask.ActorLostException;
import io.jdask.Fn;
import io.jdask.Fn0;
import io.jdask.Fn1;
import io.jdask.Fn2;
import io.jdask.Fn3;
import io.jdask.Fn4;
import io.jdask.Fn5;
import io.jdask.Fn6;
import io.jdask.Future;
import io.jdask.RemoteException;
import io.jdask.graph.Functions;
import io.jdask.graph.Tokens;
import io.jdask.protocol.DataMsg;
import io.jdask.protocol.Serializer;
import io.jdask.spi.TaskContext;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/*
 * Design note. Actors (Dask's client.submit(cls, actor=True); ideas only). Creating one is an ordinary task whose
 * function is CreateActor: on the worker it builds the object, hands it to the worker (TaskContext.Host.hostActor),
 * and returns a small serializable ActorImpl (actor key, worker address) as the task's result. So placement,
 * restrictions and failure reporting are the scheduler's usual ones, and the actor lives as long as its key: the
 * ActorImpl a client gets from the future keeps that future (so the key) referenced, and the worker drops the actor
 * with the key's data.
 *
 * Calls go straight to the worker: ActorImpl.call has the session's Shipping serialize the method reference (cached
 * per non-capturing method object, since a method reference at one call site is one object) and the arguments, and
 * sends them on the session's ActorChannel to the worker, which runs them one at a time per actor. The scheduler
 * sees nothing of a call, except in a notebook whose variables changed since the workers loaded its classes: the new
 * values go through it first (see Shipping).
 *
 * A handle passed into a task (or read from a queue) arrives without a session; it then uses the task's client
 * (Dask.client()) or, outside tasks, the most recent open client.
 */
/** Submitting actors and calling them; see the note above. */
final class Actors {
    private Actors() {}

    static <T> Future<Actor<T>> submit(ClientImpl client, Fn0<? extends T> factory) {
        String key = Tokens.uniqueKey("actor-" + Functions.name(factory));
        return ((ClientImpl) client.with(o -> o.key(key))).submitCall(new CreateActor(factory), new Object[0]);
    }

    /** The task that creates an actor on the worker that runs it. */
    record CreateActor(Fn0<?> factory) implements Fn0<Actor<Object>>, Shipping.Carrier {
        @Override
        public Object carried() {
            return factory;
        }

        @Override
        public Actor<Object> apply() throws Exception {
            TaskContext.Current task = TaskContext.current()
                    .orElseThrow(() ->
                            new IllegalStateException("an actor can only be created by a task running on a worker"));
            Object instance = factory.apply();
            if (instance == null) throw new IllegalArgumentException("the actor factory returned null");
            String worker = task.host().hostActor(task.key(), instance);
            return new ActorImpl<>(task.key(), worker, instance.getClass().getName());
        }
    }

    /** The serializable handle on one actor. */
    static final class ActorImpl<T> implements Actor<T> {
        private static final long serialVersionUID = 1L;

        private final String key;
        private final String worker;
        private final String type;
        /** The session calls go through; null after deserialization until first used. */
        private transient volatile Session session;
        /** The future of this actor's key, held so that the actor lives while the handle does; may be null. */
        @SuppressWarnings("unused")
        private transient volatile Future<?> keepAlive;

        ActorImpl(String key, String worker, String type) {
            this.key = key;
            this.worker = worker;
            this.type = type;
        }

        void attach(Session s, Future<?> future) {
            this.session = s;
            this.keepAlive = future;
        }

        @Override
        public String key() {
            return key;
        }

        @Override
        public String worker() {
            return worker;
        }

        @Override
        public <R> ActorFuture<R> call(Fn1<? super T, ? extends R> method) {
            return send(method, null);
        }

        @Override
        public <A, R> ActorFuture<R> call(Fn2<? super T, ? super A, ? extends R> method, A a) {
            return send(method, new Object[] {a});
        }

        @Override
        public <A, B, R> ActorFuture<R> call(Fn3<? super T, ? super A, ? super B, ? extends R> method, A a, B b) {
            return send(method, new Object[] {a, b});
        }

        @Override
        public <A, B, C, R> ActorFuture<R> call(
                Fn4<? super T, ? super A, ? super B, ? super C, ? extends R> method, A a, B b, C c) {
            return send(method, new Object[] {a, b, c});
        }

        @Override
        public <A, B, C, D, R> ActorFuture<R> call(
                Fn5<? super T, ? super A, ? super B, ? super C, ? super D, ? extends R> method, A a, B b, C c, D d) {
            return send(method, new Object[] {a, b, c, d});
        }

        @Override
        public <A, B, C, D, E, R> ActorFuture<R> call(
                Fn6<? super T, ? super A, ? super B, ? super C, ? super D, ? super E, ? extends R> method,
                A a,
                B b,
                C c,
                D d,
                E e) {
            return send(method, new Object[] {a, b, c, d, e});
        }

        private <R> ActorFuture<R> send(Fn method, Object[] args) {
            if (method == null) throw new IllegalArgumentException("method must not be null");
            Session s = session();
            s.checkOpen("actor '" + key + "'");
            byte[] m = s.shipping.function(method);
            byte[] a = args == null ? null : s.shipping.value(args);
            return new ActorFutureImpl<>(key, worker, ActorChannel.of(s, worker).call(key, m, a));
        }

        private Session session() {
            Session s = session;
            if (s != null && s.isOpen()) return s;
            ClientImpl c = TaskContext.current().isPresent()
                    ? (ClientImpl) TaskClients.current()
                    : Clients.current()
                            .orElseThrow(() -> new IllegalStateException("cannot call actor '" + key
                                    + "': no open jdask client in this JVM; connect one first"));
            s = c.session();
            session = s;
            return s;
        }

        @Override
        public String toString() {
            return "Actor[" + type + " " + key + " on " + worker + "]";
        }
    }

    /** The pending reply of one call. */
    static final class ActorFutureImpl<R> implements ActorFuture<R> {
        private final String key;
        private final String worker;
        private final CompletableFuture<DataMsg.ActorReply> reply;

        ActorFutureImpl(String key, String worker, CompletableFuture<DataMsg.ActorReply> reply) {
            this.key = key;
            this.worker = worker;
            this.reply = reply;
        }

        @Override
        public R result() {
            return await(null);
        }

        @Override
        public R result(Duration timeout) {
            return await(java.util.Objects.requireNonNull(timeout, "timeout"));
        }

        /** The reply, waiting without a limit when {@code timeout} is null. */
        private R await(Duration timeout) {
            try {
                SpinWait.briefly(reply);
                return decode(timeout == null ? reply.get() : reply.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.util.concurrent.CancellationException(
                        "interrupted while waiting for actor '" + key + "'");
            } catch (ExecutionException e) {
                throw rethrow(e.getCause());
            } catch (TimeoutException e) {
                throw new CompletionException(
                        new TimeoutException("actor '" + key + "' on " + worker + " did not answer within " + timeout));
            }
        }

        private static RuntimeException rethrow(Throwable t) {
            if (t instanceof RuntimeException r) return r;
            return new CompletionException(t);
        }

        @SuppressWarnings("unchecked")
        private R decode(DataMsg.ActorReply r) {
            if (r.lost()) throw new ActorLostException("actor '" + key + "' on " + worker + " is gone: " + r.message());
            if (r.exceptionType() == null) {
                return r.value() == null ? null : (R) Serializer.shared().deserialize(r.value(), Received.loader());
            }
            Throwable t = Received.exception(
                    Serializer.shared(),
                    r.exception(),
                    Received.loader(),
                    r.exceptionType(),
                    r.message(),
                    null,
                    "actor '" + key + "'");
            throw Received.toThrow(t, e -> {
                RemoteException remote = new RemoteException(r.exceptionType(), r.message(), null);
                remote.initCause(e);
                return remote;
            });
        }

        @Override
        public boolean isDone() {
            return reply.isDone();
        }

        @Override
        public CompletableFuture<R> toCompletableFuture() {
            return reply.thenApply(this::decode);
        }
    }
}
