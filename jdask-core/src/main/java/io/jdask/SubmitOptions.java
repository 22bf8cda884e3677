package io.jdask;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Options of submitted tasks, in two spellings: {@code client.with(SubmitOptions.retries(3).priority(10)).submit(...)}
 * starts from the defaults with one of the static methods below, and {@code client.with(o -> o.retries(3))} changes
 * the client's current options.
 *
 * <p>Design note: Java forbids a static and an instance method of one signature in one class, so the static starters
 * live on this interface (a class does not inherit an interface's static methods) and the chained setters on
 * {@link Values}, the one implementation. Defaults: no retries, priority 0, a unique key per call, any worker, no
 * resources.
 */
public sealed interface SubmitOptions permits SubmitOptions.Values {

    /** How many times a failing task is run again before its future errs. */
    int retries();

    /** Higher runs first among tasks that are ready at the same time. */
    int priority();

    /** The explicit key, or null. */
    String key();

    /** Whether keys are hashed from function and arguments. */
    boolean pure();

    /** The workers a task may (or should) run on; empty for any. */
    List<String> workers();

    /** Whether {@link #workers()} is a preference rather than a restriction (always true when it is empty). */
    boolean allowOtherWorkers();

    /** The abstract resources each task holds while it runs. */
    Map<String, Double> resources();

    /** No retries, priority 0, a unique key per call, any worker, no resources. */
    static Values defaults() {
        return Values.DEFAULTS;
    }

    /** The defaults with {@link Values#retries(int)}. */
    static Values retries(int retries) {
        return defaults().retries(retries);
    }

    /** The defaults with {@link Values#priority(int)}. */
    static Values priority(int priority) {
        return defaults().priority(priority);
    }

    /** The defaults with {@link Values#key(String)}. */
    static Values key(String key) {
        return defaults().key(key);
    }

    /** The defaults with {@link Values#pure(boolean)}. */
    static Values pure(boolean pure) {
        return defaults().pure(pure);
    }

    /** The defaults with {@link Values#workers(String...)}. */
    static Values workers(String... workers) {
        return defaults().workers(workers);
    }

    /** The defaults with {@link Values#allowOtherWorkers(boolean)}. */
    static Values allowOtherWorkers(boolean allow) {
        return defaults().allowOtherWorkers(allow);
    }

    /** The defaults with {@link Values#resources(Map)}. */
    static Values resources(Map<String, Double> resources) {
        return defaults().resources(resources);
    }

    /** The submit options as an immutable value; each setter returns a new instance. */
    final class Values implements SubmitOptions {
        private static final Values DEFAULTS = new Values(0, 0, null, false, List.of(), false, Map.of());

        private final int retries;
        private final int priority;
        private final String key;
        private final boolean pure;
        private final List<String> workers;
        private final boolean allowOtherWorkers;
        private final Map<String, Double> resources;

        private Values(
                int retries,
                int priority,
                String key,
                boolean pure,
                List<String> workers,
                boolean allowOtherWorkers,
                Map<String, Double> resources) {
            this.retries = retries;
            this.priority = priority;
            this.key = key;
            this.pure = pure;
            this.workers = workers;
            this.allowOtherWorkers = allowOtherWorkers;
            this.resources = resources;
        }

        /** How many times a failing task is run again before its future errs. */
        public Values retries(int retries) {
            if (retries < 0) throw new IllegalArgumentException("retries must be >= 0, got " + retries);
            return new Values(retries, priority, key, pure, workers, allowOtherWorkers, resources);
        }

        /** Higher runs first among tasks that are ready at the same time (default 0; may be negative). */
        public Values priority(int priority) {
            return new Values(retries, priority, key, pure, workers, allowOtherWorkers, resources);
        }

        /** The exact key of the next task (for {@code map}, a prefix: keys become {@code key-0}, {@code key-1}...). */
        public Values key(String key) {
            if (key == null || key.isBlank()) throw new IllegalArgumentException("key must be a non-blank string");
            return new Values(retries, priority, key, pure, workers, allowOtherWorkers, resources);
        }

        /**
         * Deterministic keys hashed from function and arguments: submitting the same call twice gives the same
         * future, computed once.
         */
        public Values pure(boolean pure) {
            return new Values(retries, priority, key, pure, workers, allowOtherWorkers, resources);
        }

        /** Run only on these workers (addresses such as {@code tcp://10.0.0.5:4001} or worker names). */
        public Values workers(String... workers) {
            return new Values(retries, priority, key, pure, List.of(workers), allowOtherWorkers, resources);
        }

        /** Whether {@link #workers} is a preference (true) or a restriction (false). Default: restriction. */
        public Values allowOtherWorkers(boolean allow) {
            return new Values(retries, priority, key, pure, workers, allow, resources);
        }

        /** Abstract resources each task holds while it runs, e.g. {@code Map.of("GPU", 1.0)}. */
        public Values resources(Map<String, Double> resources) {
            for (var e : resources.entrySet()) {
                if (e.getValue() == null || e.getValue() <= 0) {
                    throw new IllegalArgumentException(
                            "resource " + e.getKey() + " needs a positive amount, got " + e.getValue());
                }
            }
            return new Values(retries, priority, key, pure, workers, allowOtherWorkers, Map.copyOf(resources));
        }

        @Override
        public int retries() {
            return retries;
        }

        @Override
        public int priority() {
            return priority;
        }

        /** The explicit key, or null. */
        @Override
        public String key() {
            return key;
        }

        @Override
        public boolean pure() {
            return pure;
        }

        @Override
        public List<String> workers() {
            return workers;
        }

        @Override
        public boolean allowOtherWorkers() {
            return workers.isEmpty() || allowOtherWorkers;
        }

        @Override
        public Map<String, Double> resources() {
            return resources;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Values s
                    && s.retries == retries
                    && s.priority == priority
                    && Objects.equals(s.key, key)
                    && s.pure == pure
                    && s.workers.equals(workers)
                    && s.allowOtherWorkers == allowOtherWorkers
                    && s.resources.equals(resources);
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
}
