package io.jdask.scheduler.state;

import static io.jdask.scheduler.state.SchedulerTaskState.ERRED;
import static io.jdask.scheduler.state.SchedulerTaskState.FORGOTTEN;
import static io.jdask.scheduler.state.SchedulerTaskState.MEMORY;
import static io.jdask.scheduler.state.SchedulerTaskState.RELEASED;
import static io.jdask.scheduler.state.SchedulerTaskState.WAITING;

import io.jdask.scheduler.state.Recommendation.Plain;
import io.jdask.scheduler.state.Recommendation.Scattered;
import io.jdask.scheduler.state.SchedulerEvent.AddClient;
import io.jdask.scheduler.state.SchedulerEvent.CancelKeys;
import io.jdask.scheduler.state.SchedulerEvent.ReleaseKeys;
import io.jdask.scheduler.state.SchedulerEvent.RemoveClient;
import io.jdask.scheduler.state.SchedulerEvent.RetryKeys;
import io.jdask.scheduler.state.SchedulerEvent.UpdateData;
import io.jdask.scheduler.state.SchedulerEvent.UpdateGraph;
import io.jdask.scheduler.state.SchedulerInstruction.KeyCancelled;
import io.jdask.scheduler.state.SchedulerInstruction.KeyErred;
import io.jdask.scheduler.state.SchedulerInstruction.KeyInMemory;
import io.jdask.scheduler.state.SchedulerInstruction.KeyLost;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/*
 * Design note. The handlers of the events that come from clients (distributed's stimulus_* for
 * update_graph, client_releases_keys, cancel, retry, scatter). A handler checks the event against the
 * model, noting in the story why it ignores a stale or unknown one, changes wants and links, and leaves
 * the moves to the transition loop: recommendations, or a direct transition where the event carries what
 * the edge needs (scattered data). SchedulerState dispatches to these and settles after each event.
 */
/** What the scheduler does when a client connects, leaves, submits, releases, cancels, retries or scatters. */
final class ClientEvents {
    private final ClusterModel m;
    private final TransitionLoop t;

    ClientEvents(ClusterModel m, TransitionLoop t) {
        this.m = m;
        this.t = t;
    }

    void addClient(AddClient e) {
        if (m.clients.containsKey(e.clientId())) {
            m.note(e.clientId(), "AddClient ignored: client already connected");
            return;
        }
        m.clients.put(e.clientId(), new ClientInfo(e.clientId()));
    }

    void removeClient(RemoveClient e) {
        ClientInfo c = m.clients.get(e.clientId());
        if (c == null) {
            m.note(e.clientId(), "RemoveClient ignored: unknown client");
            return;
        }
        for (SchedulerTask ts : new ArrayList<>(c.wantsWhat)) {
            releaseWant(c, ts);
        }
        m.clients.remove(e.clientId());
    }

    /** The client stops wanting the task; if nobody needs it any more it is released or forgotten. */
    private void releaseWant(ClientInfo c, SchedulerTask ts) {
        m.removeWant(c, ts);
        if (!ts.whoWants.isEmpty()) {
            return;
        }
        if (ts.dependents.isEmpty()) {
            t.recommend(ts, FORGOTTEN);
        } else if (ts.waiters.isEmpty() && ts.state != ERRED && ts.state != RELEASED) {
            t.recommend(ts, RELEASED);
        }
    }

    private ClientInfo client(String id, String eventName) {
        ClientInfo c = m.clients.get(id);
        if (c == null) {
            m.note(id, eventName + " ignored: unknown client");
        }
        return c;
    }

