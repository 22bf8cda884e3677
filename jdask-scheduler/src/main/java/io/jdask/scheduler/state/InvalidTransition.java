package io.jdask.scheduler.state;

import java.util.List;

/**
 * The state machine was asked for a transition it has no edge for, which means a bug in the state
 * machine (events are never rejected this way: bad or stale events are ignored). The state is not
 * usable afterwards; the shell should log this and stop.
 */
public final class InvalidTransition extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final TaskStateKind from;
    private final TaskStateKind to;
    private final String stimulusId;
    private final List<Transition> story;

    InvalidTransition(String key, TaskStateKind from, TaskStateKind to, String stimulusId, List<Transition> story) {
        super(message(key, from, to, stimulusId, story));
        this.key = key;
        this.from = from;
        this.to = to;
        this.stimulusId = stimulusId;
        this.story = List.copyOf(story);
    }

    private static String message(
            String key, TaskStateKind from, TaskStateKind to, String stimulusId, List<Transition> story) {
        var sb = new StringBuilder()
                .append("Impossible transition for task '")
                .append(key)
                .append("': ")
                .append(from)
                .append(" -> ")
                .append(to)
                .append(" (stimulus ")
                .append(stimulusId)
                .append("); there is no such edge, directly or through RELEASED.")
                .append(" Story of '")
                .append(key)
                .append("' (")
                .append(story.size())
                .append(" entries):");
        for (Transition t : story) {
            sb.append("\n  ").append(t);
        }
        return sb.toString();
    }

    public String key() {
        return key;
    }

    public TaskStateKind from() {
        return from;
    }

    public TaskStateKind to() {
        return to;
    }

    public String stimulusId() {
        return stimulusId;
    }

    /** The story of the key up to the failure, oldest first. */
    public List<Transition> story() {
        return story;
    }
}
