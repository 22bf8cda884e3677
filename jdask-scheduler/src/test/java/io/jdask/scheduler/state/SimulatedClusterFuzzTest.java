package io.jdask.scheduler.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.protocol.state.Transition;
import io.jdask.scheduler.state.SchedulerEvent.*;
import io.jdask.scheduler.state.SchedulerInstruction.*;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Random graphs on a simulated cluster: workers answer ComputeTask with TaskFinished (sometimes an
 * error), die, join, drop and copy replicas, secede, and deliver late results; clients submit graphs
 * that share keys and depend on each other's futures and on scattered data, and release keys.
 * After every step: validate(), and the simulated workers' reality equals the scheduler's belief
 * (what runs where, who holds what, every who-has in a ComputeTask is true). At the end every key a
 * client still wants is in MEMORY (or ERRED when errors were injected), and after releasing
 * everything the scheduler forgets all tasks and the workers hold nothing. Seeded; a failure names
 * its seed.
 */
class SimulatedClusterFuzzTest {
    /** Seeds per test; raise for a longer hunt: {@code -Dfuzz.seeds=5000}. */
    private static final int SEEDS = Integer.getInteger("fuzz.seeds", 150);

    /** Replays one seed (with the story on, to explain a failure): {@code -Dfuzz.seed=4664 -Dfuzz.story=true}. */
    @Test
    void replayOneSeed() {
        Long seed = Long.getLong("fuzz.seed");
        if (seed != null) {
            runSeed(seed, seed >= 1_000_000);
        }
    }

    @Test
    void everyWantedKeyEndsInMemoryAndEverythingIsForgottenAfterRelease() {
        long steals = 0;
        for (long seed = 0; seed < SEEDS; seed++) {
            steals += runSeed(seed, false).transcript.stream()
                    .filter(i -> i.startsWith("steal "))
                    .count();
        }
        assertThat(steals)
                .as("steal requests over all seeds (the simulation must exercise stealing)")
                .isPositive();
    }

    @Test
    void withInjectedErrorsWantedKeysEndInMemoryOrErred() {
        for (long seed = 1_000_000; seed < 1_000_000 + SEEDS * 2 / 3; seed++) {
            runSeed(seed, true);
        }
    }

    @Test
    void sameEventsGiveTheSameInstructionsAndStory() {
        for (long seed = 7; seed < 10; seed++) {
            var a = new Sim(seed, true);
            a.run();
            var b = new Sim(seed, true);
            b.run();
            assertThat(b.transcript).isEqualTo(a.transcript);
            assertThat(b.s.state.story(a.allKeys.toArray(String[]::new)).toString())
                    .isEqualTo(a.s.state.story(a.allKeys.toArray(String[]::new)).toString());
        }
    }

    private static Sim runSeed(long seed, boolean errors) {
        var sim = new Sim(seed, errors);
        try {
            sim.run();
            return sim;
        } catch (Throwable t) {
            // Explain: the story of the first quoted key in the message.
            var msg = String.valueOf(t.getMessage());
            var mt = java.util.regex.Pattern.compile("'([^']+)'|hold (\\S+)\\]").matcher(msg);
            var story = new StringBuilder();
            if (mt.find()) {
                for (Transition tr : sim.s.state.story(mt.group(1) != null ? mt.group(1) : mt.group(2))) {
                    story.append("\n  ").append(tr);
                }
            }
            for (String k : System.getProperty("fuzz.explain", "").split(",")) {
                if (!k.isEmpty()) {
                    story.append("\nstory of ").append(k).append(':');
                    for (Transition tr : sim.s.state.story(k)) {
                        story.append("\n  ").append(tr);
                    }
                }
            }
            throw new AssertionError(
                    "seed " + seed + " (errors=" + errors + ") failed at step " + sim.step + ": " + t
                            + (story.isEmpty() ? "" : "\nstory:" + story),
                    t);
        }
    }

