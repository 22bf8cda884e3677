package io.jdask.dashboard;

import io.jdask.TaskRecord;
import io.jdask.protocol.SchedulerMsg.TaskStreamEntry;
import io.jdask.scheduler.ClusterSnapshot;
import io.jdask.scheduler.ClusterSnapshot.PrefixProgress;
import io.jdask.scheduler.ClusterSnapshot.WorkerSnapshot;
import java.util.Map;

/**
 * Renders a {@link ClusterSnapshot} as the JSON of {@code /json/status}: what the live page draws and what scripts
 * read. Shape (times in microseconds since the epoch):
 *
 * <pre>{@code
 * {"time": 1700000000000000, "clients": 1,
 *  "workers": [{"address": "tcp://127.0.0.1:40001", "name": "local-0", "nthreads": 2, "processing": 1,
 *               "heldKeys": 10, "heldBytes": 800, "memoryLimit": 268435456, "managedBytes": 800,
 *               "spilledBytes": 0, "heapBytes": 52428800, "paused": false}],
 *  (managedBytes, spilledBytes: the worker's stored values in memory and on disk; heapBytes: its JVM heap in use;
 *   each -1 until the worker reported it, heapBytes also for a worker sharing its JVM)
 *  "taskCount": 11,
 *  "tasks": {"released": 0, "waiting": 0, "no-worker": 0, "queued": 0, "processing": 1, "memory": 10, "erred": 0},
 *  "progress": [{"name": "inc", "total": 11, "waiting": 0, "processing": 1, "memory": 10, "erred": 0}],
 *  "taskStream": {"total": 10, "windowMicros": 10000000,
 *                 "entries": [{"key": "inc-ab12", "name": "inc", "worker": "tcp://...", "thread": 0,
 *                              "start": ..., "stop": ..., "erred": false}]}}
 * }</pre>
 */
final class StatusJson {
    private StatusJson() {}

    static String render(ClusterSnapshot s) {
        Json j = new Json().beginObject();
        j.field("time", s.timeMicros()).field("clients", s.clients());
        j.name("workers").beginArray();
        for (WorkerSnapshot w : s.workers()) {
            j.beginObject()
                    .field("address", w.address())
                    .field("name", w.name())
                    .field("nthreads", w.nthreads())
                    .field("processing", w.processing())
                    .field("heldKeys", w.heldKeys())
                    .field("heldBytes", w.heldBytes())
                    .field("memoryLimit", w.memoryLimit())
                    .field("managedBytes", w.managedBytes())
                    .field("spilledBytes", w.spilledBytes())
                    .field("heapBytes", w.heapBytes())
                    .field("paused", w.paused())
                    .endObject();
        }
        j.endArray();
        j.field("taskCount", s.taskCount());
        j.name("tasks").beginObject();
        for (Map.Entry<String, Long> e : s.taskCounts().entrySet()) {
            j.field(e.getKey(), e.getValue());
        }
        j.endObject();
        j.name("progress").beginArray();
        for (PrefixProgress p : s.progress()) {
            j.beginObject()
                    .field("name", p.name())
                    .field("total", p.total())
                    .field("waiting", p.waiting())
                    .field("processing", p.processing())
                    .field("memory", p.memory())
                    .field("erred", p.erred())
                    .endObject();
        }
        j.endArray();
        j.name("taskStream")
                .beginObject()
                .field("total", s.taskStreamTotal())
                .field("windowMicros", ClusterSnapshot.STREAM_WINDOW_MICROS);
        j.name("entries").beginArray();
        for (TaskStreamEntry e : s.taskStream()) {
            j.beginObject()
                    .field("key", e.key())
                    .field("name", TaskRecord.functionNameOf(e.key()))
                    .field("worker", e.worker())
                    .field("thread", e.thread())
                    .field("start", e.startMicros())
                    .field("stop", e.stopMicros())
                    .field("erred", e.erred())
                    .endObject();
        }
        j.endArray().endObject();
        return j.endObject().toString();
    }
}
