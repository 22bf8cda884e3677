package io.jdask.worker.state;

import java.util.Map;

/**
 * One entry of the transition log, the raw material of {@link WorkerState#story}.
 *
 * @param key the task
 * @param from its state before
 * @param to the state that was recommended
 * @param end the state it actually reached (may differ from {@code to}: some edges are no-ops or
 *     stop half-way, like EXECUTING -> RELEASED ending in CANCELLED)
 * @param recommendations what this transition recommended next, by key
 * @param stimulusId the event that caused it
 * @param time the {@code now} of that event
 */
public record Transition(
        String key,
        WorkerTaskState from,
        WorkerTaskState to,
        WorkerTaskState end,
        Map<String, WorkerTaskState> recommendations,
        String stimulusId,
        long time) {

    @Override
    public String toString() {
        return key + ": " + from + " -> " + to + (end == to ? "" : " (ended " + end + ")")
                + (recommendations.isEmpty() ? "" : " recs=" + recommendations)
                + " [" + stimulusId + " @" + time + "]";
    }
}