    static final class Sim {
        final Random r;
        final boolean errors;
        final Sched s;
        final List<String> transcript = new ArrayList<>();
        final Set<String> allKeys = new LinkedHashSet<>();
        /** What each live simulated worker holds. */
        final Map<String, Set<String>> data = new LinkedHashMap<>();
        /** key -> worker that was told to compute it and has not answered. */
        final Map<String, String> running = new LinkedHashMap<>();

        final Map<String, ComputeTask> runningSpecs = new HashMap<>();
        final List<String[]> zombies = new ArrayList<>();
        final Set<String> gpuWorkers = new LinkedHashSet<>();
        final Map<String, Set<String>> reported = new HashMap<>(); // key -> kinds reported to clients
        /** Answers to steal requests not delivered yet (work stealing: Balance events come at random). */
        final List<StealResponse> stealAnswers = new ArrayList<>();
        /** key -> victim that dropped the run for a steal; the scheduler counts it there until the answer. */
        final Map<String, String> droppedBySteal = new LinkedHashMap<>();

        int workerSeq;
        int graphs;
        int step;

        Sim(long seed, boolean errors) {
            this.r = new Random(seed);
            this.errors = errors;
            var cfg = SchedulerConfig.builder()
                    .workerSaturation(r.nextInt(4) == 0 ? Double.POSITIVE_INFINITY : 1.0 + r.nextDouble())
                    .maxWorkerDeathsPerTask(errors ? 3 : 1_000)
                    .storyCapacity(r.nextBoolean() || Boolean.getBoolean("fuzz.story") ? 5_000 : 0)
                    .build();
            this.s = Sched.create(cfg);
        }

        void run() {
            handle(s.client("c1"), s.client("c2"));
            int nWorkers = 1 + r.nextInt(4);
            for (int i = 0; i < nWorkers; i++) {
                addWorker(i == 0);
            }
            submitGraph();
            int maxGraphs = 1 + r.nextInt(4);
            for (step = 0; step < 20_000; step++) {
                if (running.isEmpty() && graphs >= maxGraphs && zombies.isEmpty() && stealAnswers.isEmpty()) {
                    break;
                }
                if (!stealAnswers.isEmpty() && (running.isEmpty() || r.nextInt(4) == 0)) {
                    handle(stealAnswers.remove(r.nextInt(stealAnswers.size())));
                    continue;
                }
                if (r.nextInt(8) == 0) {
                    handle(s.balance());
                }
                int a = r.nextInt(100);
                if (running.isEmpty() || a >= 80) {
                    chaos(a, maxGraphs);
                } else {
                    answerOne();
                }
            }
            assertThat(running).as("still running after the step budget").isEmpty();
            checkOutcome();
            // Release everything: nothing may be left behind.
            for (String c : List.of("c1", "c2")) {
                handle(new ReleaseKeys(c, List.copyOf(s.state.wantedKeys(c)), s.sid(), s.tick()));
            }
            assertThat(s.state.taskCount())
                    .as("tasks left after releasing everything")
                    .isZero();
            for (var e : data.entrySet()) {
                assertThat(e.getValue()).as("data left on " + e.getKey()).isEmpty();
            }
        }

        private void answerOne() {
            var keys = new ArrayList<>(running.keySet());
            String key = keys.get(r.nextInt(keys.size()));
            String w = running.remove(key);
            long runId = runningSpecs.remove(key).runId();
            if (errors && r.nextInt(100) < 6) {
                handle(new TaskErred(w, key, runId, "boom:" + key, r.nextInt(4) != 0, s.sid(), s.tick()));
            } else {
                data.get(w).add(key);
                long t = s.tick();
                handle(new TaskFinished(
                        w,
                        key,
                        runId,
                        r.nextInt(3) == 0 ? -1 : r.nextInt(1_000_000),
                        "T",
                        t - r.nextInt(1_000_000),
                        t,
                        s.sid(),
                        t));
            }
        }

