package io.jdask.worker.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.protocol.state.Priority;
import io.jdask.worker.state.WorkerEvent.CancelCompute;
import io.jdask.worker.state.WorkerEvent.ComputeTask;
import io.jdask.worker.state.WorkerEvent.ExecuteFailure;
import io.jdask.worker.state.WorkerEvent.ExecuteSuccess;
import io.jdask.worker.state.WorkerEvent.FindMissing;
import io.jdask.worker.state.WorkerEvent.FreeKeys;
import io.jdask.worker.state.WorkerEvent.GatherDepFailure;
import io.jdask.worker.state.WorkerEvent.GatherDepNetworkFailure;
import io.jdask.worker.state.WorkerEvent.GatherDepSuccess;
import io.jdask.worker.state.WorkerEvent.PeerRemoved;
import io.jdask.worker.state.WorkerEvent.RefreshWhoHas;
import io.jdask.worker.state.WorkerEvent.RemoveReplicas;
import io.jdask.worker.state.WorkerEvent.Secede;
import io.jdask.worker.state.WorkerEvent.UpdateData;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * Random event sequences against a simulated scheduler and shell.
 *
 * <p>The scheduler side sends any of its messages in any order (races included). The shell side
 * only reports work it was actually given (an ExecuteSuccess follows an Execute...), and models
 * the data store: values are stored before the event announcing them, deleted on DropData. After
 * every event: {@code validate()}, the store holds exactly the MEMORY keys, no task is started
 * twice, and at most one transfer per peer is outstanding. At the end, all outstanding work is
 * completed and nothing may be left stuck, and the recorded events replay to the same state.
 */
class WorkerStatePropertyTest {
    static final String ME = "tcp://10.0.0.1:1";
    static final List<String> PEERS = List.of("tcp://10.0.0.1:2", "tcp://10.0.0.2:2", "tcp://10.0.0.3:2");

    /** 300 seeded runs; a failure names its seed (rerun one with -Djdask.test.seed=N). */
    @org.junit.jupiter.api.Test
    void randomEventSequencesKeepEveryInvariant() {
        long base = Long.getLong("jdask.test.seed", System.nanoTime());
        for (int i = 0; i < 300; i++) {
            long seed = base + i;
            try {
                randomRun(seed);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("failed for seed " + seed + " (rerun with -Djdask.test.seed=" + seed + ")", e);
            }
        }
    }

    /** Regression: a freed dependency already RELEASED kept its freed flag when its last user let go. */
    @org.junit.jupiter.api.Test
    void seed6981290562462FreedDependencyAlreadyReleased() {
        randomRun(6981290562462L);
    }

    private void randomRun(long seed) {
        new Simulation(seed).run(150);
    }

    static final class Simulation {
        final long seed;
        final Random rnd;
        final WorkerStateBuilder options;
        final WorkerState ws;
        final List<String> keys = new ArrayList<>();
        final Map<String, List<String>> deps = new LinkedHashMap<>();
        /** The shell's data store (keys only). */
        final Set<String> store = new HashSet<>();
        /** Keys the shell is running on a thread. */
        final Set<String> running = new LinkedHashSet<>();

        final Set<String> seceded = new HashSet<>();
        /** Outstanding GatherDeps by peer. */
        final Map<String, Set<String>> gathers = new LinkedHashMap<>();

        final List<WorkerInstruction> allInstructions = new ArrayList<>();
        int stim;

        Simulation(long seed) {
            this.seed = seed;
            this.rnd = new Random(seed);
            this.options = WorkerState.builder(ME)
                    .nthreads(1 + rnd.nextInt(3))
                    .executeAhead(rnd.nextInt(3))
                    .resources(Map.of("GPU", 1.0))
                    .transferIncomingCountLimit(1 + rnd.nextInt(3))
                    .transferMessageBytesLimit(150 + rnd.nextInt(300))
                    .transitionCounterMax(10_000_000)
                    .seed(seed);
            this.ws = options.build();
            int n = 4 + rnd.nextInt(10);
            for (int i = 0; i < n; i++) {
                String k = "t-" + i; // one key prefix, so that tasks run ahead once the first ones were short
                var ds = new TreeSet<String>();
                int nd = i == 0 ? 0 : rnd.nextInt(Math.min(i, 3) + 1);
                for (int j = 0; j < nd; j++) ds.add(keys.get(rnd.nextInt(i)));
                keys.add(k);
                deps.put(k, List.copyOf(ds));
            }
        }

