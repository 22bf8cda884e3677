package io.jdask.protocol;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/*
 * Design note. Why columns: before issue 17 an UpdateGraph was a list of one record per task, each with a list of
 * dependency keys, a byte[] and its options. At a million tasks that is millions of objects built on the client,
 * encoded one by one, decoded into as many on the scheduler and then mostly thrown away, the garbage collector
 * copying them in between. In columns the message is one list of keys (the scheduler keeps those strings as its
 * task keys) and a handful of arrays: Fory writes an int[] or byte[] as one block, and the scheduler resolves a
 * dependency by array index instead of by looking up its key.
 *
 * References: a dependency or a wanted key is an int, r >= 0 for the task keys[r] of the message, r < 0 for
 * knownKeys[-r - 1], a key the message does not define (a future's key, a task submitted earlier). A dependency may
 * be added before the task that defines it (tasks need not come dependencies first): until build() it is held as
 * a pending name and resolved then, so the order in which tasks are added never changes what the message says.
 *
 * Not thread-safe; one builder makes one message.
 */
/** Builds a columnar {@link ClientMsg.UpdateGraph}, task by task. */
public final class GraphMessage {
    /** Run specs are gathered in chunks of at most this many bytes (see {@link #appendRunSpec}). */
    private static final int CHUNK = 1 << 20;

    private final ClientMsg.TaskOptions defaults;
    private final ArrayList<String> keys = new ArrayList<>();
    /** Task key -> its index in {@link #keys}. */
    private final HashMap<String, Integer> index = new HashMap<>();
    /** Keys referenced but not (yet) defined -> pending id; the reference is stored as {@code -(id + 1)}. */
    private final LinkedHashMap<String, Integer> pending = new LinkedHashMap<>();

    private int[] dependencyEnds = new int[16];
    private int[] dependencies = new int[16];
    private int dependencyCount;
    private int[] runSpecEnds = new int[16];
    /** The run specs, in growing chunks (the last one partly filled), joined once by build. */
    private final ArrayList<byte[]> chunks = new ArrayList<>();

    /** Bytes used in the last chunk. */
    private int chunkUsed;

    private long runSpecBytes;
    private final ArrayList<ClientMsg.TaskOptions> options = new ArrayList<>();
    /** Per task, an index into {@link #options}; null while every task has the defaults. */
    private int[] optionOf;

    /** A builder whose tasks get {@code defaults} unless an {@code add} says otherwise. */
    public GraphMessage(ClientMsg.TaskOptions defaults) {
        this.defaults = Objects.requireNonNull(defaults, "defaults");
        options.add(defaults);
    }

    /** Number of tasks added. */
    public int size() {
        return keys.size();
    }

    /** Whether a task with this key was added. */
    public boolean contains(String key) {
        return index.containsKey(key);
    }

    /**
     * Adds a task with the default options. A key added before keeps its first definition and this call returns
     * false (as the scheduler keeps a key's first spec).
     *
     * @param dependencies keys whose results the task reads: tasks of this message (added before or after) or keys
     *     the scheduler knows
     */
    public boolean add(String key, List<String> dependencies, byte[] runSpec) {
        return add(key, dependencies, runSpec, defaults);
    }

