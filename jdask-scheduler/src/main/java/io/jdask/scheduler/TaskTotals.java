package io.jdask.scheduler;

import io.jdask.protocol.SchedulerMsg.TaskStreamEntry;
import io.jdask.scheduler.ClusterSnapshot.PrefixTotals;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/*
 * Design note. Counters that only grow, for monitoring (/metrics): per function name (key prefix) the tasks that
 * finished or erred and the time their function calls took, and the transfers between workers. Fed on the loop thread
 * where each report already passes (the task stream, a worker's AddKeys), so nothing new sits on the hot path but
 * an addition to a map entry; read only into snapshots. Prometheus wants counters that never go back, which the task
 * stream's ring (the last 10,000) cannot give.
 *
 * The map is per prefix, not per key: a program has as many prefixes as it has functions. A program that makes a
 * fresh name per task (a lambda in a loop of notebook cells, say) would grow it without end, so past MAX_PREFIXES new
 * names count under OTHER.
 */
/** Cumulative per-prefix task counts and compute time, and transfer counts; loop thread only. */
final class TaskTotals {
    /** Distinct prefixes kept; later ones count under {@link #OTHER}. */
    static final int MAX_PREFIXES = 1_000;

    /** The prefix that later names count under once {@link #MAX_PREFIXES} are kept. */
    static final String OTHER = "(other)";

    /** Per prefix: finished, erred, compute microseconds (start to stop of the function call). */
    private final Map<String, long[]> byPrefix = new HashMap<>();

    private long transfers;
    private long transferBytes;

    /** One task's report (its task stream entry). */
    void task(TaskStreamEntry e) {
        String prefix = Snapshots.prefixOf(e.key());
        long[] c = byPrefix.get(prefix);
        if (c == null) {
            if (byPrefix.size() >= MAX_PREFIXES) prefix = OTHER;
            c = byPrefix.computeIfAbsent(prefix, p -> new long[3]);
        }
        c[e.erred() ? 1 : 0]++;
        c[2] += Math.max(0, e.stopMicros() - e.startMicros());
    }

    /** A worker fetched a copy of a value of {@code bytes} (negative when unknown: counted, not sized). */
    void transferred(long bytes) {
        transfers++;
        if (bytes > 0) transferBytes += bytes;
    }

    long transfers() {
        return transfers;
    }

    long transferBytes() {
        return transferBytes;
    }

    /** The per-prefix totals now, in no particular order. */
    List<PrefixTotals> prefixes() {
        List<PrefixTotals> all = new ArrayList<>(byPrefix.size());
        for (Map.Entry<String, long[]> e : byPrefix.entrySet()) {
            long[] c = e.getValue();
            all.add(new PrefixTotals(e.getKey(), c[0], c[1], c[2]));
        }
        return all;
    }
}
