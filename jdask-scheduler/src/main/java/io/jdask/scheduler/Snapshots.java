package io.jdask.scheduler;

import io.jdask.scheduler.ClusterSnapshot.PrefixProgress;
import io.jdask.scheduler.ClusterSnapshot.WorkerSnapshot;
import io.jdask.scheduler.state.SchedulerState;
import io.jdask.scheduler.state.SchedulerTaskState;
import io.jdask.scheduler.state.TaskView;
import io.jdask.scheduler.state.WorkerView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/*
 * Design note. Builds a ClusterSnapshot from the live state: the one place that reads state for other threads,
 * called only on the loop thread. One pass over the known tasks for the per-function progress (linear in the
 * state's size, like Dask's dashboard, which reads its TaskGroups; the loop reuses a snapshot for 100 ms, so the
 * scan runs at most ten times a second however many pages poll). Everything copied into immutable records.
 */
/** Makes {@link ClusterSnapshot}s; loop thread only. */
final class Snapshots {
    private Snapshots() {}

    static ClusterSnapshot of(
            SchedulerState state, int clients, TaskStreamBuffer stream, TaskTotals totals, long nowMicros) {
        var workers = new ArrayList<WorkerSnapshot>();
        for (WorkerView w : state.workers()) {
            workers.add(new WorkerSnapshot(
                    w.address(),
                    w.name(),
                    w.nthreads(),
                    w.processingCount(),
                    w.heldCount(),
                    w.heldBytes(),
                    w.memoryLimitBytes(),
                    w.managedBytes(),
                    w.spilledBytes(),
                    w.heapBytes(),
                    w.paused()));
        }
        var counts = new LinkedHashMap<String, Long>();
        for (var e : state.tasks().entrySet()) {
            if (e.getKey() != SchedulerTaskState.FORGOTTEN) {
                counts.put(stateName(e.getKey()), e.getValue());
            }
        }
        var byPrefix = new TreeMap<String, long[]>(); // total, waiting, processing, memory, erred
        for (TaskView t : state.allTasks()) {
            long[] c = byPrefix.computeIfAbsent(prefixOf(t.key()), k -> new long[5]);
            c[0]++;
            switch (t.state()) {
                case PROCESSING -> c[2]++;
                case MEMORY -> c[3]++;
                case ERRED -> c[4]++;
                case FORGOTTEN -> c[0]--;
                default -> c[1]++;
            }
        }
        List<PrefixProgress> progress = new ArrayList<>(byPrefix.size());
        for (Map.Entry<String, long[]> e : byPrefix.entrySet()) {
            long[] c = e.getValue();
            progress.add(new PrefixProgress(e.getKey(), c[0], c[1], c[2], c[3], c[4]));
        }
        return new ClusterSnapshot(
                nowMicros,
                clients,
                workers,
                counts,
                progress,
                stream.since(nowMicros - ClusterSnapshot.STREAM_WINDOW_MICROS, ClusterSnapshot.STREAM_MAX_ENTRIES),
                stream.added(),
                totals.prefixes(),
                totals.transfers(),
                totals.transferBytes());
    }

    /** A state's name as the dashboard shows it: {@code NO_WORKER} -> {@code no-worker}. */
    static String stateName(SchedulerTaskState k) {
        return k.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The function name of a key: its text before the last '-' (as the state pools duration estimates). */
    static String prefixOf(String key) {
        int dash = key.lastIndexOf('-');
        return dash <= 0 ? key : key.substring(0, dash);
    }
}
