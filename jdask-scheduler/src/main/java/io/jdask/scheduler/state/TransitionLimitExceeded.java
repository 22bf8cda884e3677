package io.jdask.scheduler.state;

import java.util.List;

/**
 * One {@link SchedulerState#handle} call made more transitions than its cap: recommendations are
 * feeding each other in a loop, a bug in the state machine. The state is not usable afterwards.
 */
public final class TransitionLimitExceeded extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final long limit;
    private final String stimulusId;
    private final List<Transition> lastTransitions;

    TransitionLimitExceeded(long limit, String stimulusId, List<Transition> lastTransitions) {
        super("More than " + limit + " transitions while handling stimulus " + stimulusId
                + ": recommendations are looping. Last transitions:\n  "
                + String.join(
                        "\n  ",
                        lastTransitions.stream().map(Transition::toString).toList())
                + "\nIf the graph is just that big, raise SchedulerConfig.Builder.maxTransitionsPerHandle.");
        this.limit = limit;
        this.stimulusId = stimulusId;
        this.lastTransitions = List.copyOf(lastTransitions);
    }

    public long limit() {
        return limit;
    }

    public String stimulusId() {
        return stimulusId;
    }

    /** The most recent transitions before the cap was hit, oldest first. */
    public List<Transition> lastTransitions() {
        return lastTransitions;
    }
}
