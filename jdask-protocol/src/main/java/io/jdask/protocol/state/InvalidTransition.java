package io.jdask.protocol.state;

import java.util.List;

/**
 * A state machine was asked to move a task between two states with no edge between them, not even through
 * RELEASED. This is a bug in the state machine, or an event its shell should not have sent (bad or stale events
 * are otherwise ignored and noted in the story). The state may be inconsistent afterwards: the shell should log
 * this and stop. Thrown by both state machines; {@link #from()} and {@link #to()} are of the machine's task-state
 * enum.
 */
public final class InvalidTransition extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final Enum<?> from;
    private final Enum<?> to;
    private final String stimulusId;
    private final List<Transition<?>> story;

    /**
     * @param story the task's transitions before the failure, oldest first
     * @param cause the failure of the way through RELEASED, or null
     */
    public InvalidTransition(
            String key,
            Enum<?> from,
            Enum<?> to,
            String stimulusId,
            List<? extends Transition<?>> story,
            Throwable cause) {
        super(message(key, from, to, stimulusId, story), cause);
        this.key = key;
        this.from = from;
        this.to = to;
        this.stimulusId = stimulusId;
        this.story = List.copyOf(story);
    }

    private static String message(
            String key, Enum<?> from, Enum<?> to, String stimulusId, List<? extends Transition<?>> story) {
        var sb = new StringBuilder()
                .append("Invalid transition of task '")
                .append(key)
                .append("': ")
                .append(from)
                .append(" -> ")
                .append(to)
                .append(" (stimulus '")
                .append(stimulusId)
                .append("'); there is no such edge, not even through RELEASED. Story of '")
                .append(key)
                .append("' (")
                .append(story.size())
                .append(" entries):");
        for (Transition<?> t : story) sb.append("\n  ").append(t);
        return sb.toString();
    }

    public String key() {
        return key;
    }

    public Enum<?> from() {
        return from;
    }

    public Enum<?> to() {
        return to;
    }

    public String stimulusId() {
        return stimulusId;
    }

    /** The task's transitions before the failure, oldest first. */
    public List<Transition<?>> story() {
        return story;
    }
}
