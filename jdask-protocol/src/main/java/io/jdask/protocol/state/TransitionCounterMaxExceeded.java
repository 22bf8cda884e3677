package io.jdask.protocol.state;

import java.util.List;

/**
 * The loop guard of a state machine: more transitions than its cap, almost surely recommendations feeding each
 * other forever (Dask's {@code transition_counter_max}). Thrown instead of hanging the event loop; the state is
 * not usable afterwards. Thrown by both state machines; {@link #from()} and {@link #to()} are of the machine's
 * task-state enum.
 */
public final class TransitionCounterMaxExceeded extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final Enum<?> from;
    private final Enum<?> to;
    private final String stimulusId;
    private final long max;
    private final List<Transition<?>> story;

    /**
     * @param key the task whose transition went over the cap
     * @param max the cap
     * @param cap what the cap counts and how to raise it, for the message (e.g. "for one event")
     * @param story the transitions before the cap was hit, oldest first
     */
    public TransitionCounterMaxExceeded(
            String key,
            Enum<?> from,
            Enum<?> to,
            String stimulusId,
            long max,
            String cap,
            List<? extends Transition<?>> story) {
        super("More than " + max + " transitions " + cap + ", at task '" + key + "' " + from + " -> " + to
                + " (stimulus '" + stimulusId + "'): probably a recommendation loop. Last transitions:"
                + tail(story));
        this.key = key;
        this.from = from;
        this.to = to;
        this.stimulusId = stimulusId;
        this.max = max;
        this.story = List.copyOf(story);
    }

    private static String tail(List<? extends Transition<?>> story) {
        var sb = new StringBuilder();
        for (Transition<?> t : story.subList(Math.max(0, story.size() - 30), story.size())) {
            sb.append("\n  ").append(t);
        }
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

    /** The cap that was exceeded. */
    public long max() {
        return max;
    }

    /** The transitions before the cap was hit, oldest first. */
    public List<Transition<?>> story() {
        return story;
    }
}
