package io.jdask.worker.state;

import java.util.Map;
import java.util.Objects;

/**
 * Options of a {@link WorkerState}. Reusable: each {@link #build()} makes a fresh, empty state,
 * which is how a recorded event log is replayed.
 */
public final class WorkerStateBuilder {
    // The options as set so far; WorkerModel copies them when a state is built.
    final String address;
    int nthreads = 1;
    Map<String, Double> resources = Map.of();
    int transferIncomingCountLimit = 4;
    long transferIncomingBytesLimit = 512L << 20;
    long transferMessageBytesLimit = 50_000_000L;
    long defaultNbytes = 1024;
    int transitionLogCapacity = 100_000;
    int eventLogCapacity = 10_000;
    long transitionCounterMax;
    long seed;
    int executeAhead;
    long shortTaskNanos = 100_000;

    WorkerStateBuilder(String address) {
        this.address = Objects.requireNonNull(address, "address");
    }

    /** Worker threads: at most this many tasks execute at once (seceded ones not counted). Default 1. */
    public WorkerStateBuilder nthreads(int nthreads) {
        if (nthreads < 1) throw new IllegalArgumentException("nthreads must be >= 1, got " + nthreads);
        this.nthreads = nthreads;
        return this;
    }

    /**
     * How many short tasks may be handed to the task threads beyond {@link #nthreads}, to start as soon as a
     * thread frees (see {@link #shortTaskNanos}). Default 0: a task is handed over only when a thread is free.
     */
    public WorkerStateBuilder executeAhead(int tasks) {
        if (tasks < 0) throw new IllegalArgumentException("executeAhead must be >= 0, got " + tasks);
        this.executeAhead = tasks;
        return this;
    }

    /**
     * A task counts as short, and may run ahead, when the tasks of its key prefix ran on average for less than
     * this. Default 100 microseconds.
     */
    public WorkerStateBuilder shortTaskNanos(long nanos) {
        if (nanos < 0) throw new IllegalArgumentException("shortTaskNanos must be >= 0, got " + nanos);
        this.shortTaskNanos = nanos;
        return this;
    }

    /** Abstract resources this worker offers, e.g. {@code GPU=2}. Default none. */
    public WorkerStateBuilder resources(Map<String, Double> resources) {
        this.resources = Copies.map(resources, "resources");
        return this;
    }

    /** At most this many peers sending to us at once. Default 4. */
    public WorkerStateBuilder transferIncomingCountLimit(int limit) {
        if (limit < 1) throw new IllegalArgumentException("limit must be >= 1, got " + limit);
        this.transferIncomingCountLimit = limit;
        return this;
    }

    /**
     * Stop starting transfers while this many bytes are coming in. Default 512 MiB. A single key
     * larger than this is still fetched when nothing else is coming in.
     */
    public WorkerStateBuilder transferIncomingBytesLimit(long bytes) {
        if (bytes < 1) throw new IllegalArgumentException("bytes must be >= 1, got " + bytes);
        this.transferIncomingBytesLimit = bytes;
        return this;
    }

    /** Target size of one GatherDep; keys are batched up to it. Default 50 MB. */
    public WorkerStateBuilder transferMessageBytesLimit(long bytes) {
        if (bytes < 1) throw new IllegalArgumentException("bytes must be >= 1, got " + bytes);
        this.transferMessageBytesLimit = bytes;
        return this;
    }

    /** Size assumed for keys of unknown size. Default 1 KiB (as Dask's default-data-size). */
    public WorkerStateBuilder defaultNbytes(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("bytes must be >= 0, got " + bytes);
        this.defaultNbytes = bytes;
        return this;
    }

    /** Transitions kept for {@link WorkerState#story}. Default 100,000. */
    public WorkerStateBuilder transitionLogCapacity(int capacity) {
        if (capacity < 0) throw new IllegalArgumentException("capacity must be >= 0, got " + capacity);
        this.transitionLogCapacity = capacity;
        return this;
    }

    /** Events kept for {@link WorkerState#recentEvents}. Default 10,000. */
    public WorkerStateBuilder eventLogCapacity(int capacity) {
        if (capacity < 0) throw new IllegalArgumentException("capacity must be >= 0, got " + capacity);
        this.eventLogCapacity = capacity;
        return this;
    }

    /**
     * Throw {@link io.jdask.protocol.state.TransitionCounterMaxExceeded} once this many transitions happened in total
     * (0, the default, means no total cap; the per-event loop guard always applies). For tests.
     */
    public WorkerStateBuilder transitionCounterMax(long max) {
        if (max < 0) throw new IllegalArgumentException("max must be >= 0, got " + max);
        this.transitionCounterMax = max;
        return this;
    }

    /** Seed of the random tie-breaks between equally good peers. Default 0. */
    public WorkerStateBuilder seed(long seed) {
        this.seed = seed;
        return this;
    }

    public WorkerState build() {
        return new WorkerState(this);
    }
}
