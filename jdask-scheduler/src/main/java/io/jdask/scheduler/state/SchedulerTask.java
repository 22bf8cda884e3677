package io.jdask.scheduler.state;

import io.jdask.protocol.state.Priority;
import java.util.LinkedHashSet;
import java.util.Set;

/*
 * Design note. One mutable node per known key, linked to its neighbours by direct references so the
 * transitions never look keys up. Only the thread that owns the SchedulerState touches it. All sets are
 * insertion-ordered so iteration (and with it every instruction list) follows insertion order, which makes
 * the machine deterministic without sorting. The six neighbour sets are SmallOrderedSets: most hold zero
 * or one element, and as LinkedHashSets they were about 700 of the 1,274 bytes a task cost (issue 17). Each
 * starts as the shared empty set and gets one of its own on its first add (the add* methods below), so the
 * fields are not final; nothing else assigns them.
 * The cross-field invariants below are checked by StateValidator.
 */
/** The scheduler's record of one task. Not to be confused with the worker's {@code WorkerTask}. */
final class SchedulerTask implements TaskView {
    final String key;
    final TaskPrefix prefix;

    /** Current state; FORGOTTEN once removed from the task index (the object is then dead). */
    SchedulerTaskState state = SchedulerTaskState.RELEASED;

    /** The user's code; null only for scattered data, which therefore cannot be recomputed. */
    final Object runSpec;

    /**
     * The parts of its priority, {@link Priority#ofSubmission}{@code (userPriority, generation, order)}, kept as
     * fields rather than a Priority object: 40-odd bytes less per task, and the queues compare them without
     * following two more pointers (issue 17). {@link #priority()} makes the object when one is asked for.
     */
    final int userPriority;

    final long generation;
    final int order;

    /** Worker errors still to be retried before the task errs. */
    int retriesLeft;

    final Restrictions restrictions;

    /** Tasks whose results this one needs. Symmetric with their {@link #dependents}. */
    SmallOrderedSet<SchedulerTask> dependencies = SmallOrderedSet.empty();

    /** Known tasks that need this one. Symmetric with their {@link #dependencies}. */
    SmallOrderedSet<SchedulerTask> dependents = SmallOrderedSet.empty();

    /**
     * While WAITING: exactly the dependencies not in MEMORY (never empty then). Empty in every other
     * state.
     */
    SmallOrderedSet<SchedulerTask> waitingOn = SmallOrderedSet.empty();

    /**
     * Dependents in WAITING, QUEUED, NO_WORKER or PROCESSING: exactly the ones that still need this
     * result. When it empties and no client wants this task, its result can go.
     */
    SmallOrderedSet<SchedulerTask> waiters = SmallOrderedSet.empty();

    /** Workers holding the result; non-empty exactly in MEMORY. Symmetric with {@link WorkerInfo#hasWhat}. */
    SmallOrderedSet<WorkerInfo> whoHas = SmallOrderedSet.empty();

    /** Clients that want the result. Symmetric with {@link ClientInfo#wantsWhat}. */
    SmallOrderedSet<ClientInfo> whoWants = SmallOrderedSet.empty();

    /** Set exactly in PROCESSING; the task is then in that worker's {@link WorkerInfo#processing}. */
    WorkerInfo processingOn;

    /** Run id of the latest assignment to a worker (kept after it ends, for views and stale checks). */
    long runId;

    /** While PROCESSING: what this task adds to its worker's occupancy (0 once long-running). */
    long occupancyEstimate;

    /** While PROCESSING: the task seceded and holds no thread slot. */
    boolean longRunning;

    /**
     * The cost level under which the task is listed in its worker's {@link WorkerInfo#stealable}, or -1 when it is
     * not listed (not processing, not stealable, or a steal of it was requested or refused). See {@link WorkStealing}.
     */
    int stealLevel = -1;

    long nbytes = -1;
    String typeName = "";

    /** Number of workers that died while running it. */
    int suspicious;

    /** While ERRED: the error (the culprit's error for a blamed dependent). */
    Object exception;

    /** While ERRED: the key that failed, this one or a dependency. */
    String exceptionBlame;

    /** Addresses of workers that reported an error for it and still hold that error; freed on release. */
    LinkedHashSet<String> erredOn;

    /** A dependency was forgotten: this task can no longer be recomputed. */
    boolean hasLostDependencies;

    /** Every copy of its result was lost (set just before it is released or forgotten for that reason). */
    boolean dataLost;