        private void chaos(int a, int maxGraphs) {
            if (a < 84 && data.size() > 1) {
                var ws = new ArrayList<>(data.keySet());
                killWorker(ws.get(r.nextInt(ws.size())));
            } else if (a < 87 && data.size() < 5) {
                addWorker(r.nextBoolean());
            } else if (a < 89 && !zombies.isEmpty()) {
                String[] z = zombies.remove(r.nextInt(zombies.size()));
                long t = s.tick();
                handle(new TaskFinished(z[0], z[1], Long.parseLong(z[2]), 5, "T", t - 1, t, s.sid(), t));
            } else if (a < 91 && !running.isEmpty()) {
                var keys = new ArrayList<>(running.keySet());
                String key = keys.get(r.nextInt(keys.size()));
                handle(new LongRunning(
                        running.get(key), key, runningSpecs.get(key).runId(), s.sid(), s.tick()));
            } else if (a < 93) {
                String c = r.nextBoolean() ? "c1" : "c2";
                var wanted = new ArrayList<>(s.state.wantedKeys(c));
                if (!wanted.isEmpty()) {
                    handle(s.release(c, wanted.get(r.nextInt(wanted.size()))));
                }
            } else if (a < 95) {
                var ws = new ArrayList<>(data.keySet());
                String w = ws.get(r.nextInt(ws.size()));
                var held = new ArrayList<>(data.get(w));
                if (!held.isEmpty()) {
                    String k = held.get(r.nextInt(held.size()));
                    if (r.nextBoolean()) {
                        data.get(w).remove(k);
                        handle(s.workerReleased(w, k));
                    } else {
                        String w2 = ws.get(r.nextInt(ws.size()));
                        data.get(w2).add(k);
                        handle(s.addKeys(w2, k));
                    }
                }
            } else if (a < 96 && errors) {
                String c = r.nextBoolean() ? "c1" : "c2";
                var erred = new ArrayList<String>();
                for (String k : s.state.wantedKeys(c)) {
                    if (s.stateOf(k) == SchedulerTaskState.ERRED) {
                        erred.add(k);
                    }
                }
                if (!erred.isEmpty()) {
                    handle(s.retry(c, erred.get(r.nextInt(erred.size()))));
                }
            } else if (graphs < maxGraphs) {
                submitGraph();
            } else if (!zombies.isEmpty()) {
                String[] z = zombies.removeFirst();
                long t = s.tick();
                handle(new TaskFinished(z[0], z[1], Long.parseLong(z[2]), 5, "T", t - 1, t, s.sid(), t));
            }
        }

        private void addWorker(boolean gpu) {
            String w = "tcp://w" + (workerSeq++) + ":1";
            data.put(w, new LinkedHashSet<>());
            if (gpu) {
                gpuWorkers.add(w);
            }
            handle(s.worker(w, 1 + r.nextInt(3), gpu ? Map.of("GPU", 1.0) : Map.of()));
        }

        private void killWorker(String w) {
            data.remove(w);
            gpuWorkers.remove(w);
            running.values().removeIf(w::equals);
            runningSpecs.keySet().retainAll(running.keySet());
            droppedBySteal.values().removeIf(w::equals);
            zombies.removeIf(z -> z[0].equals(w));
            handle(s.removeWorker(w));
            if (gpuWorkers.isEmpty()) {
                addWorker(true);
            }
        }

