package io.jdask.scheduler;

import static io.jdask.scheduler.Connection.Role.CLIENT;
import static io.jdask.scheduler.Connection.Role.CLOSED;
import static io.jdask.scheduler.Connection.Role.NEW;
import static io.jdask.scheduler.Connection.Role.WORKER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.GraphMessage;
import io.jdask.protocol.Ping;
import io.jdask.protocol.RunSpec;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.WorkerMsg;
import io.jdask.scheduler.state.SchedulerEvent;
import io.jdask.scheduler.state.SchedulerInstruction;
import io.jdask.scheduler.state.SchedulerState;
import io.jdask.scheduler.state.TaskSpec;
import io.jdask.scheduler.state.TaskView;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure message-to-event translation: no sockets, no threads, no state. */
class TranslatorTest {
    private static final String W = "tcp://10.0.0.1:4000";
    private static final long NOW = 42;

    private final Translator t = new Translator(new Stimuli());

    @Test
    void anUpdateGraphBecomesOneEventWithTheClientsRunSpecs() {
        byte[] code = {1, 2, 3};
        var graph = new GraphMessage(ClientMsg.TaskOptions.NONE);
        graph.add("x", List.of(), code);
        graph.add(
                "y",
                List.of("x", "old-1"),
                new byte[] {4},
                new ClientMsg.TaskOptions(5, 2, List.of(W), true, Map.of()));
        var msg = graph.build(List.of("y"));

        var e = (SchedulerEvent.UpdateGraph) event(t.translate(CLIENT, "c1", msg, NOW));

        assertThat(e.clientId()).isEqualTo("c1");
        assertThat(e.wantedKeys()).containsExactly("y");
        assertThat(e.stimulusId()).isEqualTo("update-graph-1");
        assertThat(e.now()).isEqualTo(NOW);
        // What the state machine makes of it: each task with its own slice of the run specs, and its options.
        var s = SchedulerState.create();
        s.handle(
                new SchedulerEvent.AddClient("c1", "s0", NOW),
                new SchedulerEvent.AddWorker(W, 4, 1L << 30, Map.of(), "w", "s1", NOW),
                new SchedulerEvent.UpdateGraph(
                        "c1", List.of(TaskSpec.of("old-1", "code")), List.of("old-1"), "s2", NOW));
        var started = computes(s.handle(e));
        assertThat(started).containsOnlyKeys("x");
        assertThat(started.get("x").runSpec()).isInstanceOf(RunSpec.class);
        assertThat(((RunSpec) started.get("x").runSpec()).bytes()).containsExactly(1, 2, 3);
        assertThat(((RunSpec) started.get("x").runSpec()).clientId()).isEqualTo("c1");
        assertThat(s.task("x").dependencies()).isEmpty();
        TaskView y = s.task("y");
        assertThat(y.dependencies()).containsExactly("x", "old-1");
        assertThat(y.retriesLeft()).isEqualTo(2);
        assertThat(y.priority().get(0)).isEqualTo(-5);
        s.handle(finished(s, "old-1"));
        started = computes(s.handle(finished(s, "x")));
        assertThat(((RunSpec) started.get("y").runSpec()).bytes()).containsExactly(4);
        s.validate();
    }

    private static SchedulerEvent finished(SchedulerState s, String key) {
        return new SchedulerEvent.TaskFinished(W, key, s.task(key).runId(), 8, "Integer", 0, 10, "done-" + key, NOW);
    }

    private static Map<String, SchedulerInstruction.ComputeTask> computes(List<SchedulerInstruction> out) {
        var m = new LinkedHashMap<String, SchedulerInstruction.ComputeTask>();
        for (SchedulerInstruction i : out) {
            if (i instanceof SchedulerInstruction.ComputeTask c) {
                m.put(c.key(), c);
            }
        }
        return m;
    }

