package io.jdask;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** The pending result of one {@link Actor} call. */
public interface ActorFuture<R> {
    /**
     * Waits for the call's result. Rethrows what the method threw (unchecked as is, checked wrapped in
     * {@link RemoteException}), or {@link ActorLostException} if the actor is gone.
     */
    R result();

    /** As {@link #result()}, waiting at most {@code timeout} (then {@link java.util.concurrent.CompletionException}
     * wrapping a {@link java.util.concurrent.TimeoutException}). */
    R result(Duration timeout);

    /** Whether the call has finished. */
    boolean isDone();

    /** A {@link CompletableFuture} view, to chain or wait on many calls. */
    CompletableFuture<R> toCompletableFuture();
}
