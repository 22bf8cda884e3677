package io.jdask.scheduler.state;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * One task a client submits in an {@link SchedulerEvent.UpdateGraph}.
 *
 * <p>Keys are identities: a spec whose key the scheduler already knows is not added again (pure keys
 * deduplicate across clients); the submitting client simply wants the existing task as well.
 *
 * @param key the task's key; its text before the last {@code '-'} is its prefix, which pools duration
 *     estimates (so {@code "inc-1f3a"} and {@code "inc-77b0"} share one)
 * @param dependencies keys of the tasks whose results this one needs; each must be in the same update
 *     or already known to the scheduler
 * @param runSpec the user's code and arguments, opaque to the scheduler and handed back in
 *     {@link SchedulerInstruction.ComputeTask}; never null (data without code comes through
 *     {@link SchedulerEvent.UpdateData})
 * @param userPriority higher runs first; ties are broken by submission order
 * @param retries how many times an error on a worker is retried before the task errs
 * @param restrictions where it may run
 */
public record TaskSpec(
        String key,
        Set<String> dependencies,
        Object runSpec,
        int userPriority,
        int retries,
        Restrictions restrictions) {

    public TaskSpec {
        Objects.requireNonNull(key, "key");
        // Keep the caller's order (Set.copyOf would not): iteration order feeds decisions, so an ordered
        // input makes runs replayable.
        for (String d : Objects.requireNonNull(dependencies, "dependencies")) {
            Objects.requireNonNull(d, "a dependency of '" + key + "' is null");
        }
        dependencies = Collections.unmodifiableSet(new LinkedHashSet<>(dependencies));
        Objects.requireNonNull(runSpec, "runSpec (a task without code is scattered data: use UpdateData)");
        Objects.requireNonNull(restrictions, "restrictions");
        if (retries < 0) {
            throw new IllegalArgumentException("retries must be >= 0, was " + retries + " for task '" + key + "'");
        }
        if (dependencies.contains(key)) {
            throw new IllegalArgumentException("task '" + key + "' depends on itself");
        }
    }

    /** A spec with default priority, no retries and no restrictions. */
    public static TaskSpec of(String key, Object runSpec, String... dependencies) {
        return new TaskSpec(
                key, new LinkedHashSet<>(java.util.Arrays.asList(dependencies)), runSpec, 0, 0, Restrictions.NONE);
    }

    public TaskSpec withPriority(int priority) {
        return new TaskSpec(key, dependencies, runSpec, priority, retries, restrictions);
    }

    public TaskSpec withRetries(int n) {
        return new TaskSpec(key, dependencies, runSpec, userPriority, n, restrictions);
    }

    public TaskSpec withRestrictions(Restrictions r) {
        return new TaskSpec(key, dependencies, runSpec, userPriority, retries, r);
    }
}
