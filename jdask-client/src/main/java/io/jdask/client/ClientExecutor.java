package io.jdask.client;

import io.jdask.ClusterExecutor;
import io.jdask.Fn0;
import io.jdask.Future;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code client.executor()}: a {@link ClusterExecutor} whose tasks run on the cluster.
 *
 * <p>Every method submits through {@link #submitCallable}, which sends the callable itself as the task function.
 * {@code invokeAll} and {@code invokeAny} are written here rather than inherited: {@link AbstractExecutorService}
 * wraps each task in a {@link java.util.concurrent.FutureTask} and runs that, a local object that cannot travel to a
 * worker. Waiting happens on the jdask futures, in the calling thread; an interrupted or timed-out wait cancels the
 * tasks it leaves unfinished, as the JDK's contract asks.
 *
 * <p>Thread-safety: the only state is the shutdown flag (volatile); shutting down does not close the client.
 */
final class ClientExecutor extends AbstractExecutorService implements ClusterExecutor {
    private final ClientImpl client;
    /** Once true, new tasks are refused; tasks already submitted keep running. */
    private volatile boolean shutdown;

    ClientExecutor(ClientImpl client) {
        this.client = client;
    }

    @Override
    public <T> Future<T> submit(Fn0<T> task) {
        return submitCallable(task);
    }

    @Override
    public <T> Future<T> submit(Callable<T> task) {
        return submitCallable(task);
    }

    @Override
    public Future<?> submit(Runnable task) {
        if (!(task instanceof Serializable)) throw notSerializable(task);
        return submitCallable(new RunnableCall(task));
    }

    @Override
    public void execute(Runnable command) {
        submit(command);
    }

    private <T> Future<T> submitCallable(Callable<T> task) {
        if (shutdown) throw new java.util.concurrent.RejectedExecutionException("the executor was shut down");
        if (!(task instanceof Serializable)) throw notSerializable(task);
        Fn0<T> fn = task instanceof Fn0<T> f ? f : new CallableFn<>(task);
        return client.submitCall(fn, new Object[0]);
    }

    private static IllegalArgumentException notSerializable(Object task) {
        return new IllegalArgumentException(task.getClass().getName() + " is not Serializable, so it cannot run on a "
                + "worker: pass the lambda straight to executor.submit(() -> ...) (it becomes a serializable Fn0), "
                + "declare it as Fn0<T>, or make the class Serializable");
    }

    private <T> List<Future<T>> submitAll(Collection<? extends Callable<T>> tasks) {
        List<Future<T>> futures = new ArrayList<>(tasks.size());
        try {
            for (Callable<T> t : tasks) futures.add(submitCallable(t));
        } catch (RuntimeException e) {
            cancelAll(futures);
            throw e;
        }
        return futures;
    }

    private static void cancelAll(List<? extends Future<?>> futures) {
        for (Future<?> f : futures) if (!f.isDone()) f.cancel(true);
    }

    @Override
    public <T> List<java.util.concurrent.Future<T>> invokeAll(Collection<? extends Callable<T>> tasks)
            throws InterruptedException {
        List<Future<T>> futures = submitAll(tasks);
        try {
            for (Future<T> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException | CancellationException e) {
                    // The future holds it; the caller sees it through get().
                }
            }
        } catch (InterruptedException e) {
            cancelAll(futures);
            throw e;
        }
        return new ArrayList<>(futures);
    }

    @Override
    public <T> List<java.util.concurrent.Future<T>> invokeAll(
            Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        List<Future<T>> futures = submitAll(tasks);
        try {
            for (Future<T> f : futures) {
                try {
                    f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (ExecutionException | CancellationException e) {
                    // Kept in the future.
                } catch (TimeoutException e) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            cancelAll(futures);
            throw e;
        }
        cancelAll(futures);
        return new ArrayList<>(futures);
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks) throws InterruptedException, ExecutionException {
        try {
            return invokeAny(tasks, -1);
        } catch (TimeoutException e) {
            throw new AssertionError("no timeout was given", e);
        }
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        return invokeAny(tasks, Math.max(0, unit.toNanos(timeout)));
    }

    /** The first successful result; {@code timeoutNanos < 0} waits without a limit. */
    private <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeoutNanos)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (tasks.isEmpty()) throw new IllegalArgumentException("invokeAny needs at least one task");
        List<Future<T>> futures = submitAll(tasks);
        CompletableFuture<T> first = new CompletableFuture<>();
        AtomicInteger failed = new AtomicInteger();
        for (Future<T> f : futures) {
            f.toCompletableFuture().whenComplete((value, error) -> {
                if (error == null) first.complete(value);
                else if (failed.incrementAndGet() == futures.size()) first.completeExceptionally(unwrap(error));
            });
        }
        try {
            return timeoutNanos < 0 ? first.get() : first.get(timeoutNanos, TimeUnit.NANOSECONDS);
        } finally {
            cancelAll(futures);
        }
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    /** A callable that is serializable but not an {@link Fn0}, adapted to one. */
    private record CallableFn<T>(Callable<T> callable) implements Fn0<T>, Shipping.Carrier {
        @Override
        public T apply() throws Exception {
            return callable.call();
        }

        @Override
        public Object carried() {
            return callable;
        }
    }

    private record RunnableCall(Runnable runnable) implements Fn0<Object>, Shipping.Carrier {
        @Override
        public Object apply() {
            runnable.run();
            return null;
        }

        @Override
        public Object carried() {
            return runnable;
        }
    }

    @Override
    public void shutdown() {
        shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return shutdown;
    }
}
