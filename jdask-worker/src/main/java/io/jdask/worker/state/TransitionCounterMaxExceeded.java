package io.jdask.worker.state;

import java.util.List;

/**
 * The transition counter passed its cap: almost surely two transitions recommending each other
 * forever. Thrown instead of hanging the worker's event loop.
 */
public final class TransitionCounterMaxExceeded extends RuntimeException {
    private final String key;
    private final List<Transition> story;

    TransitionCounterMaxExceeded(
            String key,
            WorkerTaskState from,
            WorkerTaskState to,
            String stimulusId,
            long count,
            long max,
            List<Transition> story) {
        super("Transition counter reached " + count + " (cap " + max + ") at task '" + key + "' "
                + from + " -> " + to + " (stimulus '" + stimulusId + "'): probably a recommendation loop."
                + " Last transitions of '" + key + "':" + tail(story));
        this.key = key;
        this.story = List.copyOf(story);
    }

    private static String tail(List<Transition> story) {
        var sb = new StringBuilder();
        for (Transition t : story.subList(Math.max(0, story.size() - 20), story.size())) {
            sb.append("\n  ").append(t);
        }
        return sb.toString();
    }

    public String key() {
        return key;
    }

    public List<Transition> story() {
        return story;
    }
}
