package io.jdask;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A task running eagerly on a cluster, from {@code client.submit(...)}, {@code client.map(...)},
 * {@code client.scatter(...)} or {@code client.compute(delayed)}.
 *
 * <p>It is a {@link java.util.concurrent.Future} in the JDK's sense ({@link #get()} wraps a task's exception in
 * {@link java.util.concurrent.ExecutionException}), with Dask's methods beside: {@link #result()} rethrows the
 * task's own exception (checked ones wrapped in {@link TaskFailedException}), {@link #status()} tells
 * {@link FutureStatus#RUNNING} apart from {@link FutureStatus#PENDING}, and a future passed as an argument to
 * another task makes that task depend on it, its value moving from worker to worker without visiting the client.
 *
 * <p>While a future is reachable in the client, the cluster keeps its result; {@link #release()}, or the garbage
 * collection of the last future for a key, lets the cluster forget it.
 *
 * @param <T> the type of the task's result
 */
public non-sealed interface Future<T> extends Ref<T>, java.util.concurrent.Future<T> {

    /** Waits for the task and returns its result, or throws the task's exception (checked ones wrapped). */
    T result();

    /**
     * As {@link #result()}, waiting at most {@code timeout}.
     *
     * @throws java.util.concurrent.CompletionException wrapping a {@link TimeoutException} naming the key when
     *     the task is not done in time
     */
    T result(Duration timeout);

    /** The task's state now; never blocks. */
    FutureStatus status();

    /** Whether the task has finished, failed, been cancelled or lost; never blocks. */
    boolean done();

    /** Waits for the task and returns the exception it raised, or {@code null} if it succeeded. */
    Throwable exception();

    /** Waits for the task and returns the remote stack trace of its exception as text, or {@code null}. */
    String traceback();

    /** Asks the cluster to cancel the task; returns whether it was not already done. */
    boolean cancel();

    /**
     * Runs a failed task again; its dependencies that failed are retried too. Does nothing if the task has not
     * failed.
     *
     * @throws IllegalStateException if the task was cancelled or lost: the cluster has forgotten it, so submit it
     *     again instead
     */
    void retry();

    /** Calls {@code callback} once the task is done (at once if it already is), on a client thread. */
    Future<T> onDone(Consumer<? super Future<T>> callback);

    /** A {@link CompletableFuture} completed with this future's result or exception. */
    CompletableFuture<T> toCompletableFuture();

    /** Tells the cluster this client no longer needs the result; calling it twice is harmless. */
    void release();
}
