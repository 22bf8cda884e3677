package io.jdask.scheduler;

import static io.jdask.scheduler.Connection.Role.CLIENT;
import static io.jdask.scheduler.Connection.Role.CLOSED;
import static io.jdask.scheduler.Connection.Role.NEW;
import static io.jdask.scheduler.Connection.Role.WORKER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.Ping;
import io.jdask.protocol.RunSpec;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.WorkerMsg;
import io.jdask.scheduler.state.Restrictions;
import io.jdask.scheduler.state.SchedulerEvent;
import io.jdask.scheduler.state.TaskSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pure message-to-event translation: no sockets, no threads, no state. */
class TranslatorTest {
    private static final String W = "tcp://10.0.0.1:4000";
    private static final long NOW = 42;

    private final Translator t = new Translator(new Stimuli());

    @Test
    void anUpdateGraphBecomesOneEventWithTheClientsRunSpecs() {
        byte[] code = {1, 2, 3};
        var msg = new ClientMsg.UpdateGraph(
                List.of(
                        new ClientMsg.GraphTask("x", List.of(), code, 0, 0, List.of(), false, Map.of()),
                        new ClientMsg.GraphTask("y", List.of("x"), code, 5, 2, List.of(W), true, Map.of())),
                List.of("y"));

        var e = (SchedulerEvent.UpdateGraph) event(t.translate(CLIENT, "c1", msg, NOW));

        assertThat(e.clientId()).isEqualTo("c1");
        assertThat(e.wantedKeys()).containsExactly("y");
        assertThat(e.stimulusId()).isEqualTo("update-graph-1");
        assertThat(e.now()).isEqualTo(NOW);
        TaskSpec x = e.tasks().get(0);
        assertThat(x.dependencies()).isEmpty();
        assertThat(x.restrictions()).isEqualTo(Restrictions.NONE);
        assertThat(x.runSpec()).isEqualTo(new RunSpec(code, "c1")).isInstanceOf(RunSpec.class);
        TaskSpec y = e.tasks().get(1);
        assertThat(y.dependencies()).containsExactly("x");
        assertThat(y.restrictions()).isEqualTo(new Restrictions(Set.of(W), true, Map.of()));
    }

    @Test
    void clientKeyMessagesBecomeTheirEvents() {
        assertThat(event(t.translate(CLIENT, "c1", new ClientMsg.ReleaseKeys(List.of("a")), NOW)))
                .isEqualTo(new SchedulerEvent.ReleaseKeys("c1", List.of("a"), "release-keys-1", NOW));
        assertThat(event(t.translate(CLIENT, "c1", new ClientMsg.CancelKeys(List.of("a")), NOW)))
                .isEqualTo(new SchedulerEvent.CancelKeys("c1", List.of("a"), false, "cancel-keys-2", NOW));
        assertThat(event(t.translate(CLIENT, "c1", new ClientMsg.DesireKeys(List.of("a")), NOW)))
                .isEqualTo(new SchedulerEvent.UpdateGraph("c1", List.of(), List.of("a"), "desire-keys-3", NOW));
        assertThat(event(t.translate(CLIENT, "c1", new ClientMsg.FireAndForget(List.of("a")), NOW)))
                .isEqualTo(new SchedulerEvent.UpdateGraph(
                        Translator.FIRE_AND_FORGET, List.of(), List.of("a"), "fire-and-forget-4", NOW));
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
        var noCode = new ClientMsg.UpdateGraph(
                List.of(new ClientMsg.GraphTask("x", List.of(), null, 0, 0, List.of(), false, Map.of())), List.of());
        assertThatThrownBy(() -> t.translate(CLIENT, "c1", noCode, NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'x'");
    }

    private static SchedulerEvent event(Translation tr) {
        assertThat(tr).isInstanceOf(Translation.Event.class);
        return ((Translation.Event) tr).event();
    }
}
