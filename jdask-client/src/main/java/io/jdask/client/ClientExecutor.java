package io.jdask.client;

import io.jdask.Fn0;
import io.jdask.Future;
import java.io.Serializable;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code client.executor()}: an {@link java.util.concurrent.ExecutorService} whose tasks run on the cluster. A task
 * must be serializable (a lambda cast to {@code Callable<T> & Serializable}, or a serializable class), because it
 * travels to a worker. Shutting the executor down does not close the client.
 */
final class ClientExecutor extends AbstractExecutorService {
    private final ClientImpl client;
    private volatile boolean shutdown;

    ClientExecutor(ClientImpl client) {
        this.client = client;
    }

    @Override
    public <T> java.util.concurrent.Future<T> submit(Callable<T> task) {
        return submitCallable(task);
    }

    @Override
    public java.util.concurrent.Future<?> submit(Runnable task) {
        return submitCallable(new RunnableCall(task));
    }

    @Override
    public void execute(Runnable command) {
        submit(command);
    }

    private <T> Future<T> submitCallable(Callable<T> task) {
        if (shutdown) throw new java.util.concurrent.RejectedExecutionException("the executor was shut down");
        if (!(task instanceof Serializable)) {
            throw new IllegalArgumentException(task.getClass().getName() + " is not Serializable, so it cannot run "
                    + "on a worker: write the lambda as (Callable<T> & Serializable) () -> ..., or submit a method "
                    + "reference with client.submit(...)");
        }
        Fn0<T> fn = new CallableFn<>(task);
        return client.submitCall(fn, new Object[0]);
    }

    private record CallableFn<T>(Callable<T> callable) implements Fn0<T> {
        @Override
        public T apply() throws Exception {
            return callable.call();
        }
    }

    private record RunnableCall(Runnable runnable) implements Callable<Object>, Serializable {
        @Override
        public Object call() {
            runnable.run();
            return null;
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
