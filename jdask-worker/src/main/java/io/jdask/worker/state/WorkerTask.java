package io.jdask.worker.state;

import io.jdask.protocol.state.Priority;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One task (a key) as this worker sees it.
 *
 * <p>Design note: a plain mutable object with package-private fields, linked to its neighbours by
 * direct references (dependencies, dependents, holders) so the hot paths never look keys up. Only
 * the state machine ({@link WorkerState} and the parts it is made of) mutates it, on its owning thread; the public accessors are for the shell and
 * tests and return copies, never live collections. Equality is identity; the hash is the key's
 * hash so that iterating a {@code HashSet<WorkerTask>} is the same in every run (identity hashes
 * differ between runs and would break replay determinism).
 *
 * <p>Fields that only make sense in some states are reset by {@code WorkerTransitions.purge} when the
 * task is released.
 */
public final class WorkerTask {
    /** Orders tasks for the ready heaps and the per-peer fetch queues: priority, generation, age. */
    static final Comparator<WorkerTask> ORDER = (a, b) -> {
        int c = a.priority.compareTo(b.priority);
        if (c != 0) return c;
        c = Long.compare(a.generation, b.generation);
        return c != 0 ? c : Long.compare(a.seq, b.seq);
    };

    final String key;
    /** The key's text before its last '-' (the function's name, by convention); computed when first needed. */
    String prefix;
    /** Creation number in this state; the last tie-breaker of {@link #ORDER}, so orders are total. */
    final long seq;

    WorkerTaskState state = WorkerTaskState.RELEASED;
    /** In CANCELLED and RESUMED: what the task was doing (EXECUTING, LONG_RUNNING or FLIGHT). */
    WorkerTaskState previous;
    /** In RESUMED: what to become when {@link #previous} ends (FETCH or WAITING). */
    WorkerTaskState next;

    Object runSpec;
    /**
     * The run id of the latest ComputeTask for this key (0 if none came): echoed on Execute and on the messages that
     * answer it, so the scheduler can tell them from answers to an earlier, cancelled assignment. Scheduler messages
     * arrive in order, so the latest assignment is the one a finished run answers (a cancelled-then-resumed run
     * counts as the new one, as in Dask). Lives as long as the task: gone when the key is forgotten.
     */
    long runId;
    /**
     * Never null once the task is FETCH, READY or CONSTRAINED; never changed while the task sits in
     * an ordered collection (a heap or a peer's fetch queue).
     */
    Priority priority;
    /** Second sort key after {@link #priority}; newer compute requests get smaller values. */
    long generation;

    /*
     * The five neighbour sets start as one shared empty set and get a HashSet of their own on the first add, through
     * the add* helpers (only those may add); a set emptied by clear* goes back to the shared one. Most tasks of a big
     * graph have one dependent and nothing else, and five empty HashSets cost about 300 bytes a task: a worker holding
     * 300,000 tasks spent most of its WorkerTask memory on them. Reads and remove() work on the shared set as on any
     * empty set.
     */
    /** Tasks whose values this task's code takes as inputs. Symmetric with {@link #dependents}. */
    Set<WorkerTask> dependencies = Collections.emptySet();
    /** Known tasks that take this one as input. Symmetric with {@link #dependencies}. */
    Set<WorkerTask> dependents = Collections.emptySet();
    /** While WAITING: exactly the dependencies not in MEMORY. Empty in every other state. */
    Set<WorkerTask> waitingForData = Collections.emptySet();
    /** Exactly the dependents whose {@link #waitingForData} contains this task. */
    Set<WorkerTask> waiters = Collections.emptySet();
    /** Peers believed to hold the value; never this worker. Mirrors {@link Peer#hasWhat}. */
    Set<Peer> whoHas = Collections.emptySet();
    /** In FLIGHT (or CANCELLED/RESUMED from FLIGHT): the peer the transfer comes from. */
    Peer comingFrom;

    Map<String, Double> resources = Map.of();
    /** Size in bytes; -1 if unknown. Never -1 in MEMORY. */
    long nbytes = -1;

    /**
     * Fetches of this key that failed on the network, in a row; at {@link WorkerState#MAX_FETCH_FAILURES} the holder
     * is reported to the scheduler as not having it, so that a holder that is connected but cannot serve (out of
     * memory, wedged) does not get asked again every second forever.
     */
    int fetchFailures;

