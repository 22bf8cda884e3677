package io.jdask.local;

import io.jdask.TaskFailedException;
import io.jdask.graph.Task;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * One computation on {@code Scheduler.THREADS}.
 *
 * <p><b>Scheduling.</b> {@code pending[i]} counts node i's unfinished dependencies; the thread that brings it to
 * zero owns node i. Of the dependents a finished node makes ready, all but one are forked onto the finishing
 * thread's deque and the last runs next on the same thread with no queueing at all, so a chain runs as a loop and
 * a tree depth first. Idle threads steal the oldest forked work.
 *
 * <p><b>Memory.</b> {@code holds[i]} counts the dependents of node i that have not finished, plus one per time it
 * is an output; when it reaches zero the result is dropped, so a long chain of large values keeps two alive.
 *
 * <p><b>Visibility.</b> A result is written before the atomic decrement of its dependents' {@code pending}
 * counters and read after the decrement that reached zero, and the outputs are read after {@link #done}; the
 * atomics give the happens-before edges, so {@link #results} is a plain array.
 *
 * <p><b>Stopping.</b> The first failure, or an interrupt of the waiting caller, sets {@link #stopped}: no task of
 * this run starts after that, and tasks of this run that are running get interrupted. A worker sets
 * {@code current} to its run before checking {@code stopped}; {@link #stop} sets {@code stopped} before reading
 * {@code current} (both volatile), so either the worker sees the stop or the stop sees the worker. The interrupt
 * and the worker's clearing of {@code current} (which also clears a late interrupt) happen under the worker's
 * monitor, so an interrupt meant for this run never reaches a task of another one.
 */
final class ThreadedRun {
    private final Plan plan;
    private final int retries;
    private final ForkJoinPool pool;
    private final Object[] results;
    private final AtomicIntegerArray pending;
    private final AtomicIntegerArray holds;
    private final AtomicInteger remaining;
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean stopped;
    /** The first failure: written once, under {@code this}, before {@link #done} opens. */
    private String failedKey;

    private Throwable failure;

    ThreadedRun(Plan plan, int retries, ForkJoinPool pool) {
        this.plan = plan;
        this.retries = retries;
        this.pool = pool;
        int n = plan.size;
        this.results = new Object[n];
        int[] p = new int[n];
        int[] h = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = plan.deps[i].length;
            h[i] = plan.dependentCount(i) + plan.outputPins[i];
        }
        this.pending = new AtomicIntegerArray(p);
        this.holds = new AtomicIntegerArray(h);
        this.remaining = new AtomicInteger(n);
    }

    Object[] run() {
        if (plan.size > 0) {
            int roots = 0;
            for (int i = 0; i < plan.size; i++) if (plan.deps[i].length == 0) roots++;
            int[] ready = new int[roots];
            for (int i = 0, r = 0; i < plan.size; i++) if (plan.deps[i].length == 0) ready[r++] = i;
            pool.execute(new Start(this, ready));
            await();
        }
        synchronized (this) {
            if (failure != null) {
                if (failure instanceof InterruptedException)
                    Thread.currentThread().interrupt();
                throw new TaskFailedException(failedKey, failure);
            }
        }
        Object[] out = new Object[plan.outputs.length];
        for (int k = 0; k < out.length; k++) out[k] = results[plan.outputs[k]];
        return out;
    }

    private void await() {
        try {
            ForkJoinPool.managedBlock(new ForkJoinPool.ManagedBlocker() {
                @Override
                public boolean block() throws InterruptedException {
                    done.await();
                    return true;
                }

                @Override
                public boolean isReleasable() {
                    return done.getCount() == 0;
                }
            });
        } catch (InterruptedException e) {
            stop();
            Thread.currentThread().interrupt();
            throw new CancellationException("computation of " + plan.size + " tasks interrupted; its running tasks "
                    + "were interrupted and no more will start");
        }
    }

    /** Runs node {@code i} and then, in a loop, one dependent it made ready, until none is left or we stop. */
    private void drive(int i) {
        LocalPools.Worker w = Thread.currentThread() instanceof LocalPools.Worker worker ? worker : null;
        if (w != null) w.current = this;
        try {
            while (i >= 0 && !stopped) {
                Object value;
                try {
                    value = evaluate(i);
                } catch (Throwable t) {
                    fail(i, t);
                    return;
                }
                i = finish(i, value);
            }
        } finally {
            if (w != null) {
                synchronized (w) {
                    w.current = null;
                    if (stopped) Thread.interrupted(); // an interrupt aimed at this run's task must not leak on
                }
            }
        }
    }

    private Object evaluate(int i) throws Exception {
        for (int attempt = 0; ; attempt++) {
            try {
                return plan.evaluate(i, results);
            } catch (Exception e) {
                if (attempt >= retries
                        || stopped
                        || !(plan.nodes[i] instanceof Task)
                        || e instanceof InterruptedException) {
                    throw e;
                }
            }
        }
    }

    /** Records node i's value, drops inputs nobody needs any more, and returns one newly ready dependent. */
    private int finish(int i, Object value) {
        results[i] = value;
        for (int d : plan.deps[i]) if (holds.decrementAndGet(d) == 0) results[d] = null;
        int next = -1;
        for (int k = plan.dependentsStart[i], end = plan.dependentsStart[i + 1]; k < end; k++) {
            int j = plan.dependents[k];
            if (pending.decrementAndGet(j) == 0) {
                if (next >= 0) new Step(this, next).fork();
                next = j;
            }
        }
        if (remaining.decrementAndGet() == 0) done.countDown();
        return next;
    }

    private void fail(int i, Throwable t) {
        synchronized (this) {
            if (failure != null || stopped) return; // a later failure, or one caused by stopping
            failedKey = plan.nodes[i].key();
            failure = t;
        }
        stop();
    }

    private void stop() {
        stopped = true;
        for (LocalPools.Worker w : LocalPools.workers()) {
            if (w.current == this) {
                synchronized (w) {
                    if (w.current == this && w != Thread.currentThread()) w.interrupt();
                }
            }
        }
        done.countDown();
    }

    /** Forks every initially ready node but the first, which it runs itself. */
    private static final class Start extends ForkJoinTask<Void> {
        private final ThreadedRun run;
        private final int[] ready;

        Start(ThreadedRun run, int[] ready) {
            this.run = run;
            this.ready = ready;
        }

        @Override
        protected boolean exec() {
            for (int k = ready.length - 1; k >= 1; k--) new Step(run, ready[k]).fork();
            if (ready.length > 0) run.drive(ready[0]);
            return true;
        }

        @Override
        public Void getRawResult() {
            return null;
        }

        @Override
        protected void setRawResult(Void v) {}
    }

    private static final class Step extends ForkJoinTask<Void> {
        private final ThreadedRun run;
        private final int node;

        Step(ThreadedRun run, int node) {
            this.run = run;
            this.node = node;
        }

        @Override
        protected boolean exec() {
            run.drive(node);
            return true;
        }

        @Override
        public Void getRawResult() {
            return null;
        }

        @Override
        protected void setRawResult(Void v) {}
    }
}
