package io.jdask.spi;

import java.util.Optional;

/**
 * What a task running on a worker can learn about where it runs: set by the worker on the thread that runs the
 * task, read by the client runtime for {@code Dask.client()}, {@code secede()} and {@code rejoin()}.
 */
public final class TaskContext {
    private TaskContext() {}

    /** The worker side of a running task. */
    public interface Host {
        /** The address of the scheduler this worker belongs to. */
        String schedulerAddress();

        /** Where peers and clients reach this worker. */
        default String address() {
            return "";
        }

        /** The worker's name. */
        default String name() {
            return address();
        }

        /** How many tasks the worker runs at once. */
        default int nthreads() {
            return 1;
        }

        /** The cluster's credentials, with which a task's client connects to a {@code tls://} scheduler; or null. */
        default io.jdask.Security security() {
            return null;
        }

        /** Frees the calling task's thread slot (the task waits on other tasks). */
        void secede(String key);

        /** Takes a thread slot again, waiting for one. */
        void rejoin(String key);

        /**
         * Whether the calling task thread has given its slot up ({@link #secede}) and not taken one again: a task that
         * seceded itself is not seceded again, nor rejoined, by a wait on other tasks.
         */
        default boolean seceded(String key) {
            return false;
        }

        /**
         * Keeps {@code instance} on this worker as the actor of task {@code key}, serving calls to it until the key is
         * released; returns the worker's address, where callers reach it.
         */
        default String hostActor(String key, Object instance) {
            throw new UnsupportedOperationException("this worker cannot host actors");
        }
    }

    /**
     * The task running on this thread and its worker; {@code key} is null for code the worker runs outside a task (a
     * {@code client.run} function, a plugin's setup).
     */
    public record Current(String key, Host host) {}

    private static final ThreadLocal<Current> CURRENT = new ThreadLocal<>();

    /** The task this thread runs, if it is a worker's task thread. */
    public static Optional<Current> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    /** Called by the worker before it runs a task on this thread. */
    public static void enter(String key, Host host) {
        CURRENT.set(new Current(key, host));
    }

    /** Called by the worker when the task returns. */
    public static void exit() {
        CURRENT.remove();
    }
}
