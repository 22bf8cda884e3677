package io.jdask.scheduler.state;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.function.IntFunction;

/*
 * Design note. The tasks of one UpdateGraph in columns, as the client's message carries them (issue 17): the
 * handler walks a million tasks by index, resolving dependencies through arrays instead of key lookups, and makes
 * no object per task except the ones it keeps (the SchedulerTask, its index entry, its run spec). A reference (a
 * dependency or a wanted key) is an int: r >= 0 is the task keys[r] of this graph, r < 0 the key knownKeys[-r - 1],
 * which is not defined here and must be known to the scheduler (or the tasks that need it cannot be built).
 *
 * The constructor checks the shape (lengths, ranges, no task depending on itself) so that the handler can trust
 * every index; the shell turns its IllegalArgumentException into a rejected message. Run specs are made on demand
 * by an IntFunction, so a task that is culled or already known costs no copy of its bytes.
 *
 * TaskSpec lists (tests, callers building graphs by hand) convert with of(); that path pays for a map of keys.
 */
/** The tasks of one {@link SchedulerEvent.UpdateGraph} and the keys its client wants, in columns. */
public final class GraphSpec {
    private static final int[] NONE = new int[0];

    final List<String> keys;
    private final int[] dependencyEnds;
    private final int[] dependencies;
    final List<String> knownKeys;
    private final IntFunction<Object> runSpecs;
    private final List<TaskOptions> options;
    private final int[] optionOf;
    final int[] wanted;

    /**
     * The options of tasks: {@code userPriority} (higher runs first), {@code retries} (errors on a worker retried
     * before the task errs) and where it may run.
     */
    public record TaskOptions(int userPriority, int retries, Restrictions restrictions) {
        /** No priority, no retries, no restrictions. */
        public static final TaskOptions NONE = new TaskOptions(0, 0, Restrictions.NONE);

        public TaskOptions {
            Objects.requireNonNull(restrictions, "restrictions");
            if (retries < 0) {
                throw new IllegalArgumentException("retries must be >= 0, was " + retries);
            }
        }
    }

    /**
     * A graph in columns; see the note above for references.
     *
     * @param keys the tasks' keys
     * @param dependencyEnds task i's dependencies are {@code dependencies[dependencyEnds[i - 1] ..
     *     dependencyEnds[i])}, from 0 for task 0
     * @param dependencies references
     * @param knownKeys keys referenced but not defined here
     * @param runSpecs task index -> its run spec (never null; called once per task the scheduler creates)
     * @param options at least one; task i has {@code options[optionOf[i]]}, or {@code options[0]} when {@code
     *     optionOf} is empty
     * @param wanted references to the keys the client wants
     * @throws IllegalArgumentException naming the first inconsistency
     */
    public GraphSpec(
            List<String> keys,
            int[] dependencyEnds,
            int[] dependencies,
            List<String> knownKeys,
            IntFunction<Object> runSpecs,
            List<TaskOptions> options,
            int[] optionOf,
            int[] wanted) {
        this.keys = List.copyOf(Objects.requireNonNull(keys, "keys"));
        this.dependencyEnds = Objects.requireNonNull(dependencyEnds, "dependencyEnds");
        this.dependencies = Objects.requireNonNull(dependencies, "dependencies");
        this.knownKeys = List.copyOf(Objects.requireNonNull(knownKeys, "knownKeys"));
        this.runSpecs = Objects.requireNonNull(runSpecs, "runSpecs");
        this.options = List.copyOf(Objects.requireNonNull(options, "options"));
        this.optionOf = optionOf == null ? NONE : optionOf;
        this.wanted = Objects.requireNonNull(wanted, "wanted");
        check();
    }

    private void check() {
        int n = keys.size();
        if (dependencyEnds.length != n) {
            throw new IllegalArgumentException("dependencyEnds has " + dependencyEnds.length + " entries for " + n
                    + " tasks; it needs one per task");
        }
        if (options.isEmpty()) {
            throw new IllegalArgumentException("options is empty; it needs at least the default options");
        }
        if (optionOf.length != 0 && optionOf.length != n) {
            throw new IllegalArgumentException(
                    "optionOf has " + optionOf.length + " entries for " + n + " tasks; it needs none or one per task");
        }
        int from = 0;
        for (int i = 0; i < n; i++) {
            int to = dependencyEnds[i];
            if (to < from || to > dependencies.length) {
                throw new IllegalArgumentException("dependencyEnds[" + i + "] = " + to + " is out of order or beyond "
                        + dependencies.length + " dependencies (task '" + keys.get(i) + "')");
            }
            for (int k = from; k < to; k++) {
                int r = dependencies[k];
                checkReference(r, "a dependency of task '" + keys.get(i) + "'");
                if (r == i) {
                    throw new IllegalArgumentException("task '" + keys.get(i) + "' depends on itself");
                }
            }
            from = to;
            if (optionOf.length != 0 && (optionOf[i] < 0 || optionOf[i] >= options.size())) {
                throw new IllegalArgumentException("optionOf[" + i + "] = " + optionOf[i] + " is not an index of the "
                        + options.size() + " options (task '" + keys.get(i) + "')");
            }
        }
        for (int r : wanted) {
            checkReference(r, "a wanted key");
        }
    }

