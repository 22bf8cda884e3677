package io.jdask;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/** A {@link Future} completed by the test, for testing what works on any future. */
final class TestFuture<T> implements Future<T> {
    private final String key;
    private final CompletableFuture<T> cf = new CompletableFuture<>();
    /** How many times the value was asked for in a way that, on a real future, fetches it from its worker. */
    private final java.util.concurrent.atomic.AtomicInteger valueRequests =
            new java.util.concurrent.atomic.AtomicInteger();

    TestFuture(String key) {
        this.key = key;
    }

    void finish(T value) {
        cf.complete(value);
    }

    void fail(Throwable t) {
        cf.completeExceptionally(t);
    }

    @Override
    public String key() {
        return key;
    }

    /** How many calls asked for the value (result, get, toCompletableFuture): each is a fetch on a real future. */
    int valueRequests() {
        return valueRequests.get();
    }

    @Override
    public T result() {
        valueRequests.incrementAndGet();
        return cf.join();
    }

    @Override
    public T result(Duration timeout) {
        valueRequests.incrementAndGet();
        try {
            return cf.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (Exception e) {
            throw new java.util.concurrent.CompletionException(e);
        }
    }

    @Override
    public FutureStatus status() {
        if (!cf.isDone()) return FutureStatus.PENDING;
        if (cf.isCancelled()) return FutureStatus.CANCELLED;
        return cf.isCompletedExceptionally() ? FutureStatus.ERROR : FutureStatus.FINISHED;
    }

    @Override
    public boolean done() {
        return cf.isDone();
    }

    @Override
    public Throwable exception() {
        return cf.handle((v, e) -> e).join();
    }

    @Override
    public String traceback() {
        return null;
    }

    @Override
    public boolean cancel() {
        return cf.cancel(false);
    }

    @Override
    public void retry() {}

    @Override
    public Future<T> onDone(Consumer<? super Future<T>> callback) {
        cf.whenComplete((v, e) -> callback.accept(this));
        return this;
    }

    @Override
    public CompletableFuture<T> toCompletableFuture() {
        valueRequests.incrementAndGet();
        return cf;
    }

    @Override
    public void release() {}

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        return cancel();
    }

    @Override
    public boolean isCancelled() {
        return cf.isCancelled();
    }

    @Override
    public boolean isDone() {
        return done();
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        valueRequests.incrementAndGet();
        return cf.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        valueRequests.incrementAndGet();
        return cf.get(timeout, unit);
    }
}
