package io.jdask.worker;

import io.jdask.protocol.Serialized;
import io.jdask.protocol.WorkerMsg;
import io.jdask.worker.TaskRunner.RunTimes;
import io.jdask.worker.state.WorkerInstruction;
import java.util.HashMap;

/**
 * Turns the state's {@link WorkerInstruction.SchedulerMessage}s into the messages the scheduler reads, adding what
 * only the shell knows: a small result's bytes (sent inline with TaskFinished, so the scheduler can hand them to
 * clients without a fetch) and the thread slot and times a task ran with (the scheduler's task stream).
 *
 * <p>Loop-confined.
 */
final class SchedulerReports {
    private final DataStore store;
    private final long inlineLimit;
    /**
     * The thread slot and times of a task whose outcome is being handled, by key: put right before the state handles
     * ExecuteSuccess/ExecuteFailure and removed right after ({@link #during}), so the TaskFinished/TaskErred the state
     * emits in that call carries them (the pure state does not).
     */
    private final HashMap<String, RunTimes> runTimes = new HashMap<>();

    SchedulerReports(DataStore store, long inlineLimit) {
        this.store = store;
        this.inlineLimit = inlineLimit;
    }

    /** Runs {@code handle} with {@code times} known as the run times of {@code key}. */
    void during(String key, RunTimes times, Runnable handle) {
        runTimes.put(key, times);
        try {
            handle.run();
        } finally {
            runTimes.remove(key);
        }
    }

    /** Per-key entries held now (the per-key bookkeeping test). */
    int perKeyEntries() {
        return runTimes.size();
    }

    /** The scheduler-bound message for a state instruction. */
    WorkerMsg translate(WorkerInstruction.SchedulerMessage m) {
        return switch (m) {
            case WorkerInstruction.TaskFinishedMsg f -> {
                StoredValue v = store.get(f.key());
                byte[] inline = null;
                if (v != null) {
                    Serialized bytes = v.bytesIfReady();
                    if (bytes != null && bytes.nbytes() <= inlineLimit) {
                        inline = bytes.toBytes();
                    }
                }
                String typeName = f.typeName() != null ? f.typeName() : v == null ? null : v.typeName();
                RunTimes times = runTimes.getOrDefault(f.key(), RunTimes.NONE);
                yield new WorkerMsg.TaskFinished(
                        f.key(),
                        f.runId(),
                        f.nbytes(),
                        typeName,
                        f.start(),
                        f.stop(),
                        times.thread(),
                        inline,
                        f.stimulusId());
            }
            case WorkerInstruction.TaskErredMsg e -> {
                RunTimes times = runTimes.getOrDefault(e.key(), RunTimes.NONE);
                if (e.error() instanceof TaskError te) {
                    yield new WorkerMsg.TaskErred(
                            e.key(),
                            e.runId(),
                            te.exception(),
                            te.exceptionType(),
                            te.message(),
                            te.traceback(),
                            times.startNanos(),
                            times.stopNanos(),
                            times.thread(),
                            e.stimulusId());
                }
                String text = String.valueOf(e.error());
                yield new WorkerMsg.TaskErred(
                        e.key(),
                        e.runId(),
                        null,
                        "io.jdask.worker.UnknownError",
                        text,
                        text,
                        times.startNanos(),
                        times.stopNanos(),
                        times.thread(),
                        e.stimulusId());
            }
            case WorkerInstruction.TaskStartedMsg s -> new WorkerMsg.TaskStarted(s.key());
            case WorkerInstruction.AddKeysMsg a -> new WorkerMsg.AddKeys(a.keys(), a.stimulusId());
            case WorkerInstruction.RequestRefreshWhoHasMsg r -> new WorkerMsg.RequestWhoHas(r.keys(), r.stimulusId());
            case WorkerInstruction.MissingDataMsg d ->
                new WorkerMsg.MissingData(d.key(), d.erringWorker(), d.stimulusId());
            case WorkerInstruction.ReleaseWorkerDataMsg r -> new WorkerMsg.ReleaseWorkerData(r.key(), r.stimulusId());
            case WorkerInstruction.LongRunningMsg l -> new WorkerMsg.LongRunning(l.key(), l.runId(), l.stimulusId());
            case WorkerInstruction.StealResponseMsg r ->
                new WorkerMsg.StealResponse(r.key(), r.runId(), r.released(), r.state(), r.stimulusId());
        };
    }
}