    /*
     * A graph is handled by index (issue 17): one lookup in the task index per key, none per dependency, and no
     * object per task but the ones kept. Steps: (1) every key not known yet gets its task at once, registered, so
     * the task index is this update's key map too (a key given twice keeps its first definition; the priority's
     * generation and order tell a task made here, and at which index, from one known before); (2) cull, by
     * index, to the tasks the wanted keys reach, noting dependencies that exist nowhere; (3) undo the tasks not
     * reached or not buildable (rare: a client sends what its wanted keys need); (4) link; (5) wants and reports;
     * (6) recommend WAITING in priority order.
     */
    void updateGraph(UpdateGraph e) {
        ClientInfo c = client(e.clientId(), "UpdateGraph");
        if (c == null) {
            return;
        }
        GraphSpec g = e.graph();
        long gen = ++m.generation;
        int n = g.size();
        SchedulerTask[] at = new SchedulerTask[n];
        for (int i = 0; i < n; i++) {
            String key = g.keys.get(i);
            SchedulerTask ts = m.tasks.get(key);
            if (ts == null) {
                GraphSpec.TaskOptions o = g.options(i);
                ts = m.newTask(key, g.runSpec(i), o.userPriority(), gen, i, o.retries(), o.restrictions());
            }
            at[i] = ts;
        }
        // Cull: the tasks made here that the wanted keys reach, stopping at tasks known before.
        boolean[] needed = new boolean[n];
        int[] stack = new int[Math.min(n, 1024) + 1];
        int top = 0;
        Map<Integer, String> missingDep = null; // index -> a dependency that exists nowhere
        for (int r : g.wanted) {
            int i = madeHere(resolve(g, at, r), gen);
            if (i >= 0 && !needed[i]) {
                needed[i] = true;
                stack = push(stack, top++, i);
            }
        }
        while (top > 0) {
            int i = stack[--top];
            for (int k = g.dependenciesFrom(i), to = g.dependenciesTo(i); k < to; k++) {
                int r = g.dependency(k);
                SchedulerTask dts = resolve(g, at, r);
                if (dts == null) {
                    if (missingDep == null) {
                        missingDep = new HashMap<>();
                    }
                    missingDep.putIfAbsent(i, g.keyOf(r));
                    continue;
                }
                int j = madeHere(dts, gen);
                if (j >= 0 && !needed[j]) {
                    needed[j] = true;
                    stack = push(stack, top++, j);
                }
            }
        }
        if (missingDep != null) {
            propagateMissing(g, at, gen, needed, missingDep);
        }
        // Undo the tasks made here that are not needed or cannot be built.
        int created = 0;
        for (int i = 0; i < n; i++) {
            SchedulerTask ts = at[i];
            if (madeHere(ts, gen) != i) {
                continue;
            }
            if (!needed[i] || (missingDep != null && missingDep.containsKey(i))) {
                needed[i] = false;
                m.discardNew(ts);
            } else {
                created++;
            }
        }
        // Link, in submission order.
        for (int i = 0; i < n; i++) {
            if (!needed[i]) {
                continue;
            }
            SchedulerTask ts = at[i];
            for (int k = g.dependenciesFrom(i), to = g.dependenciesTo(i); k < to; k++) {
                SchedulerTask dts = resolve(g, at, g.dependency(k));
                if (dts == ts) { // a key given twice, one definition reading the other
                    m.note(ts.key, "UpdateGraph from " + c.id + ": ignored a dependency of '" + ts.key + "' on itself");
                    continue;
                }
                ts.addDependency(dts);
                dts.addDependent(ts);
            }
        }
        // Wants, and reports for wanted keys that already had an outcome or cannot be built.
        for (int r : g.wanted) {
            String k = g.keyOf(r);
            SchedulerTask ts = resolve(g, at, r);
            if (ts == null || ts.state == FORGOTTEN) {
                int i = r >= 0 ? madeHere(at[r], gen) : -1;
                String missing = missingDep == null || i < 0 ? null : missingDep.get(i);
                String blamed = missing == null ? k : missing;
                m.emit(new KeyErred(Set.of(c.id), k, new MissingDependency(k, blamed), blamed));
                m.note(k, "UpdateGraph from " + c.id + ": cannot build, depends on missing '" + blamed + "'");
                continue;
            }
            m.addWant(c, ts);
            if (ts.state == MEMORY) {
                m.emit(new KeyInMemory(Set.of(c.id), ts.key, ts.typeName, ts.nbytes));
            } else if (ts.state == ERRED) {
                m.emit(new KeyErred(Set.of(c.id), ts.key, ts.exception, ts.exceptionBlame));
            } else if (ts.state == RELEASED && ts.generation != gen) {
                t.recommend(ts, WAITING); // an old task released earlier (kept as lineage) is wanted again
            }
        }
        // New tasks wait in priority order, so that when slots are scarce the first ones to take them are
        // the ones that should run first. With one set of options that is submission order; user priorities
        // that differ can reorder it.
        if (g.uniformOptions()) {
            for (int i = 0; i < n; i++) {
                if (needed[i] && at[i].state == RELEASED) {
                    t.recommend(at[i], WAITING);
                }
            }
            return;
        }
        var tasks = new ArrayList<SchedulerTask>(created);
        for (int i = 0; i < n; i++) {
            if (needed[i]) {
                tasks.add(at[i]);
            }
        }
        tasks.sort(SchedulerTask::comparePriority);
        for (SchedulerTask ts : tasks) {
            if (ts.state == RELEASED) {
                t.recommend(ts, WAITING);
            }
        }
    }

