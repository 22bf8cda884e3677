package io.jdask.scheduler.state;

import java.util.Map;

/**
 * One entry of the scheduler's story: a state transition of {@code key}, or (when {@link #note()} is not
 * empty) an event about the key that was ignored or did not change its state.
 *
 * @param from the state before; for an ignored event about an unknown key, {@link TaskStateKind#FORGOTTEN}
 * @param to the state after; can equal {@code from} when a transition found nothing to do (for example a
 *     queued task that still finds no free worker)
 * @param recommendations what this transition recommended next, by key, in order
 * @param stimulusId the event that caused it
 * @param timeNanos the event's {@code now}
 * @param note empty for a transition, else why the event was ignored
 */
public record Transition(
        String key,
        TaskStateKind from,
        TaskStateKind to,
        Map<String, TaskStateKind> recommendations,
        String stimulusId,
        long timeNanos,
        String note) {

    @Override
    public String toString() {
        var sb = new StringBuilder()
                .append(key)
                .append(": ")
                .append(from)
                .append(" -> ")
                .append(to);
        if (!recommendations.isEmpty()) {
            sb.append(' ').append(recommendations);
        }
        if (!note.isEmpty()) {
            sb.append(" (").append(note).append(')');
        }
        return sb.append(" [")
                .append(stimulusId)
                .append(" @")
                .append(timeNanos)
                .append(']')
                .toString();
    }
}
