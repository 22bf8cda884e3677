package io.jdask.worker;

import java.util.function.LongSupplier;

/**
 * The worker's periodic look at its memory (Dask's {@code WorkerMemoryManager.memory_monitor}, every 100 ms): spills
 * stored values when the heap passes the spill fraction, and says whether the worker should run, pause or exit. Runs
 * on the worker's loop; the heap is read through {@code heapUsed} and a collection asked for through {@code collect},
 * so a test can drive it with numbers.
 *
 * <p>The JVM's heap in use counts garbage until a collection removes it, so a high reading is confirmed by a
 * collection before anything is decided ({@link SpillPolicy#worthCollecting}): the decision then rests on the live
 * heap, as Dask's rests on the process's memory. Collections asked for this way are at most one per {@code
 * minCollectNanos}; between them the last decision holds. Values spilled by a look are taken off the live heap by their
 * sizes, without another collection. A reading below every threshold needs no confirmation: the
 * live heap is smaller still.
 *
 * <p>A worker that shares its JVM (in-process workers of tests and of {@code LocalCluster.processes(false)}) cannot
 * tell its heap from its neighbours': it spills by its stored values' sizes alone and never pauses or exits.
 */
final class MemoryMonitor {
    private final SpillPolicy policy;
    private final DataStore store;
    private final boolean ownsProcess;
    private final LongSupplier heapUsed;
    private final Runnable collect;
    private final long minCollectNanos;

    private SpillPolicy.Status status = SpillPolicy.Status.RUNNING;
    private long lastCollect = Long.MIN_VALUE / 2;
    /** The heap in use after the last collection this monitor asked for; -1 before the first. */
    private long lastLive = -1;

    MemoryMonitor(
            SpillPolicy policy,
            DataStore store,
            boolean ownsProcess,
            LongSupplier heapUsed,
            Runnable collect,
            long minCollectNanos) {
        this.policy = policy;
        this.store = store;
        this.ownsProcess = ownsProcess;
        this.heapUsed = heapUsed;
        this.collect = collect;
        this.minCollectNanos = minCollectNanos;
    }

    /** One look, at {@code nowNanos}: spills if needed and returns what the worker should do now. */
    SpillPolicy.Status check(long nowNanos) {
        if (!ownsProcess) return SpillPolicy.Status.RUNNING;
        long used = heapUsed.getAsLong();
        if (!policy.worthCollecting(used)) {
            status = SpillPolicy.Status.RUNNING;
            return status;
        }
        if (nowNanos - lastCollect < minCollectNanos) return status;
        collect.run();
        lastCollect = nowNanos;
        long live = heapUsed.getAsLong();
        lastLive = live;
        long excess = policy.processExcess(live, store.sizes().memoryBytes());
        long freed = excess > 0 ? store.evict(excess) : 0;
        // What was written to disk is garbage now: decide on the heap without it. Its size is known, so it is
        // subtracted rather than confirmed by a second collection (a full collection of a heap of big arrays costs
        // 40-500 ms on 2 cores, and spilling with one here doubled the collections; SpillBench's make phase). A value
        // that something else still holds (a running task) makes this an underestimate until the next confirmed
        // reading, at most minCollectNanos later.
        status = policy.status(Math.max(0, live - freed));
        return status;
    }

    /**
     * The limit a worker process's memory decisions are taken against: its configured limit, but no more than the
     * largest heap pool can hold. With the parallel collector the old generation is about two thirds of the heap,
     * and a big array lives there or nowhere (it cannot span generations), so a worker keeping 60 % of {@code -Xmx}
     * in big values runs out of memory with a third of its heap free. With G1 the largest pool is the whole heap.
     * No limit (0) stays no limit.
     */
    static long usableLimit(long configured) {
        long largest = 0;
        for (java.lang.management.MemoryPoolMXBean p : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == java.lang.management.MemoryType.HEAP)
                largest = Math.max(largest, p.getUsage().getMax());
        }
        return configured > 0 && largest > 0 ? Math.min(configured, largest) : configured;
    }

    /** The heap in use now, or -1 when the worker shares its JVM. */
    long heapBytes() {
        return ownsProcess ? heapUsed.getAsLong() : -1;
    }

    /** The live heap at the last confirmed reading, or -1. */
    long lastLive() {
        return lastLive;
    }

    /** The limit decisions are taken against (see {@link #usableLimit}). */
    long limit() {
        return policy.limit();
    }

    SpillPolicy.Status status() {
        return status;
    }
}
