package io.jdask.client;

import io.jdask.RemoteException;
import io.jdask.protocol.Serializer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the client opens what comes back from the cluster for user code: the class loader that values and exceptions
 * are deserialized with, and the one rule by which a remote exception is rebuilt and thrown. A future's failure
 * ({@link Session#failureOf}) and an actor call's ({@link Actors}) both go through here, so the same exception thrown
 * by a task and by an actor method reaches the caller the same way.
 */
final class Received {
    private static final Logger LOG = LoggerFactory.getLogger(Received.class);

    /** The error type the scheduler gives a task whose workers kept dying ({@code KilledWorker}). */
    static final String KILLED_WORKER_TYPE = "io.jdask.scheduler.state.KilledWorker";

    private Received() {}

    /**
     * The loader values and exceptions are opened with: the calling thread's context loader (a notebook's, an
     * application server's, the one a task runs with on a worker), else the loader of jdask itself.
     */
    static ClassLoader loader() {
        ClassLoader l = Thread.currentThread().getContextClassLoader();
        return l != null ? l : Received.class.getClassLoader();
    }

    /**
     * A remote exception rebuilt from its serialized {@code bytes}. When there are none, or they cannot be opened here
     * (the exception's class is missing from {@code loader}, or it does not deserialize), a {@link RemoteException}
     * carrying its type, message and traceback stands in for it. The scheduler's own verdict that a task killed its
     * workers becomes a {@link io.jdask.KilledWorkerException} for {@code of}.
     *
     * @param of what failed (a key, an actor call), for the debug log
     */
    static Throwable exception(
            Serializer serializer,
            byte[] bytes,
            ClassLoader loader,
            String type,
            String message,
            String traceback,
            String of) {
        if (bytes != null) {
            try {
                if (serializer.deserialize(bytes, loader) instanceof Throwable t) return t;
            } catch (RuntimeException e) {
                LOG.debug("cannot rebuild the exception of {}: {}", of, e.toString());
            }
        }
        if (KILLED_WORKER_TYPE.equals(type)) return new io.jdask.KilledWorkerException(of, message);
        return new RemoteException(type, message, traceback);
    }

    /**
     * What the caller gets thrown for a rebuilt remote exception: a {@link RuntimeException} as itself; an
     * {@link Error} thrown as itself too (it is unchecked, like a RuntimeException), except one that tells of the
     * remote JVM (out of memory or stack, a {@link VirtualMachineError}): thrown here it would say this JVM is
     * failing, which test runners and servers treat as fatal; that one and checked exceptions are given to
     * {@code wrap}.
     */
    static RuntimeException toThrow(Throwable t, Function<Throwable, RuntimeException> wrap) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e && !(e instanceof VirtualMachineError)) throw e;
        return wrap.apply(t);
    }
}
