package io.jdask;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Options of submitted tasks: {@code client.with(o -> o.retries(3).priority(10)).submit(...)}.
 *
 * <p>Immutable; each setter returns a new instance. Defaults: no retries, priority 0, a unique key per call,
 * any worker, no resources.
 */
public final class SubmitOptions {
    private static final SubmitOptions DEFAULTS = new SubmitOptions(0, 0, null, false, List.of(), false, Map.of());

    private final int retries;
    private final int priority;
    private final String key;
    private final boolean pure;
    private final List<String> workers;
    private final boolean allowOtherWorkers;
    private final Map<String, Double> resources;

    private SubmitOptions(int retries, int priority, String key, boolean pure, List<String> workers,
            boolean allowOtherWorkers, Map<String, Double> resources) {
        this.retries = retries;
        this.priority = priority;
        this.key = key;
        this.pure = pure;
        this.workers = workers;
        this.allowOtherWorkers = allowOtherWorkers;
        this.resources = resources;
    }

    public static SubmitOptions defaults() {
        return DEFAULTS;
    }

    /** How many times a failing task is run again before its future errs. */
    public SubmitOptions retries(int retries) {
        if (retries < 0) throw new IllegalArgumentException("retries must be >= 0, got " + retries);
        return new SubmitOptions(retries, priority, key, pure, workers, allowOtherWorkers, resources);
    }

    /** Higher runs first among tasks that are ready at the same time (default 0; may be negative). */
    public SubmitOptions priority(int priority) {
        return new SubmitOptions(retries, priority, key, pure, workers, allowOtherWorkers, resources);
    }

    /** The exact key of the next task (for {@code map}, a prefix: keys become {@code key-0}, {@code key-1}...). */
    public SubmitOptions key(String key) {
        if (key == null || key.isBlank()) throw new IllegalArgumentException("key must be a non-blank string");
        return new SubmitOptions(retries, priority, key, pure, workers, allowOtherWorkers, resources);
    }

    /**
     * Deterministic keys hashed from function and arguments: submitting the same call twice gives the same
     * future, computed once.
     */
    public SubmitOptions pure(boolean pure) {
        return new SubmitOptions(retries, priority, key, pure, workers, allowOtherWorkers, resources);
    }

    /** Run only on these workers (addresses such as {@code tcp://10.0.0.5:4001} or worker names). */
    public SubmitOptions workers(String... workers) {
        return new SubmitOptions(retries, priority, key, pure, List.of(workers), allowOtherWorkers, resources);
    }

    /** Whether {@link #workers} is a preference (true) or a restriction (false). Default: restriction. */
    public SubmitOptions allowOtherWorkers(boolean allow) {
        return new SubmitOptions(retries, priority, key, pure, workers, allow, resources);
    }

    /** Abstract resources each task holds while it runs, e.g. {@code Map.of("GPU", 1.0)}. */
    public SubmitOptions resources(Map<String, Double> resources) {
        for (var e : resources.entrySet()) {
            if (e.getValue() == null || e.getValue() <= 0) {
                throw new IllegalArgumentException("resource " + e.getKey() + " needs a positive amount, got "
                        + e.getValue());
            }
        }
        return new SubmitOptions(retries, priority, key, pure, workers, allowOtherWorkers, Map.copyOf(resources));
    }

    public int retries() {
        return retries;
    }

    public int priority() {
        return priority;
    }

    /** The explicit key, or null. */
    public String key() {
        return key;
    }

    public boolean pure() {
        return pure;
    }

    public List<String> workers() {
        return workers;
    }

    public boolean allowOtherWorkers() {
        return workers.isEmpty() || allowOtherWorkers;
    }

    public Map<String, Double> resources() {
        return resources;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SubmitOptions s && s.retries == retries && s.priority == priority
                && Objects.equals(s.key, key) && s.pure == pure && s.workers.equals(workers)
                && s.allowOtherWorkers == allowOtherWorkers && s.resources.equals(resources);
    }

    @Override
    public int hashCode() {
        return Objects.hash(retries, priority, key, pure, workers, allowOtherWorkers, resources);
    }

    @Override
    public String toString() {
        return "SubmitOptions[retries=" + retries + ", priority=" + priority + ", key=" + key + ", pure=" + pure
                + ", workers=" + workers + ", allowOtherWorkers=" + allowOtherWorkers + ", resources=" + resources
                + "]";
    }
}
