package io.jdask.scheduler.state;

import static io.jdask.scheduler.state.Sched.spec;
import static io.jdask.scheduler.state.SchedulerStateTest.A;
import static io.jdask.scheduler.state.SchedulerStateTest.B;
import static io.jdask.scheduler.state.SchedulerStateTest.cluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.scheduler.state.SchedulerInstruction.KeyErred;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A worker whose memory is past its pause fraction gets no new work until it unpauses; deaths carry their cause. */
class PausedWorkersTest {

    @Test
    void newTasksGoToTheWorkerThatIsNotPaused() {
        var s = cluster(A, B);
        s.handle(s.memory(A, true));
        assertThat(s.run(s.submitAll("c1", spec("x")))).containsExactly("compute x@" + B);
        assertThat(s.run(s.submitAll("c1", spec("y")))).containsExactly("compute y@" + B);
        assertThat(s.run(s.submitAll("c1", spec("z")))).isEmpty(); // B's slots are full, A paused: z waits
        WorkerView a = s.state.workers().stream()
                .filter(w -> w.address().equals(A))
                .findFirst()
                .orElseThrow();
        assertThat(a.paused()).isTrue();
        assertThat(a.managedBytes()).isEqualTo(100);
        assertThat(a.spilledBytes()).isEqualTo(200);

        // A unpauses: the queued task goes to it at once
        assertThat(s.run(s.memory(A, false))).containsExactly("compute z@" + A);
    }

    @Test
    void withEveryWorkerPausedTasksWaitAndRunOnUnpause() {
        var s = cluster(A);
        s.handle(s.memory(A, true));
        assertThat(s.run(s.submit("c1", List.of("z"), spec("x"), spec("z", "x"))))
                .isEmpty();
        assertThat(s.run(s.memory(A, true))).isEmpty(); // a report that changes nothing
        assertThat(s.run(s.memory(A, false))).containsExactly("compute x@" + A);
    }

    @Test
    void aTaskThatPausesItsWorkerKeepsRunningThere() {
        var s = cluster(A, B);
        s.handle(s.submitAll("c1", spec("x")));
        String on = s.state.task("x").processingOn();
        assertThat(s.run(s.memory(on, true))).isEmpty(); // no cancel, no move
        assertThat(s.state.task("x").processingOn()).isEqualTo(on);
    }

    @Test
    void killedWorkerCarriesTheCauseOfTheLastDeath() {
        var s = cluster(A);
        s.handle(s.submitAll("c1", spec("bomb")));
        for (int i = 1; i <= 2; i++) {
            String w = "tcp://w" + i + ":1";
            s.handle(s.worker(w, 1));
            s.handle(s.removeWorker(s.state.task("bomb").processingOn()));
        }
        var out = s.handle(s.removeWorker("tcp://w2:1", "exit code 3, out of memory (Java heap space)"));
        var erred = (KeyErred) out.getFirst();
        var killed = (KilledWorker) erred.error();
        assertThat(killed.cause()).isEqualTo("exit code 3, out of memory (Java heap space)");
        assertThat(killed.message()).contains("tcp://w2:1, which died: exit code 3, out of memory (Java heap space)");
    }

    @Test
    void aWorkerThatSaidWhyItExitsIsBlamedWithThatCause() {
        var s = cluster(A);
        s.handle(s.submitAll("c1", spec("bomb")));
        for (int i = 1; i <= 2; i++) {
            String w = "tcp://w" + i + ":1";
            s.handle(s.worker(w, 1));
            s.handle(s.removeWorker(s.state.task("bomb").processingOn()));
        }
        s.handle(new SchedulerEvent.WorkerMemory("tcp://w2:1", 0, 0, 0, true, "heap past 0.95", s.sid(), s.tick()));
        var out = s.handle(s.removeWorker("tcp://w2:1"));
        assertThat(((KilledWorker) ((KeyErred) out.getFirst()).error()).cause()).isEqualTo("heap past 0.95");
    }
}
