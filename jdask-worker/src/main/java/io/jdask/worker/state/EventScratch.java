package io.jdask.worker.state;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;

/*
 * Design note. Everything that lives for one event only, in one object with one reset. Before, these were
 * fields of WorkerState cleared by hand in two places, and the two lists had drifted apart: the test hook
 * recommendForTest did not clear freedByScheduler. A key left in that set would have silenced the
 * ReleaseWorkerDataMsg of a later, unrelated release of the same key. begin() and reset() are now the only
 * ways in and out of an event, for handle and for the test hook alike.
 */
/** The per-event scratch of the worker state machine: empty between events. */
final class EventScratch {
    /** Pending recommendations by task; drained last-in first-out. */
    final LinkedHashMap<WorkerTask, Recommendation> recs = new LinkedHashMap<>();
    /** The tasks recommended by the transitions in progress, for their log entries; parallel to recStates. */
    final ArrayList<WorkerTask> recTasks = new ArrayList<>();
    /** The states recommended by the transitions in progress; parallel to recTasks. */
    final ArrayList<WorkerTaskState> recStates = new ArrayList<>();
    /** Tasks whose value the shell stored for this event; those not in MEMORY at the end are dropped. */
    final ArrayList<WorkerTask> arrivals = new ArrayList<>();
    /** Keys whose values the shell must drop; emitted as one DropData at the end of the event. */
    final ArrayList<String> drops = new ArrayList<>();
    /** MEMORY keys this event's FreeKeys released: the scheduler already knows this worker lets them go. */
    final HashSet<String> freedByScheduler = new HashSet<>();
    /** Tasks that went MISSING during this event; the scheduler is asked about them at the end. */
    final ArrayList<WorkerTask> newlyMissing = new ArrayList<>();

    /** Where this event's instructions go; null between events. */
    List<WorkerInstruction> out;

    String stimulusId;
    long now;
    /** Transitions made for this event, for the per-event loop guard. */
    long transitions;
    /**
     * The number of tasks when the event started. The loop guard allows 64 transitions per task, counting the
     * larger of this and the current number: an event that forgets thousands of tasks must not shrink its own
     * allowance as it goes, and one that creates thousands must grow it.
     */
    long startTasks;

    /** Starts an event: its instructions go to {@code out}. */
    void begin(List<WorkerInstruction> out, String stimulusId, long now, int tasks) {
        this.out = out;
        this.stimulusId = stimulusId;
        this.now = now;
        this.transitions = 0;
        this.startTasks = tasks;
    }

    /** Ends an event, normally or not: everything back to empty. */
    void reset() {
        out = null;
        recs.clear();
        recTasks.clear();
        recStates.clear();
        arrivals.clear();
        drops.clear();
        freedByScheduler.clear();
        newlyMissing.clear();
    }

    /** Whether nothing of an event is left (true between events). */
    boolean isClear() {
        return out == null
                && recs.isEmpty()
                && recTasks.isEmpty()
                && recStates.isEmpty()
                && arrivals.isEmpty()
                && drops.isEmpty()
                && freedByScheduler.isEmpty()
                && newlyMissing.isEmpty();
    }

    /** Recommends {@code to} for {@code ts}, replacing an earlier recommendation for it. Not ERROR or FLIGHT. */
    void recommend(WorkerTask ts, WorkerTaskState to) {
        recommend(ts, Recommendation.Plain.of(to));
    }

    /** Recommends {@code rec} for {@code ts}, replacing an earlier recommendation for it. */
    void recommend(WorkerTask ts, Recommendation rec) {
        recs.put(ts, rec);
        recTasks.add(ts);
        recStates.add(rec.to());
    }
}
