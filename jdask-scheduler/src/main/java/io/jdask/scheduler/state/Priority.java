package io.jdask.scheduler.state;

/**
 * The order in which ready tasks should run: smaller compares first.
 *
 * <p>Higher {@code userPriority} first; then earlier {@code generation} (each
 * {@link SchedulerEvent.UpdateGraph} gets the next one, so older submissions go first); then
 * {@code order}, the position of the task inside its update. Every task gets a distinct priority.
 */
public record Priority(int userPriority, long generation, long order) implements Comparable<Priority> {

    @Override
    public int compareTo(Priority o) {
        int c = Integer.compare(o.userPriority, userPriority); // higher user priority first
        if (c != 0) {
            return c;
        }
        c = Long.compare(generation, o.generation);
        return c != 0 ? c : Long.compare(order, o.order);
    }
}
