package io.jdask.client;

import io.jdask.spi.TaskContext;
import java.util.Optional;

/*
 * Design note. Issue 14 item 6: a task that waits on other tasks (Future.result(), client.gather(...),
 * Delayed.compute() through Dask.client()) must not hold its thread slot while it waits, or recursive code deeper than
 * the cluster's thread count deadlocks it: every slot held by a parent waiting for a child that has no slot to run in.
 * Dask asks for worker_client() around such code; here every blocking wait of the client does it. A wait that is about
 * to block (its result is not already there) secedes the calling task, and rejoins after, waiting for a slot as an
 * explicit rejoin() does (rejoining tasks get slots before tasks that have not started).
 *
 * Only a thread running a task (TaskContext.current()) secedes; a client program's threads never do. A task that
 * seceded itself (Dask.secede()) is left alone: the wait neither secedes it again nor rejoins it, so an explicit
 * secede/rejoin pair around waits keeps its meaning.
 */
/** The automatic secede and rejoin around a task's blocking waits. */
final class TaskWaits implements AutoCloseable {
    private static final TaskWaits NONE = new TaskWaits(null, null);

    private final TaskContext.Host host;
    private final String key;

    private TaskWaits(TaskContext.Host host, String key) {
        this.host = host;
        this.key = key;
    }

    /**
     * Secedes the calling task if the caller is a task thread holding a slot; the returned handle rejoins it when
     * closed. Anywhere else, a handle that does nothing.
     */
    static TaskWaits secede() {
        Optional<TaskContext.Current> task = TaskContext.current();
        if (task.isEmpty()) {
            return NONE;
        }
        TaskContext.Host host = task.get().host();
        String key = task.get().key();
        if (host.seceded(key)) {
            return NONE;
        }
        host.secede(key);
        return new TaskWaits(host, key);
    }

    /** Whether this handle seceded a task (for tests). */
    boolean seceded() {
        return host != null;
    }

    /** Takes a slot again (blocking until the worker gives one) if {@link #secede} gave one up. */
    @Override
    public void close() {
        if (host != null) {
            host.rejoin(key);
        }
    }
}