        private void submitGraph() {
            int g = graphs++;
            String client = r.nextBoolean() ? "c1" : "c2";
            var specs = new ArrayList<TaskSpec>();
            var keys = new ArrayList<String>();
            // futures from earlier graphs, and sometimes a fresh scattered value, to depend on
            var external = new ArrayList<String>();
            for (String c : List.of("c1", "c2")) {
                for (String k : s.state.wantedKeys(c)) {
                    if (s.state.task(k) != null && r.nextInt(4) == 0) {
                        external.add(k);
                    }
                }
            }
            if (r.nextInt(3) == 0) {
                String k = "scattered-" + g;
                var ws = new ArrayList<>(data.keySet());
                String holder = ws.get(r.nextInt(ws.size()));
                data.get(holder).add(k); // the client put it there before telling the scheduler
                handle(new UpdateData(
                        client, Map.of(k, new ScatteredData(List.of(holder), 100, "int[]")), s.sid(), s.tick()));
                allKeys.add(k);
                external.add(k);
            }
            var hasDependent = new LinkedHashSet<String>();
            int n = 3 + r.nextInt(25);
            for (int i = 0; i < n; i++) {
                String key = "fn" + r.nextInt(4) + "-" + g + "_" + i;
                var deps = new LinkedHashSet<String>();
                int nd = r.nextInt(Math.min(i, 3) + 1);
                for (int d = 0; d < nd; d++) {
                    deps.add(keys.get(r.nextInt(keys.size())));
                }
                if (!external.isEmpty() && r.nextInt(5) == 0) {
                    deps.add(external.get(r.nextInt(external.size())));
                }
                hasDependent.addAll(deps);
                Restrictions restr = Restrictions.NONE;
                int rr = r.nextInt(20);
                if (rr == 0) {
                    restr = Restrictions.withResources(Map.of("GPU", 1.0));
                } else if (rr == 1) {
                    var ws = new ArrayList<>(data.keySet());
                    restr = new Restrictions(Set.of(ws.get(r.nextInt(ws.size()))), true, Map.of());
                }
                specs.add(new TaskSpec(
                        key, deps, "code:" + key, r.nextInt(5) == 0 ? r.nextInt(5) - 2 : 0, r.nextInt(2), restr));
                keys.add(key);
                allKeys.add(key);
            }
            var wanted = new ArrayList<String>();
            for (String k : keys) {
                if (!hasDependent.contains(k) || r.nextInt(5) == 0) {
                    wanted.add(k);
                }
            }
            handle(new UpdateGraph(client, specs, wanted, s.sid(), s.tick()));
            if (r.nextInt(3) == 0) { // the other client asks for part of the same graph: pure keys dedupe
                String other = client.equals("c1") ? "c2" : "c1";
                int cut = r.nextInt(specs.size());
                handle(new UpdateGraph(
                        other, specs.subList(0, cut + 1), List.of(specs.get(cut).key()), s.sid(), s.tick()));
            }
        }

        private void handle(SchedulerEvent... events) {
            var out = s.handle(events); // validates
            transcript.addAll(Sched.render(out));
            for (SchedulerInstruction i : out) {
                apply(i);
            }
            checkBeliefs();
        }

