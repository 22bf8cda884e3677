package io.jdask.client;

import io.jdask.Future;
import io.jdask.FutureStatus;
import java.lang.ref.Cleaner;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A client's handle on one key. Many {@code FutureImpl}s may share a {@link KeyState}; each counts as one holder,
 * released by {@link #release()} or, when the future becomes unreachable, by a {@link Cleaner} (the cleaning action
 * holds the session and key state, never the future itself, so it cannot keep the future alive).
 */
final class FutureImpl<T> implements Future<T> {
    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "jdask-future-cleaner");
        t.setDaemon(true);
        return t;
    });

    private final Session session;
    private final KeyState state;
    private final Cleaner.Cleanable cleanable;

    /** {@code state.holders} must already count this future. */
    FutureImpl(Session session, KeyState state) {
        this.session = session;
        this.state = state;
        this.cleanable = CLEANER.register(this, new Release(session, state));
    }

    private record Release(Session session, KeyState state) implements Runnable {
        @Override
        public void run() {
            session.release(state);
        }
    }

    KeyState keyState() {
        return state;
    }

    Session session() {
        return session;
    }

    @Override
    public String key() {
        return state.key;
    }

    @Override
    public T result() {
        awaitDone(null);
        return outcome();
    }

    @Override
    public T result(Duration timeout) {
        awaitDone(timeout);
        return outcome();
    }

    @SuppressWarnings("unchecked")
    private T outcome() {
        session.output.settle(); // what the task printed shows before its result
        if (state.status() == FutureStatus.FINISHED) {
            Object v = session.valueOf(state, Received.loader());
            if (v instanceof Actors.ActorImpl<?> actor)
                actor.attach(session, this); // the actor lives while its handle does
            return (T) v;
        }
        throw session.failureOf(state, Received.loader());
    }

    private void awaitDone(Duration timeout) {
        CompletableFuture<Void> d = state.done();
        try {
            if (SpinWait.briefly(d)) return;
            try (TaskWaits waiting = TaskWaits.secede()) { // a task does not hold its slot while it waits
                if (timeout == null) d.get();
                else d.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for " + key());
        } catch (ExecutionException e) {
            throw new IllegalStateException("unexpected", e.getCause());
        } catch (TimeoutException e) {
            throw new CompletionException(
                    new TimeoutException(key() + " is not done after " + timeout + " (status " + state.status() + ")"));
        }
    }

    @Override
    public FutureStatus status() {
        return state.status();
    }

    @Override
    public boolean done() {
        return state.isDone();
    }

    @Override
    public Throwable exception() {
        awaitDone(null);
        return state.status() == FutureStatus.FINISHED ? null : session.exceptionOf(state, Received.loader());
    }

    @Override
    public String traceback() {
        awaitDone(null);
        KeyState.Failure f = state.failure();
        return f == null ? null : f.traceback();
    }

    @Override
    public boolean cancel() {
        if (state.isDone()) return false;
        session.cancel(List.of(key()));
        return true;
    }

    @Override
    public void retry() {
        session.retry(state);
    }

    @Override
    public Future<T> onDone(Consumer<? super Future<T>> callback) {
        state.done().whenCompleteAsync((v, e) -> callback.accept(this), session.callbacks());
        return this;
    }

    @Override
    public CompletableFuture<T> toCompletableFuture() {
        CompletableFuture<T> cf = new CompletableFuture<>();
        ClassLoader loader = Received.loader();
        state.done()
                .whenCompleteAsync(
                        (v, e) -> {
                            try {
                                if (state.status() == FutureStatus.FINISHED) {
                                    @SuppressWarnings("unchecked")
                                    T value = (T) session.valueOf(state, loader);
                                    cf.complete(value);
                                } else {
                                    cf.completeExceptionally(session.exceptionOf(state, loader));
                                }
                            } catch (Throwable t) {
                                cf.completeExceptionally(t);
                            }
                        },
                        session.callbacks());
        return cf;
    }

    @Override
    public void release() {
        cleanable.clean();
    }

    // ---- java.util.concurrent.Future ----

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        return cancel();
    }

    @Override
    public boolean isCancelled() {
        return state.status() == FutureStatus.CANCELLED;
    }

    @Override
    public boolean isDone() {
        return done();
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        if (!state.isDone()) {
            try (TaskWaits waiting = TaskWaits.secede()) {
                state.done().get();
            }
        }
        return getOutcome();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        if (!state.isDone()) {
            try (TaskWaits waiting = TaskWaits.secede()) {
                state.done().get(timeout, unit);
            }
        }
        return getOutcome();
    }

    @SuppressWarnings("unchecked")
    private T getOutcome() throws ExecutionException {
        switch (state.status()) {
            case FINISHED -> {
                return (T) session.valueOf(state, Received.loader());
            }
            case CANCELLED -> throw (CancellationException) session.exceptionOf(state, Received.loader());
            default -> throw new ExecutionException(session.exceptionOf(state, Received.loader()));
        }
    }

    @Override
    public String toString() {
        FutureStatus s = state.status();
        String type = s == FutureStatus.FINISHED && state.typeName() != null ? ", type: " + state.typeName() : "";
        return "<Future: " + s.name().toLowerCase(java.util.Locale.ROOT) + type + ", key: " + key() + ">";
    }
}
