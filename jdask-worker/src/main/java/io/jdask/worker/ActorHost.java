package io.jdask.worker;

import io.jdask.Fn;
import io.jdask.graph.Task;
import io.jdask.protocol.Comm;
import io.jdask.protocol.CommClosedException;
import io.jdask.protocol.DataMsg;
import io.jdask.protocol.Serializer;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note. The actors a worker hosts (Dask's Worker.actors / actor_execute; ideas only). An actor is the object a
 * task of key K returned from its factory; calls arrive on the data plane (DataMsg.ActorCall) straight from callers,
 * never through the scheduler, and run one at a time per actor in arrival order: each actor has a queue drained by
 * at most one task of the shared executor at a time (a serial executor), so two actors run in parallel while one
 * actor's calls never overlap. Arrival order is per connection (Comm delivers one connection's messages in order);
 * calls from different callers interleave in the order the I/O threads enqueue them.
 *
 * Decoding a method reference costs more than most calls, and a caller sends the same bytes for the same method, so
 * each actor keeps the decoded Fn per distinct byte string (bounded: at most METHOD_CACHE entries, then no caching).
 *
 * Lifetime: hosted until the key is released on this worker (WorkerServer drops it with the key's data) or the worker
 * closes; a call to an actor that is not here is answered with lost=true.
 *
 * Threads: the table is concurrent (written on task threads and the loop, read on I/O threads); an actor's fields are
 * touched only by its drain, one at a time.
 */
/** The actors hosted by one worker and the execution of calls to them; see the design note above. */
final class ActorHost {
    private static final Logger LOG = LoggerFactory.getLogger(ActorHost.class);
    private static final int METHOD_CACHE = 256;

    private final Serializer serializer;
    private final FnDecoder decoder;
    private final Executor executor;
    /** The hosted actors by key. */
    private final ConcurrentHashMap<String, Hosted> actors = new ConcurrentHashMap<>();

    ActorHost(Serializer serializer, FnDecoder decoder, Executor executor) {
        this.serializer = serializer;
        this.decoder = decoder;
        this.executor = executor;
    }

    /** Hosts {@code instance} as the actor of {@code key}; its calls decode with {@code loader}. */
    void host(String key, Object instance, ClassLoader loader) {
        actors.put(key, new Hosted(key, instance, loader));
    }

    /** Stops hosting the actor of {@code key}, if any (its key was released). */
    void drop(String key) {
        actors.remove(key);
    }

    boolean hosts(String key) {
        return actors.containsKey(key);
    }

    int size() {
        return actors.size();
    }

    void clear() {
        actors.clear();
    }

    /** Queues a call (on the caller's I/O thread); the reply goes back on {@code comm}. */
    void call(Comm comm, DataMsg.ActorCall c) {
        Hosted a = actors.get(c.actorKey());
        if (a == null) {
            reply(
                    comm,
                    new DataMsg.ActorReply(
                            c.requestId(),
                            null,
                            null,
                            ActorLost.class.getName(),
                            "worker holds no actor '" + c.actorKey() + "' (it was released, or its worker restarted)",
                            true));
            return;
        }
        // Classes the call carries (a new notebook cell's): defined when its method is decoded, without a fetch.
        if (c.classes() != null && !c.classes().isEmpty() && a.loader instanceof ClientClassLoader l) {
            l.offer(c.classes());
        }
        a.calls.add(() -> a.run(comm, c));
        a.schedule();
    }

    private void reply(Comm comm, DataMsg.ActorReply r) {
        try {
            comm.send(r);
        } catch (CommClosedException e) {
            LOG.debug("caller {} left before its actor reply", comm.remoteAddress());
        }
    }

    /** Marker type name for "no such actor" replies. */
    private static final class ActorLost {}

    private final class Hosted {
        final String key;
        final Object instance;
        final ClassLoader loader;
        final ConcurrentLinkedQueue<Runnable> calls = new ConcurrentLinkedQueue<>();
        /** True while a drain is submitted or running: at most one call of this actor runs at a time. */
        final AtomicBoolean scheduled = new AtomicBoolean();
        /** Decoded methods by their bytes. Touched only by the drain. */
        final java.util.HashMap<ByteBuffer, Fn> methods = new java.util.HashMap<>();

        Hosted(String key, Object instance, ClassLoader loader) {
            this.key = key;
            this.instance = instance;
            this.loader = loader;
        }

        void schedule() {
            if (scheduled.compareAndSet(false, true)) {
                try {
                    executor.execute(this::drain);
                } catch (RejectedExecutionException e) {
                    scheduled.set(false); // closing: callers learn when the connection closes
                }
            }
        }

        void drain() {
            Thread self = Thread.currentThread();
            ClassLoader previous = self.getContextClassLoader();
            self.setContextClassLoader(loader);
            try {
                for (Runnable r; (r = calls.poll()) != null; ) {
                    r.run();
                }
            } finally {
                self.setContextClassLoader(previous);
                scheduled.set(false);
            }
            if (!calls.isEmpty()) {
                schedule(); // a call arrived after the last poll and before the flag was cleared
            }
        }

        void run(Comm comm, DataMsg.ActorCall c) {
            DataMsg.ActorReply reply;
            try {
                Fn fn = method(c.method());
                Object[] rest = c.args() == null ? new Object[0] : (Object[]) serializer.deserialize(c.args(), loader);
                Object[] all = new Object[rest.length + 1];
                all[0] = instance;
                System.arraycopy(rest, 0, all, 1, rest.length);
                Object result = Task.call(fn, all);
                reply = new DataMsg.ActorReply(c.requestId(), serializer.serialize(result), null, null, null, false);
            } catch (Throwable t) { // a failing call is the caller's failure, never the worker's
                TaskError e = TaskError.of(t, serializer);
                reply = new DataMsg.ActorReply(
                        c.requestId(), null, e.exception(), e.exceptionType(), e.message(), false);
            }
            reply(comm, reply);
        }

        private Fn method(byte[] bytes) {
            ByteBuffer k = ByteBuffer.wrap(bytes);
            Fn fn = methods.get(k);
            if (fn == null) {
                fn = decoder.fn(bytes, loader, "an actor call to '" + key + "'");
                if (methods.size() < METHOD_CACHE) {
                    methods.put(k, fn);
                }
            }
            return fn;
        }
    }
}