    @Test
    void clientKeyMessagesBecomeTheirEvents() {
        assertThat(event(t.translate(CLIENT, "c1", new ClientMsg.ReleaseKeys(List.of("a")), NOW)))
                .isEqualTo(new SchedulerEvent.ReleaseKeys("c1", List.of("a"), "release-keys-1", NOW));
        assertThat(event(t.translate(CLIENT, "c1", new ClientMsg.CancelKeys(List.of("a")), NOW)))
                .isEqualTo(new SchedulerEvent.CancelKeys("c1", List.of("a"), false, "cancel-keys-2", NOW));
        assertThat(event(t.translate(CLIENT, "c1", new ClientMsg.DesireKeys(List.of("a")), NOW)))
                .satisfies(e -> assertWants(e, "c1", "a", "desire-keys-3"));
        assertThat(event(t.translate(CLIENT, "c1", new ClientMsg.FireAndForget(List.of("a")), NOW)))
                .satisfies(e -> assertWants(e, Translator.FIRE_AND_FORGET, "a", "fire-and-forget-4"));
    }

    @Test
    void aScatterBecomesUpdateDataWithUnknownSizesAsMinusOne() {
        var msg = new ClientMsg.ScatterDone(Map.of("a", List.of(W), "b", List.of(W)), Map.of("a", 10L));
        var e = (SchedulerEvent.UpdateData) event(t.translate(CLIENT, "c1", msg, NOW));
        var expected = new LinkedHashMap<String, Long>();
        e.data().forEach((k, d) -> expected.put(k, d.nbytes()));
        assertThat(expected).containsOnly(Map.entry("a", 10L), Map.entry("b", -1L));
    }

    @Test
    void aStealResponseBecomesItsEventFromThatWorker() {
        var msg = new WorkerMsg.StealResponse("x", 4, true, "READY", "s-w");
        assertThat(event(t.translate(WORKER, W, msg, NOW)))
                .isEqualTo(new SchedulerEvent.StealResponse(W, "x", 4, true, "READY", "s-w", NOW));
    }

    @Test
    void requestsGoToTheShellUntranslated() {
        var info = new ClientMsg.ClusterInfoRequest(7);
        assertThat(t.translate(CLIENT, "c1", info, NOW)).isEqualTo(new Translation.ClientRequest(info));
        var fetch = new WorkerMsg.FetchClass(1, "c1", "A");
        assertThat(t.translate(WORKER, W, fetch, NOW)).isEqualTo(new Translation.WorkerRequest(fetch));
    }

    @Test
    void aTaskFinishedCarriesItsStreamEntryAndInlineBytes() {
        byte[] inline = {9};
        var msg = new WorkerMsg.TaskFinished("x", 3, 8, "Integer", 2_000, 5_000, 1, inline, "s-w");

        var r = (Translation.TaskReport) t.translate(WORKER, W, msg, NOW);

        assertThat(r.event())
                .isEqualTo(new SchedulerEvent.TaskFinished(W, "x", 3, 8, "Integer", 2_000, 5_000, "s-w", NOW));
        assertThat(r.entry()).isEqualTo(new SchedulerMsg.TaskStreamEntry("x", W, 1, 2, 5, false));
        assertThat(r.inlineValue()).isSameAs(inline);
    }

    @Test
    void aTaskThatFailedBeforeRunningHasNoStreamEntryAndAWorkerStimulusIsMadeUpWhenMissing() {
        var msg = new WorkerMsg.TaskErred("x", 3, null, "E", "boom", "trace", 0, 0, -1, null);

        var r = (Translation.TaskReport) t.translate(WORKER, W, msg, NOW);

        assertThat(r.entry()).isNull();
        assertThat(r.inlineValue()).isNull();
        var e = (SchedulerEvent.TaskErred) r.event();
        assertThat(e.stimulusId()).isEqualTo("task-erred-1");
        assertThat(e.error()).isEqualTo(new WorkerError(null, "E", "boom", "trace"));
    }

