package io.jdask.worker.state;

import java.util.List;

/**
 * A task was asked to move between two states with no edge between them, even through RELEASED.
 * This is a bug in the state machine or an event the shell should not have sent; the state may
 * be inconsistent afterwards and the worker should stop.
 */
public final class InvalidTransition extends RuntimeException {
    private final String key;
    private final WorkerTaskState from;
    private final WorkerTaskState to;
    private final String stimulusId;
    private final List<Transition> story;

    InvalidTransition(
            String key,
            WorkerTaskState from,
            WorkerTaskState to,
            String stimulusId,
            List<Transition> story,
            Throwable cause) {
        super(message(key, from, to, stimulusId, story), cause);
        this.key = key;
        this.from = from;
        this.to = to;
        this.stimulusId = stimulusId;
        this.story = List.copyOf(story);
    }

    static String message(
            String key, WorkerTaskState from, WorkerTaskState to, String stimulusId, List<Transition> story) {
        var sb = new StringBuilder()
                .append("Invalid transition of task '")
                .append(key)
                .append("': ")
                .append(from)
                .append(" -> ")
                .append(to)
                .append(" (stimulus '")
                .append(stimulusId)
                .append("'); there is no such edge, ")
                .append("not even through RELEASED. Story of '")
                .append(key)
                .append("':");
        if (story.isEmpty()) sb.append(" (empty)");
        for (Transition t : story) sb.append("\n  ").append(t);
        return sb.toString();
    }

    public String key() {
        return key;
    }

    public WorkerTaskState from() {
        return from;
    }

    public WorkerTaskState to() {
        return to;
    }

    public String stimulusId() {
        return stimulusId;
    }

    /** The task's transitions before the failure, oldest first. */
    public List<Transition> story() {
        return story;
    }
}