    private void checkReference(int r, String what) {
        if (r >= keys.size() || r < -knownKeys.size()) {
            throw new IllegalArgumentException(what + " is reference " + r + ", outside the " + keys.size()
                    + " tasks and " + knownKeys.size() + " known keys of the graph");
        }
    }

    /** A graph of these specs; {@code wanted} keys may be theirs or known ones. */
    public static GraphSpec of(List<TaskSpec> specs, List<String> wanted) {
        var index = new HashMap<String, Integer>(specs.size() * 2);
        var keys = new ArrayList<String>(specs.size());
        for (TaskSpec s : specs) {
            index.putIfAbsent(s.key(), keys.size());
            keys.add(s.key());
        }
        var known = new LinkedHashMap<String, Integer>();
        int[] ends = new int[specs.size()];
        int[] deps =
                new int[specs.stream().mapToInt(s -> s.dependencies().size()).sum()];
        var options = new ArrayList<TaskOptions>();
        options.add(TaskOptions.NONE);
        int[] optionOf = new int[specs.size()];
        int k = 0;
        for (int i = 0; i < specs.size(); i++) {
            TaskSpec s = specs.get(i);
            for (String d : s.dependencies()) {
                deps[k++] = reference(d, index, known);
            }
            ends[i] = k;
            var o = new TaskOptions(s.userPriority(), s.retries(), s.restrictions());
            int at = options.indexOf(o);
            if (at < 0) {
                options.add(o);
                at = options.size() - 1;
            }
            optionOf[i] = at;
        }
        int[] wantedRefs = new int[wanted.size()];
        for (int w = 0; w < wantedRefs.length; w++) {
            wantedRefs[w] = reference(Objects.requireNonNull(wanted.get(w), "a wanted key is null"), index, known);
        }
        List<Object> runSpecs = specs.stream().map(TaskSpec::runSpec).toList();
        return new GraphSpec(
                keys, ends, deps, List.copyOf(known.keySet()), runSpecs::get, options, optionOf, wantedRefs);
    }

    /** No tasks: the client wants these known keys (again). */
    public static GraphSpec wanting(List<String> keys) {
        int[] wanted = new int[keys.size()];
        for (int w = 0; w < wanted.length; w++) {
            wanted[w] = -w - 1;
        }
        return new GraphSpec(List.of(), NONE, NONE, keys, i -> null, List.of(TaskOptions.NONE), NONE, wanted);
    }

    private static int reference(String key, HashMap<String, Integer> index, LinkedHashMap<String, Integer> known) {
        Integer i = index.get(key);
        if (i != null) {
            return i;
        }
        Integer k = known.get(key);
        if (k == null) {
            k = known.size();
            known.put(key, k);
        }
        return -k - 1;
    }

    /** Number of tasks. */
    public int size() {
        return keys.size();
    }

    /** The key a reference names. */
    String keyOf(int ref) {
        return ref >= 0 ? keys.get(ref) : knownKeys.get(-ref - 1);
    }

    /** Start (inclusive) of task i's dependency references. */
    int dependenciesFrom(int i) {
        return i == 0 ? 0 : dependencyEnds[i - 1];
    }

    /** End (exclusive) of task i's dependency references. */
    int dependenciesTo(int i) {
        return dependencyEnds[i];
    }

    int dependency(int k) {
        return dependencies[k];
    }

    Object runSpec(int i) {
        return Objects.requireNonNull(runSpecs.apply(i), () -> "no run spec for task '" + keys.get(i) + "'");
    }

    TaskOptions options(int i) {
        return options.get(optionOf.length == 0 ? 0 : optionOf[i]);
    }

    /** Whether every task has the same options. */
    boolean uniformOptions() {
        return optionOf.length == 0 || options.size() == 1;
    }

    /** The wanted keys, in order. */
    public List<String> wantedKeys() {
        var out = new ArrayList<String>(wanted.length);
        for (int r : wanted) {
            out.add(keyOf(r));
        }
        return out;
    }

    /** The keys of the tasks, in order. */
    public List<String> keys() {
        return keys;
    }

    /** Task i's dependencies, as keys. */
    public List<String> dependencyKeys(int i) {
        var out = new ArrayList<String>(dependenciesTo(i) - dependenciesFrom(i));
        for (int k = dependenciesFrom(i); k < dependenciesTo(i); k++) {
            out.add(keyOf(dependencies[k]));
        }
        return out;
    }

    @Override
    public String toString() {
        return "GraphSpec[" + keys.size() + " tasks, wanted " + Arrays.toString(wanted) + "]";
    }
}
