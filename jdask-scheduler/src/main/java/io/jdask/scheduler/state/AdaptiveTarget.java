package io.jdask.scheduler.state;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/*
 * Design note. Dask's Scheduler.adaptive_target and workers_to_close, as arithmetic over the state.
 *
 * CPU: the work known now (the estimates of what is processing, plus the learned duration of each queued or
 * unrunnable task; past SAMPLE of those, the first SAMPLE's sum scaled up) divided by the target duration gives the
 * threads wanted; a few long tasks do not ask for more threads than there are tasks; threads become workers at the
 * cluster's average threads per worker. Tasks waiting with no worker at all ask for at least one. Memory: past 60 % of
 * the workers' memory limits in held data, twice as many workers. Data: while anything is held, at least one worker.
 *
 * Below the current count, the answer names the workers to close: idle ones (nothing processing), fewest held bytes
 * first, as long as the workers that stay keep at least twice the held bytes under their memory limits (when limits
 * are known) and at least the target remains. Retiring them (Retirement) moves their data first.
 */
/** How many workers the work in the scheduler calls for, and which idle ones could go; see the design note. */
public record AdaptiveTarget(int workers, List<String> toClose) {
    /** Queued tasks looked at one by one; beyond, their sum is scaled. */
    static final int SAMPLE = 100;

    public AdaptiveTarget {
        toClose = List.copyOf(toClose);
    }

    static AdaptiveTarget of(ClusterModel m, long targetDurationNanos) {
        if (targetDurationNanos <= 0) {
            throw new IllegalArgumentException("the target duration must be positive, got " + targetDurationNanos);
        }
        int n = m.workers.size();
        long occupancy = 0;
        int processing = 0;
        int threads = 0;
        for (WorkerInfo ws : m.workers.values()) {
            occupancy += ws.occupancy;
            processing += ws.processing.size();
            threads += ws.nthreads;
        }
        long waiting = m.queued.size() + m.unrunnable.size();
        long queuedOccupancy = 0;
        int sampled = 0;
        for (var set : List.of(m.queued, m.unrunnable)) {
            for (SchedulerTask ts : set) {
                if (sampled == SAMPLE) break;
                queuedOccupancy += m.estimate(ts);
                sampled++;
            }
        }
        if (waiting > sampled && sampled > 0) {
            queuedOccupancy = (long) (queuedOccupancy * ((double) waiting / sampled));
        }
        long cpu = ceilDiv(occupancy + queuedOccupancy, targetDurationNanos);
        // A few long tasks must not ask for more threads than there are tasks.
        cpu = Math.min(cpu, waiting + processing);
        if (n > 0 && threads > 0) {
            cpu = ceilDiv(cpu * n, threads);
        }
        if (waiting > 0 && n == 0) cpu = Math.max(1, cpu);

        long limit = 0;
        long held = 0;
        boolean limitsKnown = n > 0;
        for (WorkerInfo ws : m.workers.values()) {
            held += ws.nbytes;
            if (ws.memoryLimitBytes > 0) limit += ws.memoryLimitBytes;
            else limitsKnown = false;
        }
        long memory = limitsKnown && held > 0.6 * limit ? 2L * n : 0;
        long dataFloor = held > 0 ? 1 : 0;
        int target = (int) Math.min(Integer.MAX_VALUE, Math.max(Math.max(cpu, memory), dataFloor));
        if (target >= n) return new AdaptiveTarget(target, List.of());

        List<WorkerInfo> idle = new ArrayList<>();
        for (WorkerInfo ws : m.workers.values()) {
            if (ws.processing.isEmpty() && !ws.retiring) idle.add(ws);
        }
        idle.sort(Comparator.comparingLong((WorkerInfo ws) -> ws.nbytes).thenComparingLong(ws -> ws.index));
        List<String> close = new ArrayList<>();
        long remainingLimit = limit;
        for (WorkerInfo ws : idle) {
            if (n - close.size() <= target) break;
            if (limitsKnown && remainingLimit - ws.memoryLimitBytes < 2 * held) break;
            remainingLimit -= ws.memoryLimitBytes;
            close.add(ws.address);
        }
        return new AdaptiveTarget(n - close.size(), close);
    }

    private static long ceilDiv(long a, long b) {
        return a <= 0 ? 0 : (a + b - 1) / b;
    }
}
