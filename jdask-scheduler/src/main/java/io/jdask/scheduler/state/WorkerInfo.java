package io.jdask.scheduler.state;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/*
 * Design note. The scheduler's record of one connected worker (not to be confused with the worker's own
 * WorkerState). Mutated only by the owning thread. Occupancy is kept as an exact long sum of the
 * per-task estimates stored on the tasks, so adding and removing a task restores it exactly and
 * StateValidator can check it.
 */
/** The scheduler's record of one worker. */
final class WorkerInfo implements WorkerView {
    final String address;
    final String name;
    final int nthreads;
    final long memoryLimitBytes;
    final Map<String, Double> resources;

    /** Join order; the final deterministic tie-break of worker choice. */
    final long index;

    /**
     * Thread slots for root-ish tasks by the saturation alone: ceil(nthreads * saturation), at least 1; MAX_VALUE
     * without queuing.
     */
    final int baseSlots;

    /**
     * Thread slots for root-ish tasks now: {@link #baseSlots}, raised while this worker's tasks are short (see
     * {@link SchedulerConfig.Builder#shortTaskLatencyNanos}); between baseSlots and MAX_SLOT_SCALE times it.
     */
    int slots;

    /** Moving average (weight 1/2) of the run times of the tasks that finished here; -1 before the first. */
    long recentDurationNanos = -1;

    /** At most this many times {@link #baseSlots}. */
    static final int MAX_SLOT_SCALE = 32;

    /** Exactly the tasks in PROCESSING with processingOn == this. */
    final LinkedHashSet<SchedulerTask> processing = new LinkedHashSet<>();

    /** How many of {@link #processing} are long-running (seceded). */
    int longRunningCount;

    /**
     * Per cost level ({@link WorkStealing#LEVELS}), the tasks of {@link #processing} that work stealing may move, in
     * assignment order; exactly those with {@code stealLevel == level}. Null until the first is listed.
     */
    List<LinkedHashSet<SchedulerTask>> stealable;

    /** Sum of occupancyEstimate over {@link #processing}. */
    long occupancy;

    /** Sum, per resource, of the resource restrictions of {@link #processing}; never above {@link #resources}. */
    final Map<String, Double> usedResources = new HashMap<>();

    /** Exactly the tasks whose whoHas contains this worker. */
    final LinkedHashSet<SchedulerTask> hasWhat = new LinkedHashSet<>();

    /** Sum of the (defaulted) sizes of {@link #hasWhat}. */
    long nbytes;

    /** True while the worker says its memory is past its pause fraction: no new task is placed on it. */
    boolean paused;

    /** True while the worker is being retired (see {@link Retirement}): no new task is placed on it. */
    boolean retiring;

    /** True once it was told to close at the end of its retirement. */
    boolean retireSent;

    /** What the worker last said of its memory (see {@link SchedulerEvent.WorkerMemory}); -1 until it said. */
    long managedBytes = -1;

    long spilledBytes = -1;
    long heapBytes = -1;

    /**
     * When the scheduler last heard from this worker (any event from it, {@code now} of the event); the worker
     * time-to-live counts from here.
     */
    long lastSeenNanos;

    /** Tasks occupying a thread and tasks waiting for one, as its last heartbeat said; -1 before the first. */
    int reportedExecuting = -1;

    int reportedReady = -1;

    /** Why the worker said it was about to exit (its memory passed the terminate fraction); empty if it did not. */
    String exitReason = "";

    WorkerInfo(
            String address,
            String name,
            int nthreads,
            long memoryLimitBytes,
            Map<String, Double> resources,
            long index,
            double saturation) {
        this.address = address;
        this.name = name;
        this.nthreads = nthreads;
        this.memoryLimitBytes = memoryLimitBytes;
        this.resources = Map.copyOf(resources);
        this.index = index;
        this.baseSlots = Double.isInfinite(saturation)
                ? Integer.MAX_VALUE
                : (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.ceil(nthreads * saturation)));
        this.slots = baseSlots;
    }

    /**
     * Counts the run time of a task that finished here and re-derives {@link #slots}: enough tasks per thread to
     * cover {@code latencyNanos} of round trip with tasks of the average run time (at least 1 us). Returns true if
     * the worker may now take more queued tasks than before.
     */
    boolean recordDuration(long nanos, long latencyNanos) {
        if (nanos < 0 || latencyNanos <= 0 || baseSlots == Integer.MAX_VALUE) {
            return false;
        }
        recentDurationNanos = recentDurationNanos < 0 ? nanos : (recentDurationNanos + nanos) / 2;
        double perThread = 1.0 + (double) latencyNanos / Math.max(1_000L, recentDurationNanos);
        long wanted = (long) Math.ceil(nthreads * perThread);
        int next = (int) Math.max(baseSlots, Math.min((long) baseSlots * MAX_SLOT_SCALE, wanted));
        boolean grew = next > slots;
        slots = next;
        return grew;
    }

    /** Whether new tasks may be placed here: not paused, not retiring. */
    boolean takesTasks() {
        return !paused && !retiring;
    }

    /** Tasks occupying a thread slot. */
    int activeCount() {
        return processing.size() - longRunningCount;
    }

    /** True when the task's resource needs fit in what is free right now. */
    boolean resourcesAvailable(Map<String, Double> needs) {
        if (needs.isEmpty()) {
            return true;
        }
        for (var e : needs.entrySet()) {
            Double total = resources.get(e.getKey());
            if (total == null) {
                return false;
            }
            double used = usedResources.getOrDefault(e.getKey(), 0.0);
            if (total - used < e.getValue() - 1e-9) {
                return false;
            }
        }
        return true;
    }

    /** True when the worker could ever hold the task's resource needs (ignoring what is in use). */
    boolean resourcesSuffice(Map<String, Double> needs) {
        for (var e : needs.entrySet()) {
            Double total = resources.get(e.getKey());
            if (total == null || total < e.getValue() - 1e-9) {
                return false;
            }
        }
        return true;
    }

    // ---- WorkerView ----

    @Override
    public boolean paused() {
        return paused;
    }

    @Override
    public boolean retiring() {
        return retiring;
    }

    @Override
    public long managedBytes() {
        return managedBytes;
    }

    @Override
    public long spilledBytes() {
        return spilledBytes;
    }

    @Override
    public long heapBytes() {
        return heapBytes;
    }

    @Override
    public long lastSeenNanos() {
        return lastSeenNanos;
    }

    @Override
    public String address() {
        return address;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int nthreads() {
        return nthreads;
    }

    @Override
    public int rootTaskSlots() {
        return slots;
    }

    @Override
    public long memoryLimitBytes() {
        return memoryLimitBytes;
    }

    @Override
    public Map<String, Double> resources() {
        return resources;
    }

    @Override
    public Map<String, Double> usedResources() {
        return Map.copyOf(usedResources);
    }

    @Override
    public int processingCount() {
        return processing.size();
    }

    @Override
    public int longRunningCount() {
        return longRunningCount;
    }

    @Override
    public long occupancyNanos() {
        return occupancy;
    }

    @Override
    public int heldCount() {
        return hasWhat.size();
    }

    @Override
    public long heldBytes() {
        return nbytes;
    }

    @Override
    public Set<String> processingKeys() {
        return SchedulerTask.keysOf(processing);
    }

    @Override
    public Set<String> heldKeys() {
        return SchedulerTask.keysOf(hasWhat);
    }

    @Override
    public String toString() {
        return "<Worker " + address + " processing=" + processing.size() + " held=" + hasWhat.size() + ">";
    }
}
