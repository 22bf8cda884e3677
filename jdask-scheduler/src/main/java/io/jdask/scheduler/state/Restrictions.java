package io.jdask.scheduler.state;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where a task may run.
 *
 * @param workers worker names or addresses the task is restricted to; empty means any worker
 * @param allowOtherWorkers if none of {@code workers} is connected or fits, fall back to any worker
 *     (Dask's "loose restrictions"); resources still apply
 * @param resources abstract resources one run of the task holds on its worker while it processes,
 *     for example {@code {"GPU": 1.0}}; the scheduler never runs more than a worker declared
 */
public record Restrictions(Set<String> workers, boolean allowOtherWorkers, Map<String, Double> resources) {

    /** No restriction at all. */
    public static final Restrictions NONE = new Restrictions(Set.of(), false, Map.of());

    public Restrictions {
        workers = Set.copyOf(Objects.requireNonNull(workers, "workers"));
        resources = Map.copyOf(Objects.requireNonNull(resources, "resources"));
        for (var e : resources.entrySet()) {
            if (!(e.getValue() >= 0)) {
                throw new IllegalArgumentException(
                        "resource '" + e.getKey() + "' must be a non-negative amount, was " + e.getValue());
            }
        }
    }

    /** Restricts to the given worker names or addresses, strictly. */
    public static Restrictions toWorkers(String... workers) {
        return new Restrictions(Set.of(workers), false, Map.of());
    }

    /** Requires the given resources, on any worker that has them. */
    public static Restrictions withResources(Map<String, Double> resources) {
        return new Restrictions(Set.of(), false, resources);
    }

    /** True when this restricts nothing. */
    public boolean isNone() {
        return workers.isEmpty() && resources.isEmpty();
    }
}