    /** The task a reference names: of this update, or known before; null if it exists nowhere. */
    private SchedulerTask resolve(GraphSpec g, SchedulerTask[] at, int ref) {
        return ref >= 0 ? at[ref] : m.tasks.get(g.keyOf(ref));
    }

    /** The index of the update (of generation {@code gen}) that made this task, or -1 if it is older or null. */
    private static int madeHere(SchedulerTask ts, long gen) {
        return ts != null && ts.generation == gen ? ts.order : -1;
    }

    private static int[] push(int[] stack, int top, int value) {
        if (top == stack.length) {
            stack = Arrays.copyOf(stack, top * 2);
        }
        stack[top] = value;
        return stack;
    }

    /** Marks every needed task that depends (transitively) on a missing key as missing too. */
    private void propagateMissing(
            GraphSpec g, SchedulerTask[] at, long gen, boolean[] needed, Map<Integer, String> missing) {
        var dependents = new HashMap<Integer, List<Integer>>();
        for (int i = 0; i < needed.length; i++) {
            if (!needed[i]) {
                continue;
            }
            for (int k = g.dependenciesFrom(i), to = g.dependenciesTo(i); k < to; k++) {
                int j = madeHere(resolve(g, at, g.dependency(k)), gen);
                if (j >= 0 && needed[j]) {
                    dependents.computeIfAbsent(j, x -> new ArrayList<>()).add(i);
                }
            }
        }
        var stack = new ArrayDeque<>(missing.keySet());
        while (!stack.isEmpty()) {
            int i = stack.pop();
            String blame = missing.get(i);
            for (int dep : dependents.getOrDefault(i, List.of())) {
                if (missing.putIfAbsent(dep, blame) == null) {
                    stack.push(dep);
                }
            }
        }
    }

    void releaseKeys(ReleaseKeys e) {
        ClientInfo c = client(e.clientId(), "ReleaseKeys");
        if (c == null) {
            return;
        }
        for (String k : e.keys()) {
            SchedulerTask ts = m.tasks.get(k);
            if (ts == null || !ts.whoWants.contains(c)) {
                m.note(k, "ReleaseKeys from " + c.id + " ignored: client does not want it");
                continue;
            }
            releaseWant(c, ts);
        }
    }

