package io.jdask.protocol;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs submitted tasks one at a time, in submission order, on a shared backing executor:
 * the in-process stand-in for a connection's I/O thread.
 *
 * <p>Invariant: at most one drain runs at a time ({@code scheduled} is true from the moment a
 * drain is submitted until it has found the queue empty and cleared the flag), so tasks never
 * overlap and each task happens-before the next. After clearing the flag the drain re-checks
 * the queue, so a task added concurrently is never stranded.
 */
final class SerialExecutor implements Executor {
    private final Executor backing;
    /** Tasks not yet run; multi-producer, consumed only by the running drain. */
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** True while a drain is submitted or running. */
    private final AtomicBoolean scheduled = new AtomicBoolean();

    SerialExecutor(Executor backing) {
        this.backing = backing;
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        schedule();
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            try {
                backing.execute(this::drain);
            } catch (RejectedExecutionException e) {
                scheduled.set(false);
                tasks.clear(); // the transport is closed; nobody is left to run these
            }
        }
    }

    private void drain() {
        try {
            Runnable r;
            while ((r = tasks.poll()) != null) {
                r.run();
            }
        } finally {
            scheduled.set(false);
            if (!tasks.isEmpty()) {
                schedule();
            }
        }
    }
}