    @Test
    void aNewConnectionMustRegisterWithAnAddress() {
        var reg = new WorkerMsg.RegisterWorker(W, "w1", 2, 1 << 20, null, 99);
        var r = (Translation.RegisterWorker) t.translate(NEW, null, reg, NOW);
        assertThat(r.event().address()).isEqualTo(W);
        assertThat(r.event().resources()).isEmpty();
        assertThat(r.pid()).isEqualTo(99);

        assertThat(t.translate(NEW, null, new WorkerMsg.RegisterWorker("", "w1", 2, 0, null, 1), NOW))
                .isInstanceOf(Translation.Reject.class);
        assertThat(t.translate(NEW, null, new WorkerMsg.AddKeys(List.of("a"), "s"), NOW))
                .isInstanceOf(Translation.Reject.class);
    }

    @Test
    void aMessageOfAnotherRoleIsRejected() {
        assertThat(t.translate(CLIENT, "c1", new WorkerMsg.AddKeys(List.of("a"), "s"), NOW))
                .isInstanceOf(Translation.Reject.class);
        assertThat(t.translate(WORKER, W, new ClientMsg.ReleaseKeys(List.of("a")), NOW))
                .isInstanceOf(Translation.Reject.class);
        assertThat(t.translate(WORKER, W, new WorkerMsg.RegisterWorker(W, "w1", 2, 0, null, 1), NOW))
                .isInstanceOf(Translation.Reject.class);
        assertThat(t.translate(CLIENT, "c1", Ping.of(1), NOW)).isInstanceOf(Translation.Reject.class);
        assertThat(t.translate(CLOSED, "c1", new ClientMsg.ReleaseKeys(List.of("a")), NOW))
                .isInstanceOf(Translation.Reject.class);
    }

    @Test
    void aMissingRequiredFieldThrows() {
        assertThatThrownBy(() -> t.translate(CLIENT, "c1", new ClientMsg.ReleaseKeys(null), NOW))
                .isInstanceOf(IllegalArgumentException.class);
        var noCode = malformed(List.of("x"), new int[] {0}, new int[0], new int[] {9}, new int[0]);
        assertThatThrownBy(() -> t.translate(CLIENT, "c1", noCode, NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("runSpecEnds[0] = 9")
                .hasMessageContaining("'x'");
        var selfLoop = malformed(List.of("x"), new int[] {1}, new int[] {0}, new int[] {0}, new int[0]);
        assertThatThrownBy(() -> t.translate(CLIENT, "c1", selfLoop, NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("task 'x' depends on itself");
        var pastTheEnd = malformed(List.of("x"), new int[] {1}, new int[] {3}, new int[] {0}, new int[0]);
        assertThatThrownBy(() -> t.translate(CLIENT, "c1", pastTheEnd, NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reference 3, outside the 1 tasks and 0 known keys");
        var unknownWanted = malformed(List.of("x"), new int[] {0}, new int[0], new int[] {0}, new int[] {-1});
        assertThatThrownBy(() -> t.translate(CLIENT, "c1", unknownWanted, NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a wanted key is reference -1");
        var shortEnds = malformed(List.of("x", "y"), new int[] {0}, new int[0], new int[] {0, 0}, new int[0]);
        assertThatThrownBy(() -> t.translate(CLIENT, "c1", shortEnds, NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dependencyEnds has 1 entries for 2 tasks");
    }

    private static ClientMsg.UpdateGraph malformed(
            List<String> keys, int[] dependencyEnds, int[] dependencies, int[] runSpecEnds, int[] wanted) {
        return new ClientMsg.UpdateGraph(
                keys,
                dependencyEnds,
                dependencies,
                List.of(),
                new byte[1],
                runSpecEnds,
                List.of(ClientMsg.TaskOptions.NONE),
                new int[0],
                wanted);
    }

    private static void assertWants(SchedulerEvent e, String client, String key, String stimulusId) {
        var u = (SchedulerEvent.UpdateGraph) e;
        assertThat(u.clientId()).isEqualTo(client);
        assertThat(u.graph().size()).isZero();
        assertThat(u.wantedKeys()).containsExactly(key);
        assertThat(u.stimulusId()).isEqualTo(stimulusId);
        assertThat(u.now()).isEqualTo(NOW);
    }

    private static SchedulerEvent event(Translation tr) {
        assertThat(tr).isInstanceOf(Translation.Event.class);
        return ((Translation.Event) tr).event();
    }
}
