package io.jdask.protocol.state;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One entry of a state machine's story: a transition of {@code key}, or (when {@link #note()} is not empty) an
 * event about the key that was ignored or changed nothing. The raw material of {@code story(...)} on both state
 * machines, as Dask's transition log is.
 *
 * @param <S> the machine's task-state enum
 * @param key the task (on the scheduler, a note may also be about a worker address or a client id)
 * @param from its state before
 * @param to the state that was asked for
 * @param end the state it actually reached; differs from {@code to} when an edge stops half-way or finds nothing to
 *     do (a cancelled task that keeps running, a queued task that still finds no worker)
 * @param recommendations what this transition recommended next, by key, in order
 * @param stimulusId the event that caused it
 * @param timeNanos the {@code now} of that event
 * @param note empty for a transition, else why the event was ignored
 */
public record Transition<S extends Enum<S>>(
        String key,
        S from,
        S to,
        S end,
        Map<String, S> recommendations,
        String stimulusId,
        long timeNanos,
        String note) {

    public Transition {
        Objects.requireNonNull(recommendations, "recommendations");
        Objects.requireNonNull(note, "note");
    }

    /** A transition from {@code from} to {@code to} that ended in {@code end}. */
    public static <S extends Enum<S>> Transition<S> of(
            String key, S from, S to, S end, Map<String, S> recommendations, String stimulusId, long timeNanos) {
        return new Transition<>(key, from, to, end, recommendations, stimulusId, timeNanos, "");
    }

    /** A note that an event about {@code key}, which is in {@code state}, was ignored or changed nothing. */
    public static <S extends Enum<S>> Transition<S> note(
            String key, S state, String stimulusId, long timeNanos, String why) {
        return new Transition<>(key, state, state, state, Map.of(), stimulusId, timeNanos, why);
    }

    /** Whether this entry is about one of these keys or stimulus ids: its key, a recommended key, its stimulus. */
    public boolean concerns(Set<String> keysOrStimulusIds) {
        if (keysOrStimulusIds.contains(key) || keysOrStimulusIds.contains(stimulusId)) return true;
        for (String k : recommendations.keySet()) {
            if (keysOrStimulusIds.contains(k)) return true;
        }
        return false;
    }

    @Override
    public String toString() {
        var sb = new StringBuilder()
                .append(key)
                .append(": ")
                .append(from)
                .append(" -> ")
                .append(to);
        if (end != to) sb.append(" (ended ").append(end).append(')');
        if (!recommendations.isEmpty()) sb.append(' ').append(recommendations);
        if (!note.isEmpty()) sb.append(" (").append(note).append(')');
        return sb.append(" [")
                .append(stimulusId)
                .append(" @")
                .append(timeNanos)
                .append(']')
                .toString();
    }
}
