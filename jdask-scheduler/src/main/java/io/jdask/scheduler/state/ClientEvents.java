package io.jdask.scheduler.state;

import static io.jdask.scheduler.state.SchedulerTaskState.ERRED;
import static io.jdask.scheduler.state.SchedulerTaskState.FORGOTTEN;
import static io.jdask.scheduler.state.SchedulerTaskState.MEMORY;
import static io.jdask.scheduler.state.SchedulerTaskState.RELEASED;
import static io.jdask.scheduler.state.SchedulerTaskState.WAITING;

import io.jdask.protocol.state.Priority;
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
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
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

    void updateGraph(UpdateGraph e) {
        ClientInfo c = client(e.clientId(), "UpdateGraph");
        if (c == null) {
            return;
        }
        long gen = ++m.generation;
        var specs = new LinkedHashMap<String, TaskSpec>(e.tasks().size() * 2);
        for (TaskSpec s : e.tasks()) {
            specs.putIfAbsent(s.key(), s);
        }
        // Cull: the specs reachable from the wanted keys, stopping at keys the scheduler knows.
        var needed = new HashSet<String>(specs.size() * 2);
        Map<String, String> missingDep = null; // spec key -> a dependency that exists nowhere
        var stack = new ArrayDeque<String>();
        for (String k : e.wantedKeys()) {
            if (!m.tasks.containsKey(k) && specs.containsKey(k) && needed.add(k)) {
                stack.push(k);
            }
        }
        while (!stack.isEmpty()) {
            TaskSpec s = specs.get(stack.pop());
            for (String d : s.dependencies()) {
                if (m.tasks.containsKey(d)) {
                    continue;
                }
                if (specs.containsKey(d)) {
                    if (needed.add(d)) {
                        stack.push(d);
                    }
                } else {
                    if (missingDep == null) {
                        missingDep = new HashMap<>();
                    }
                    missingDep.putIfAbsent(s.key(), d);
                }
            }
        }
        if (missingDep != null) {
            propagateMissing(specs, needed, missingDep);
        }
        // Create the new tasks in submission order (which is their priority order) and link them.
        var created = new ArrayList<SchedulerTask>(needed.size());
        long order = 0;
        for (TaskSpec s : specs.values()) {
            if (!needed.contains(s.key()) || (missingDep != null && missingDep.containsKey(s.key()))) {
                order++;
                continue;
            }
            created.add(m.newTask(
                    s.key(),
                    s.runSpec(),
                    Priority.ofSubmission(s.userPriority(), gen, order++),
                    s.retries(),
                    s.restrictions()));
        }
        for (SchedulerTask ts : created) {
            for (String d : specs.get(ts.key).dependencies()) {
                SchedulerTask dts = m.tasks.get(d);
                ts.dependencies.add(dts);
                dts.dependents.add(ts);
            }
        }
        // Wants, and reports for wanted keys that already had an outcome or cannot be built.
        for (String k : e.wantedKeys()) {
            SchedulerTask ts = m.tasks.get(k);
            if (ts == null) {
                String missing = missingDep == null ? null : missingDep.get(k);
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
            } else if (ts.state == RELEASED && ts.priority.get(Priority.GENERATION) != gen) {
                t.recommend(ts, WAITING); // an old task released earlier (kept as lineage) is wanted again
            }
        }
        // New tasks wait in priority order, so that when slots are scarce the first ones to take them are
        // the ones that should run first (user priority can reorder the submission).
        if (!isSorted(created)) {
            created.sort((a, b) -> a.priority.compareTo(b.priority));
        }
        for (SchedulerTask ts : created) {
            if (ts.state == RELEASED) {
                t.recommend(ts, WAITING);
            }
        }
    }

    private static boolean isSorted(List<SchedulerTask> tasks) {
        for (int i = 1; i < tasks.size(); i++) {
            if (tasks.get(i - 1).priority.compareTo(tasks.get(i).priority) > 0) {
                return false;
            }
        }
        return true;
    }

    /** Marks every needed spec that depends (transitively) on a missing key as missing too. */
    private static void propagateMissing(Map<String, TaskSpec> specs, Set<String> needed, Map<String, String> missing) {
        var dependents = new HashMap<String, List<String>>();
        for (String k : needed) {
            for (String d : specs.get(k).dependencies()) {
                if (needed.contains(d)) {
                    dependents.computeIfAbsent(d, x -> new ArrayList<>()).add(k);
                }
            }
        }
        var stack = new ArrayDeque<>(missing.keySet());
        while (!stack.isEmpty()) {
            String k = stack.pop();
            String blame = missing.get(k);
            for (String dep : dependents.getOrDefault(k, List.of())) {
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
        long order = 0;
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
                ts = m.newTask(key, null, Priority.ofSubmission(0, gen, order++), 0, Restrictions.NONE);
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