    String typeName;
    long startTime;
    long stopTime;
    Object error;

    /**
     * Set when the task's execution or transfer ended (an {@code ExecuteSuccess} or {@code
     * ExecuteFailure}, or one of the three {@code GatherDep*} outcomes), for the edges that wait for
     * that end; only ever true while that event's recommendations are processed.
     */
    boolean done;
    /**
     * The scheduler released this key but a local dependent still needs it; it is released when
     * the last such dependent stops needing it.
     */
    boolean freed;
    /** The shell stored a value for this key during the current event; see EventScratch#arrivals. */
    boolean valueArrived;
    /** Position in the ready or constrained heap (a task is in at most one), or -1. */
    int heapIndex = -1;

    WorkerTask(String key, long seq) {
        this.key = key;
        this.seq = seq;
    }

    private static <T> Set<T> writable(Set<T> set) {
        // A small table: most sets here hold one or two elements; HashSet grows it as usual.
        return set.isEmpty() && !(set instanceof HashSet) ? new HashSet<>(4) : set;
    }

    boolean addDependency(WorkerTask t) {
        dependencies = writable(dependencies);
        return dependencies.add(t);
    }

    boolean addDependent(WorkerTask t) {
        dependents = writable(dependents);
        return dependents.add(t);
    }

    boolean addWaitingForData(WorkerTask t) {
        waitingForData = writable(waitingForData);
        return waitingForData.add(t);
    }

    boolean addWaiter(WorkerTask t) {
        waiters = writable(waiters);
        return waiters.add(t);
    }

    boolean addHolder(Peer p) {
        whoHas = writable(whoHas);
        return whoHas.add(p);
    }

    void removeDependent(WorkerTask t) {
        if (dependents.remove(t) && dependents.isEmpty()) dependents = Collections.emptySet();
    }

    void clearDependencies() {
        dependencies = Collections.emptySet();
    }

    void clearWaitingForData() {
        waitingForData = Collections.emptySet();
    }

    void clearHolders() {
        whoHas = Collections.emptySet();
    }

    public String key() {
        return key;
    }

    public WorkerTaskState state() {
        return state;
    }

    /** For CANCELLED and RESUMED tasks, what they were doing before; else null. */
    public WorkerTaskState previous() {
        return previous;
    }

    /** For RESUMED tasks, what they will become; else null. */
    public WorkerTaskState next() {
        return next;
    }

    /** The user's code as the scheduler sent it; null for tasks only fetched here. */
    public Object runSpec() {
        return runSpec;
    }

    /** The run id of the latest ComputeTask for this key, 0 if none came. */
    public long runId() {
        return runId;
    }

    public Priority priority() {
        return priority;
    }

    /** Size in bytes, or -1 if unknown. */
    public long nbytes() {
        return nbytes;
    }

    /** The value's class name if the task was computed here. */
    public String typeName() {
        return typeName;
    }

    /** The error if the task is in ERROR. */
    public Object error() {
        return error;
    }

    public Map<String, Double> resources() {
        return resources;
    }

    /** Keys of the dependencies, sorted; the shell reads their values to call the task. */
    public List<String> dependencyKeys() {
        return keys(dependencies);
    }

    /** Keys of the known dependents, sorted. */
    public List<String> dependentKeys() {
        return keys(dependents);
    }

    /** Keys of the dependencies not yet in memory, sorted. */
    public List<String> waitingForDataKeys() {
        return keys(waitingForData);
    }

    /** Peers believed to hold this key, sorted. */
    public List<String> whoHas() {
        var out = new TreeSet<String>();
        for (Peer p : whoHas) out.add(p.address);
        return List.copyOf(out);
    }

    private static List<String> keys(Set<WorkerTask> tasks) {
        var out = new ArrayList<String>(tasks.size());
        for (WorkerTask t : tasks) out.add(t.key);
        Collections.sort(out);
        return List.copyOf(out);
    }

    @Override
    public int hashCode() {
        return key.hashCode();
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public String toString() {
        return "WorkerTask[" + key + " " + state + "]";
    }
}