        void run(int steps) {
            for (int i = 0; i < steps; i++) {
                boolean shellWork = !running.isEmpty() || !gathers.isEmpty();
                apply(shellWork && rnd.nextInt(100) < 60 ? shellEvent() : schedulerEvent());
            }
            quiesce();
            replay();
        }

        String nextStim() {
            return "s" + stim++;
        }

        String randomKey() {
            return keys.get(rnd.nextInt(keys.size()));
        }

        List<String> randomPeers(boolean allowEmpty) {
            var out = new ArrayList<String>();
            for (String p : PEERS) if (rnd.nextInt(3) == 0) out.add(p);
            if (out.isEmpty() && !allowEmpty) out.add(PEERS.get(rnd.nextInt(PEERS.size())));
            return out;
        }

        WorkerEvent schedulerEvent() {
            String s = nextStim();
            long now = stim;
            return switch (rnd.nextInt(10)) {
                case 0, 1, 2 -> {
                    String k = randomKey();
                    var whoHas = new LinkedHashMap<String, List<String>>();
                    var nbytes = new LinkedHashMap<String, Long>();
                    for (String d : deps.get(k)) {
                        int r = rnd.nextInt(10);
                        whoHas.put(d, r < 2 ? List.of(ME) : r < 3 ? List.of() : randomPeers(false));
                        nbytes.put(d, 1L + rnd.nextInt(200));
                    }
                    int r = rnd.nextInt(20);
                    Map<String, Double> resources = r < 3 ? Map.of("GPU", 1.0) : r < 4 ? Map.of("GPU", 2.0) : Map.of();
                    yield new ComputeTask(
                            k, "run-" + k, Priority.of(rnd.nextInt(3)), whoHas, nbytes, resources, s, now);
                }
                case 3 -> new FreeKeys(List.of(randomKey(), randomKey()), s, now);
                case 4 ->
                    rnd.nextBoolean()
                            ? new CancelCompute(randomKey(), s, now)
                            : new WorkerEvent.StealRequest(randomKey(), 0, s, now);
                case 5 -> new RemoveReplicas(List.of(randomKey()), s, now);
                case 6 -> new RefreshWhoHas(Map.of(randomKey(), randomPeers(true)), s, now);
                case 7 -> new UpdateData(Map.of(randomKey(), 1L + rnd.nextInt(50)), s, now);
                case 8 -> new PeerRemoved(PEERS.get(rnd.nextInt(PEERS.size())), s, now);
                default -> new FindMissing(s, now);
            };
        }

        WorkerEvent shellEvent() {
            String s = nextStim();
            long now = stim;
            var kinds = new ArrayList<Integer>();
            if (!running.isEmpty()) kinds.add(0);
            if (!gathers.isEmpty()) kinds.add(1);
            switch (kinds.get(rnd.nextInt(kinds.size()))) {
                case 0 -> {
                    String k = new ArrayList<>(running).get(rnd.nextInt(running.size()));
                    int r = rnd.nextInt(10);
                    if (r < 2 && !seceded.contains(k)) return new Secede(k, s, now);
                    if (r < 3 && seceded.contains(k)) return new WorkerEvent.Rejoin(k, s, now);
                    if (r < 4) return new ExecuteFailure(k, "boom-" + k, s, now);
                    return new ExecuteSuccess(k, 1 + rnd.nextInt(100), "T", now - 1, now, s, now);
                }
                default -> {
                    String peer = new ArrayList<>(gathers.keySet()).get(rnd.nextInt(gathers.size()));
                    var asked = gathers.get(peer);
                    int r = rnd.nextInt(10);
                    if (r < 6) {
                        var received = new LinkedHashMap<String, Long>();
                        for (String k : asked) if (rnd.nextInt(5) > 0) received.put(k, 1L + rnd.nextInt(200));
                        if (rnd.nextInt(10) == 0) received.put(randomKey(), 7L); // a key we did not ask for
                        return new GatherDepSuccess(peer, received, s, now);
                    }
                    if (r < 9) return new GatherDepNetworkFailure(peer, List.copyOf(asked), s, now);
                    return new GatherDepFailure(peer, List.copyOf(asked), "corrupt", s, now);
                }
            }
        }