    /**
     * The pending recommendation in the transition loop, or null. Non-null only while inside
     * {@code TransitionLoop.drain}; the task then sits in the recommendation queue (possibly more than once,
     * the stale entries find null and are skipped).
     */
    SchedulerTaskState pendingRec;

    SchedulerTask(
            String key,
            TaskPrefix prefix,
            Object runSpec,
            int userPriority,
            long generation,
            int order,
            int retries,
            Restrictions restrictions) {
        this.key = key;
        this.prefix = prefix;
        this.runSpec = runSpec;
        this.userPriority = userPriority;
        this.generation = generation;
        this.order = order;
        this.retriesLeft = retries;
        this.restrictions = restrictions;
    }

    boolean addDependency(SchedulerTask t) {
        dependencies = SmallOrderedSet.writable(dependencies);
        return dependencies.add(t);
    }

    boolean addDependent(SchedulerTask t) {
        dependents = SmallOrderedSet.writable(dependents);
        return dependents.add(t);
    }

    boolean addWaitingOn(SchedulerTask t) {
        waitingOn = SmallOrderedSet.writable(waitingOn);
        return waitingOn.add(t);
    }

    boolean addWaiter(SchedulerTask t) {
        waiters = SmallOrderedSet.writable(waiters);
        return waiters.add(t);
    }

    boolean addHolder(WorkerInfo w) {
        whoHas = SmallOrderedSet.writable(whoHas);
        return whoHas.add(w);
    }

    boolean addWanter(ClientInfo c) {
        whoWants = SmallOrderedSet.writable(whoWants);
        return whoWants.add(c);
    }

    /** Dask's "root-ish" in its simplest form: no dependencies and no restrictions, so any worker will do. */
    boolean isRootish() {
        return dependencies.isEmpty() && restrictions.isNone() && runSpec != null;
    }

    /** Clients wanting it, as ids, in insertion order. */
    Set<String> clientIds() {
        if (whoWants.size() == 1) {
            return Set.of(whoWants.getFirst().id);
        }
        var ids = new LinkedHashSet<String>(whoWants.size() * 2);
        for (ClientInfo c : whoWants) {
            ids.add(c.id);
        }
        return java.util.Collections.unmodifiableSet(ids);
    }

    // ---- TaskView ----

    @Override
    public String key() {
        return key;
    }

    @Override
    public SchedulerTaskState state() {
        return state;
    }

    @Override
    public Set<String> dependencies() {
        return keysOf(dependencies);
    }

    @Override
    public Set<String> dependents() {
        return keysOf(dependents);
    }

    @Override
    public Set<String> whoHas() {
        if (whoHas.size() == 1) {
            // The usual case, asked once per finished task (SchedulerLoop's KeyInMemory): no hash set for one address.
            return Set.of(whoHas.getFirst().address);
        }
        var out = new LinkedHashSet<String>();
        for (WorkerInfo w : whoHas) {
            out.add(w.address);
        }
        return java.util.Collections.unmodifiableSet(out);
    }

    @Override
    public Set<String> whoWants() {
        return whoWants.isEmpty() ? Set.of() : clientIds();
    }

    @Override
    public String processingOn() {
        return processingOn == null ? null : processingOn.address;
    }

    @Override
    public long runId() {
        return runId;
    }

    @Override
    public Priority priority() {
        return Priority.ofSubmission(userPriority, generation, order);
    }

    /** Orders as {@link Priority#compareTo} orders the two tasks' priorities: the one to run first is smaller. */
    static int comparePriority(SchedulerTask a, SchedulerTask b) {
        int c = Integer.compare(b.userPriority, a.userPriority);
        if (c != 0) {
            return c;
        }
        c = Long.compare(a.generation, b.generation);
        return c != 0 ? c : Integer.compare(a.order, b.order);
    }

    @Override
    public int retriesLeft() {
        return retriesLeft;
    }

    @Override
    public int suspiciousCount() {
        return suspicious;
    }

    @Override
    public Object erredReason() {
        return exception;
    }

    @Override
    public String erredBlame() {
        return exceptionBlame;
    }

    @Override
    public long nbytes() {
        return nbytes;
    }

    @Override
    public String typeName() {
        return typeName;
    }

    @Override
    public boolean hasRunSpec() {
        return runSpec != null;
    }

    static Set<String> keysOf(Set<SchedulerTask> tasks) {
        var out = new LinkedHashSet<String>();
        for (SchedulerTask t : tasks) {
            out.add(t.key);
        }
        return java.util.Collections.unmodifiableSet(out);
    }

    @Override
    public String toString() {
        return "<Task '" + key + "' " + state + ">";
    }
}