        private void apply(SchedulerInstruction i) {
            switch (i) {
                case ComputeTask c -> {
                    assertThat(data).as("compute sent to a dead worker").containsKey(c.worker());
                    assertThat(running).as("computed twice at once: " + c.key()).doesNotContainKey(c.key());
                    droppedBySteal.remove(c.key()); // a released steal moved it here
                    for (var e : c.whoHas().entrySet()) {
                        assertThat(e.getValue())
                                .as("no holder for dependency " + e.getKey())
                                .isNotEmpty();
                        for (String h : e.getValue()) {
                            assertThat(data.getOrDefault(h, Set.of()))
                                    .as(h + " is said to hold " + e.getKey())
                                    .contains(e.getKey());
                        }
                    }
                    running.put(c.key(), c.worker());
                    runningSpecs.put(c.key(), c);
                }
                case CancelCompute c
                when droppedBySteal.containsKey(c.key()) -> {
                    assertThat(droppedBySteal.remove(c.key())).isEqualTo(c.worker());
                }
                case StealRequest q -> {
                    assertThat(running.get(q.key()))
                            .as("steal request for a task not running there: " + q.key())
                            .isEqualTo(q.worker());
                    assertThat(runningSpecs.get(q.key()).runId()).isEqualTo(q.runId());
                    boolean started = r.nextBoolean();
                    if (!started) { // still waiting on the worker: it drops the run
                        running.remove(q.key());
                        runningSpecs.remove(q.key());
                        droppedBySteal.put(q.key(), q.worker());
                    }
                    stealAnswers.add(new StealResponse(
                            q.worker(), q.key(), q.runId(), !started, started ? "EXECUTING" : "READY", s.sid(), 0));
                }
                case CancelCompute c -> {
                    assertThat(running.get(c.key()))
                            .as("cancel of a task not running there: " + c.key())
                            .isEqualTo(c.worker());
                    running.remove(c.key());
                    if (r.nextInt(4) == 0) {
                        // its result was already on the wire and will arrive late anyway
                        zombies.add(new String[] {
                            c.worker(),
                            c.key(),
                            Long.toString(runningSpecs.get(c.key()).runId())
                        });
                    }
                    runningSpecs.remove(c.key());
                }
                case DisconnectWorker d ->
                    throw new AssertionError("no worker time-to-live runs in this simulation, yet: " + d);
                case FreeKeys f -> {
                    assertThat(data).as("free sent to a dead worker").containsKey(f.worker());
                    data.get(f.worker()).removeAll(f.keys());
                }
                case KeyInMemory k ->
                    reported.computeIfAbsent(k.key(), x -> new LinkedHashSet<>())
                            .add("memory");
                case KeyErred k ->
                    reported.computeIfAbsent(k.key(), x -> new LinkedHashSet<>())
                            .add("erred");
                case KeyCancelled k ->
                    reported.computeIfAbsent(k.key(), x -> new LinkedHashSet<>())
                            .add("cancelled");
                case KeyLost k ->
                    reported.computeIfAbsent(k.key(), x -> new LinkedHashSet<>())
                            .add("lost");
                case KeyRecomputing k ->
                    reported.computeIfAbsent(k.key(), x -> new LinkedHashSet<>())
                            .add("recomputing");
                case SchedulerInstruction.WorkersPaused w -> {} // about the cluster, not a key
                case SchedulerInstruction.AcquireReplicas a ->
                    throw new AssertionError("copies asked for without a retirement: " + a);
                case SchedulerInstruction.RetireWorker r ->
                    throw new AssertionError("a worker retired without a retirement: " + r);
                case SchedulerInstruction.RetirementFailed f ->
                    throw new AssertionError("a retirement failed without a retirement: " + f);
            }
        }

        /** The scheduler's picture equals the simulated reality. */
        private void checkBeliefs() {
            for (WorkerView w : s.state.workers()) {
                var runningThere = new LinkedHashSet<String>();
                running.forEach((k, v) -> {
                    if (v.equals(w.address())) {
                        runningThere.add(k);
                    }
                });
                droppedBySteal.forEach((k, v) -> {
                    if (v.equals(w.address())) {
                        runningThere.add(k);
                    }
                });
                assertThat(w.processingKeys())
                        .as("processing on " + w.address())
                        .isEqualTo(runningThere);
                assertThat(w.heldKeys()).as("held by " + w.address()).isEqualTo(data.get(w.address()));
            }
            assertThat(s.state.workers()).hasSize(data.size());
        }

        private void checkOutcome() {
            for (String c : List.of("c1", "c2")) {
                for (String k : s.state.wantedKeys(c)) {
                    SchedulerTaskState st = s.stateOf(k);
                    if (errors) {
                        assertThat(st).as(k).isIn(SchedulerTaskState.MEMORY, SchedulerTaskState.ERRED);
                    } else {
                        assertThat(st).as(k).isEqualTo(SchedulerTaskState.MEMORY);
                    }
                    assertThat(reported.get(k))
                            .as("client never told about " + k)
                            .containsAnyOf(st == SchedulerTaskState.MEMORY ? "memory" : "erred");
                }
            }
        }
    }
}