    /** As {@link #add(String, List, byte[])}, with options of its own. */
    public boolean add(String key, List<String> dependencies, byte[] runSpec, ClientMsg.TaskOptions taskOptions) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(runSpec, () -> "the run spec of task '" + key + "'");
        Objects.requireNonNull(taskOptions, () -> "the options of task '" + key + "'");
        int i = keys.size();
        if (index.putIfAbsent(key, i) != null) {
            return false;
        }
        keys.add(key);
        if (i == dependencyEnds.length) {
            dependencyEnds = Arrays.copyOf(dependencyEnds, i * 2);
            runSpecEnds = Arrays.copyOf(runSpecEnds, i * 2);
        }
        for (String d : dependencies) {
            if (d.equals(key)) {
                throw new IllegalArgumentException("task '" + key + "' depends on itself");
            }
            addDependency(reference(d));
        }
        dependencyEnds[i] = dependencyCount;
        appendRunSpec(runSpec);
        if (runSpecBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the run specs of this submission exceed 2 GB at task '" + key + "' ("
                    + (i + 1) + " tasks): submit the graph in several parts");
        }
        runSpecEnds[i] = (int) runSpecBytes;
        if (taskOptions != defaults || optionOf != null) {
            setOptions(i, taskOptions);
        }
        return true;
    }

    /** The message wanting these keys (tasks of this message or keys the scheduler knows). */
    public ClientMsg.UpdateGraph build(List<String> wanted) {
        int[] wantedRefs = new int[wanted.size()];
        for (int w = 0; w < wantedRefs.length; w++) {
            wantedRefs[w] = reference(Objects.requireNonNull(wanted.get(w), "a wanted key is null"));
        }
        // Pending names that became tasks resolve to them, the others are known keys.
        var known = new ArrayList<String>();
        int[] resolved = new int[pending.size()];
        int p = 0;
        for (String name : pending.keySet()) {
            Integer task = index.get(name);
            if (task != null) {
                resolved[p++] = task;
            } else {
                known.add(name);
                resolved[p++] = -known.size();
            }
        }
        int[] deps = Arrays.copyOf(dependencies, dependencyCount);
        resolve(deps, resolved);
        resolve(wantedRefs, resolved);
        int n = keys.size();
        return new ClientMsg.UpdateGraph(
                List.copyOf(keys),
                Arrays.copyOf(dependencyEnds, n),
                deps,
                List.copyOf(known),
                joinRunSpecs(),
                Arrays.copyOf(runSpecEnds, n),
                List.copyOf(options),
                optionOf == null ? new int[0] : Arrays.copyOf(optionOf, n),
                wantedRefs);
    }

    private int reference(String key) {
        Integer task = index.get(key);
        if (task != null) {
            return task;
        }
        Integer id = pending.get(key);
        if (id == null) {
            id = pending.size();
            pending.put(key, id);
        }
        return -id - 1;
    }

    private static void resolve(int[] refs, int[] resolved) {
        for (int k = 0; k < refs.length; k++) {
            if (refs[k] < 0) {
                refs[k] = resolved[-refs[k] - 1];
            }
        }
    }

    private void addDependency(int ref) {
        if (dependencyCount == dependencies.length) {
            dependencies = Arrays.copyOf(dependencies, dependencyCount * 2);
        }
        dependencies[dependencyCount++] = ref;
    }

    private void appendRunSpec(byte[] b) {
        int done = 0;
        while (done < b.length) {
            if (chunks.isEmpty() || chunkUsed == chunks.getLast().length) {
                // The first chunk is the first run spec's size, the next ones double up to CHUNK: a one-task submit
                // allocates what it needs (and build sends that array as it is), a big graph few chunks.
                int want = chunks.isEmpty() ? b.length - done : Math.max(b.length - done, chunks.getLast().length * 2);
                chunks.add(new byte[Math.min(CHUNK, want)]);
                chunkUsed = 0;
            }
            byte[] c = chunks.getLast();
            int k = Math.min(b.length - done, c.length - chunkUsed);
            System.arraycopy(b, done, c, chunkUsed, k);
            chunkUsed += k;
            done += k;
        }
        runSpecBytes += b.length;
    }

    private byte[] joinRunSpecs() {
        if (chunks.size() == 1 && chunkUsed == chunks.getFirst().length) {
            return chunks.getFirst(); // one exactly filled chunk (a single task): no copy
        }
        byte[] all = new byte[(int) runSpecBytes];
        int at = 0;
        for (byte[] c : chunks) {
            int k = Math.min(c.length, all.length - at);
            System.arraycopy(c, 0, all, at, k);
            at += k;
        }
        return all;
    }

    private void setOptions(int task, ClientMsg.TaskOptions taskOptions) {
        if (optionOf == null) {
            optionOf = new int[dependencyEnds.length];
        } else if (optionOf.length < dependencyEnds.length) {
            optionOf = Arrays.copyOf(optionOf, dependencyEnds.length);
        }
        int o = options.indexOf(taskOptions);
        if (o < 0) {
            options.add(taskOptions);
            o = options.size() - 1;
        }
        optionOf[task] = o;
    }

    /** Each task of a message with its dependencies as keys, in message order: for tests and diagnostics. */
    public static List<Map.Entry<String, List<String>>> dependencyLists(ClientMsg.UpdateGraph u) {
        var out = new ArrayList<Map.Entry<String, List<String>>>(u.keys().size());
        for (int i = 0; i < u.keys().size(); i++) {
            int from = i == 0 ? 0 : u.dependencyEnds()[i - 1];
            var deps = new ArrayList<String>();
            for (int k = from; k < u.dependencyEnds()[i]; k++) {
                int r = u.dependencies()[k];
                deps.add(r >= 0 ? u.keys().get(r) : u.knownKeys().get(-r - 1));
            }
            out.add(Map.entry(u.keys().get(i), List.copyOf(deps)));
        }
        return out;
    }
}