    void cancelKeys(CancelKeys e) {
        ClientInfo c = client(e.clientId(), "CancelKeys");
        if (c == null) {
            return;
        }
        var visited = new HashSet<SchedulerTask>();
        var stack = new ArrayDeque<SchedulerTask>();
        for (String k : e.keys()) {
            SchedulerTask ts = m.tasks.get(k);
            if (ts == null || (!e.force() && !ts.whoWants.contains(c)) || ts.whoWants.isEmpty()) {
                m.note(k, "CancelKeys from " + c.id + " ignored: not wanted by it");
                continue;
            }
            stack.push(ts);
        }
        while (!stack.isEmpty()) {
            SchedulerTask ts = stack.pop();
            if (!visited.add(ts)) {
                continue;
            }
            boolean onlyThisClient = ts.whoWants.isEmpty() || (ts.whoWants.size() == 1 && ts.whoWants.contains(c));
            if (e.force() || onlyThisClient) {
                // Work that depends on a cancelled key is cancelled with it (for this client).
                for (SchedulerTask dts : ts.dependents) {
                    stack.push(dts);
                }
            }
            List<ClientInfo> losing;
            if (e.force()) {
                losing = new ArrayList<>(ts.whoWants);
            } else {
                losing = ts.whoWants.contains(c) ? List.of(c) : List.of();
            }
            if (losing.isEmpty()) {
                continue;
            }
            var ids = new LinkedHashSet<String>();
            for (ClientInfo cl : losing) {
                ids.add(cl.id);
                releaseWant(cl, ts);
            }
            m.emit(new KeyCancelled(Collections.unmodifiableSet(ids), ts.key));
        }
    }

    void retryKeys(RetryKeys e) {
        ClientInfo c = client(e.clientId(), "RetryKeys");
        if (c == null) {
            return;
        }
        var seen = new HashSet<SchedulerTask>();
        var stack = new ArrayDeque<SchedulerTask>();
        for (String k : e.keys()) {
            SchedulerTask ts = m.tasks.get(k);
            if (ts == null || ts.state != ERRED) {
                m.note(k, "RetryKeys from " + c.id + " ignored: not erred");
                continue;
            }
            stack.push(ts);
        }
        // Retry the roots of the failure: erred tasks none of whose dependencies erred.
        while (!stack.isEmpty()) {
            SchedulerTask ts = stack.pop();
            if (!seen.add(ts)) {
                continue;
            }
            boolean root = true;
            for (SchedulerTask dts : ts.dependencies) {
                if (dts.state == ERRED) {
                    root = false;
                    stack.push(dts);
                }
            }
            if (root) {
                t.recommend(ts, WAITING);
            }
        }
    }

    void updateData(UpdateData e) {
        ClientInfo c = client(e.clientId(), "UpdateData");
        if (c == null) {
            return;
        }
        long gen = ++m.generation;
        int order = 0;
        for (var entry : e.data().entrySet()) {
            String key = entry.getKey();
            SchedulerEvent.ScatteredData sd = entry.getValue();
            var holders = new ArrayList<WorkerInfo>(sd.workers().size());
            for (String w : sd.workers()) {
                WorkerInfo ws = m.workers.get(w);
                if (ws != null && !holders.contains(ws)) {
                    holders.add(ws);
                }
            }
            if (holders.isEmpty()) {
                m.note(key, "UpdateData from " + c.id + ": none of the workers " + sd.workers() + " is connected");
                m.emit(new KeyLost(Set.of(c.id), key));
                continue;
            }
            var scatter = new Scattered(holders, sd.nbytes(), sd.typeName());
            SchedulerTask ts = m.tasks.get(key);
            if (ts == null) {
                ts = m.newTask(key, null, 0, gen, order++, 0, Restrictions.NONE);
                m.addWant(c, ts);
                t.transition(ts, scatter);
            } else if (ts.state == MEMORY) {
                m.addWant(c, ts);
                m.setNbytes(ts, sd.nbytes());
                for (WorkerInfo ws : holders) {
                    m.addReplica(ts, ws);
                }
                m.emit(new KeyInMemory(Set.of(c.id), key, ts.typeName, ts.nbytes));
            } else {
                m.addWant(c, ts);
                t.transition(ts, Plain.of(RELEASED));
                if (ts.state == RELEASED) {
                    t.transition(ts, scatter);
                }
            }
        }
    }
}
