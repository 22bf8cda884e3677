package io.jdask.local;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The thread pools behind {@code Scheduler.THREADS}: one shared work-stealing pool per size, made on first use,
 * with daemon threads so an idle pool never keeps the JVM alive. Not the common pool: it has one thread fewer
 * than there are cores, and user code there could starve the JDK's own users of it.
 *
 * <p>Worker threads are {@link Worker}s, which record which run's task they execute, so that cancelling a run can
 * interrupt exactly its own running tasks (see {@link ThreadedRun}).
 */
final class LocalPools {
    private LocalPools() {}

    private static final ConcurrentHashMap<Integer, ForkJoinPool> POOLS = new ConcurrentHashMap<>();
    private static final AtomicInteger POOL_IDS = new AtomicInteger();
    /** Every live worker of every pool; a worker removes itself when it terminates. */
    private static final java.util.Set<Worker> WORKERS = ConcurrentHashMap.newKeySet();

    static Iterable<Worker> workers() {
        return WORKERS;
    }

    static ForkJoinPool pool(int threads) {
        return POOLS.computeIfAbsent(threads, LocalPools::newPool);
    }

    private static ForkJoinPool newPool(int threads) {
        int id = POOL_IDS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        ForkJoinPool.ForkJoinWorkerThreadFactory factory = pool -> {
            Worker w = new Worker(pool);
            w.setName("jdask-local-" + id + "-" + n.incrementAndGet());
            w.setDaemon(true);
            return w;
        };
        // asyncMode=false: each worker takes its newest task first (depth first, like Dask's ordering, which keeps
        // few intermediate results alive); idle workers steal the oldest.
        return new ForkJoinPool(threads, factory, null, false, 0, threads + 256, 1, null, 60, TimeUnit.SECONDS);
    }

    /** A pool thread that knows which run's task it is executing. */
    static final class Worker extends ForkJoinWorkerThread {
        /** The run whose task this thread executes now, or null. Written by this thread only. */
        volatile ThreadedRun current;

        Worker(ForkJoinPool pool) {
            super(null, pool, true);
        }

        @Override
        protected void onStart() {
            super.onStart();
            WORKERS.add(this);
        }

        @Override
        protected void onTermination(Throwable exception) {
            WORKERS.remove(this);
            super.onTermination(exception);
        }
    }
}