        void apply(WorkerEvent ev) {
            // The shell's side of the event: it stores values before announcing them.
            switch (ev) {
                case ExecuteSuccess e -> {
                    running.remove(e.key());
                    seceded.remove(e.key());
                    store.add(e.key());
                }
                case ExecuteFailure e -> {
                    running.remove(e.key());
                    seceded.remove(e.key());
                }
                case Secede e -> seceded.add(e.key());
                case GatherDepSuccess e -> {
                    gathers.remove(e.peer());
                    store.addAll(e.received().keySet());
                }
                case GatherDepNetworkFailure e -> gathers.remove(e.peer());
                case GatherDepFailure e -> gathers.remove(e.peer());
                case UpdateData e -> store.addAll(e.data().keySet());
                default -> {}
            }
            List<WorkerInstruction> out;
            try {
                out = ws.handle(ev);
                ws.validate();
            } catch (RuntimeException e) {
                throw new AssertionError(
                        "seed " + seed + ", event " + ev + ":\n" + e.getMessage() + "\n" + ws.describe(), e);
            }
            allInstructions.addAll(out);
            for (WorkerInstruction i : out) {
                switch (i) {
                    case WorkerInstruction.Execute e -> {
                        assertThat(running)
                                .as("seed %d: Execute(%s) while it runs", seed, e.key())
                                .doesNotContain(e.key());
                        running.add(e.key());
                    }
                    case WorkerInstruction.GatherDep g -> {
                        assertThat(gathers)
                                .as("seed %d: second GatherDep to %s", seed, g.peer())
                                .doesNotContainKey(g.peer());
                        assertThat(g.keys()).isNotEmpty();
                        gathers.put(g.peer(), g.keys());
                    }
                    case WorkerInstruction.Rejoined r -> seceded.remove(r.key());
                    case WorkerInstruction.DropData d -> {
                        for (String k : d.keys()) {
                            assertThat(store)
                                    .as("seed %d: DropData(%s) of a value not stored", seed, k)
                                    .contains(k);
                            store.remove(k);
                        }
                    }
                    default -> {}
                }
            }
            var memory = new TreeSet<String>();
            ws.taskStates().forEach((k, st) -> {
                if (st == WorkerTaskState.MEMORY) memory.add(k);
            });
            assertThat(new TreeSet<>(store))
                    .as("seed %d after %s: store vs MEMORY", seed, ev)
                    .isEqualTo(memory);
            assertThat(ws.executingCount() + ws.longRunningCount())
                    .as("seed %d: running", seed)
                    .isEqualTo(running.size());
            assertThat(ws.transferIncomingCount())
                    .as("seed %d: transfers", seed)
                    .isEqualTo(gathers.size());
        }

        /** Completes all outstanding work successfully; then nothing may be stuck. */
        void quiesce() {
            for (int i = 0; i < 10_000; i++) {
                String s = nextStim();
                if (!running.isEmpty()) {
                    apply(new ExecuteSuccess(running.iterator().next(), 5, "T", 0, 1, s, stim));
                } else if (!gathers.isEmpty()) {
                    var e = gathers.entrySet().iterator().next();
                    var received = new LinkedHashMap<String, Long>();
                    for (String k : e.getValue()) received.put(k, 10L);
                    apply(new GatherDepSuccess(e.getKey(), received, s, stim));
                } else {
                    break;
                }
            }
            assertThat(running).isEmpty();
            assertThat(gathers).isEmpty();
            assertThat(ws.readyKeys())
                    .as("seed %d: ready tasks left with idle threads", seed)
                    .isEmpty();
            assertThat(ws.taskStates().values())
                    .as("seed %d: stuck states\n%s", seed, ws.describe())
                    .doesNotContain(
                            WorkerTaskState.FETCH,
                            WorkerTaskState.FLIGHT,
                            WorkerTaskState.EXECUTING,
                            WorkerTaskState.LONG_RUNNING,
                            WorkerTaskState.CANCELLED,
                            WorkerTaskState.RESUMED);
        }

        void replay() {
            assertThat(ws.eventsDropped()).isZero();
            WorkerState fresh = options.build();
            var out = fresh.handle(ws.recentEvents());
            assertThat(fresh.describe()).isEqualTo(ws.describe());
            assertThat(out).isEqualTo(allInstructions);
        }
    }
}
