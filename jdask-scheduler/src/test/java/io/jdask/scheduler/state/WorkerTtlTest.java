package io.jdask.scheduler.state;

import static io.jdask.scheduler.state.Sched.spec;
import static io.jdask.scheduler.state.SchedulerStateTest.A;
import static io.jdask.scheduler.state.SchedulerStateTest.B;
import static io.jdask.scheduler.state.SchedulerStateTest.cluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.scheduler.state.SchedulerInstruction.DisconnectWorker;
import io.jdask.scheduler.state.SchedulerInstruction.KeyErred;
import org.junit.jupiter.api.Test;

/**
 * The worker time-to-live (issue 14 item 2): a worker the scheduler has not heard from for longer than the TTL is
 * removed as if its connection had closed, and the shell is told to disconnect it. Driven by events and their times.
 */
class WorkerTtlTest {
    private static final long SECOND = 1_000_000_000L;
    private static final SchedulerConfig TTL_10S = SchedulerConfig.builder()
            .shortTaskLatencyNanos(0)
            .workerTtlNanos(10 * SECOND)
            .build();

    @Test
    void aSilentWorkerIsRemovedItsTaskRerunsElsewhereAndTheShellDisconnectsIt() {
        var s = cluster(TTL_10S, A, B);
        assertThat(s.run(s.submitAll("c1", spec("x"), spec("y")))).containsExactly("compute x@" + A, "compute y@" + B);
        s.advance(6 * SECOND);
        s.handle(s.heartbeat(B));
        assertThat(s.run(s.checkTtl())).as("A silent for 6 s, under the TTL").isEmpty();
        s.advance(5 * SECOND);
        s.handle(s.heartbeat(B));

        var out = s.handle(s.checkTtl());

        assertThat(Sched.render(out)).containsExactly("disconnect " + A, "compute x@" + B);
        var d = (DisconnectWorker) out.getFirst();
        assertThat(d.reason()).contains("no word from it for 11.0 s").contains("time-to-live of 10.0 s");
        assertThat(s.state.worker(A)).isNull();
        assertThat(s.state.task("x").processingOn()).isEqualTo(B);
        assertThat(s.state.story(A).toString()).contains("worker removed: no word from it");
    }

    @Test
    void anyEventFromAWorkerCountsAsWordFromIt() {
        var s = cluster(TTL_10S, A, B);
        s.handle(s.submitAll("c1", spec("x"), spec("y")));
        s.advance(9 * SECOND);
        s.handle(s.finish(A, "x")); // not a heartbeat, but A is alive
        s.handle(s.heartbeat(B));
        s.advance(9 * SECOND);
        s.handle(s.heartbeat(B));
        assertThat(s.run(s.checkTtl())).isEmpty();
        assertThat(s.state.worker(A).lastSeenNanos())
                .isLessThan(s.state.worker(B).lastSeenNanos());

        s.advance(2 * SECOND);
        s.handle(s.heartbeat(B));
        assertThat(s.run(s.checkTtl())) // x, which only A held, is computed again
                .containsExactly("disconnect " + A, "recomputing x>[c1]", "compute x@" + B);
    }

    @Test
    void dataOnlyTheSilentWorkerHeldIsComputedAgain() {
        var s = cluster(TTL_10S, A, B);
        s.handle(s.submitAll("c1", spec("x")));
        s.handle(s.finish(A, "x"));
        s.advance(11 * SECOND);
        s.handle(s.heartbeat(B));

        assertThat(s.run(s.checkTtl())).containsExactly("disconnect " + A, "recomputing x>[c1]", "compute x@" + B);
    }

    @Test
    void aLateResultFromTheRemovedWorkerIsIgnoredAndTheRerunsResultCounts() {
        var s = cluster(TTL_10S, A, B);
        s.handle(s.submitAll("c1", spec("x")));
        var late = s.finish(A, "x"); // made now (run id of A's run), delivered after the removal
        s.advance(11 * SECOND);
        s.handle(s.heartbeat(B));
        s.handle(s.checkTtl());

        assertThat(s.run(late)).as("A was removed: its report is stale").isEmpty();
        assertThat(s.stateOf("x")).isEqualTo(SchedulerTaskState.PROCESSING);
        assertThat(s.run(s.finish(B, "x"))).containsExactly("memory x>[c1]");
        assertThat(s.state.task("x").whoHas()).containsExactly(B);
    }

    @Test
    void aWorkerThatComesBackRegistersAsNewAndGetsFreshWork() {
        var s = cluster(TTL_10S, A, B);
        s.handle(s.submitAll("c1", spec("x"), spec("y")));
        s.advance(11 * SECOND);
        s.handle(s.heartbeat(B));
        s.handle(s.checkTtl());
        assertThat(s.run(s.worker(A, 1)))
                .as("x and y both run on B; A is new and idle")
                .isEmpty();
        assertThat(s.run(s.submitAll("c1", spec("z")))).containsExactly("compute z@" + A);
    }

    @Test
    void removalsForSilenceCountTowardsKilledWorkerAndSaySo() {
        var s = cluster(TTL_10S, A);
        s.handle(s.submitAll("c1", spec("hang")));
        var last = java.util.List.<SchedulerInstruction>of();
        for (int i = 1; i <= 3; i++) {
            String w = "tcp://w" + i + ":1";
            s.handle(s.worker(w, 1));
            String on = s.state.task("hang").processingOn();
            s.advance(11 * SECOND);
            for (var other : s.state.workers()) {
                if (!other.address().equals(on)) s.handle(s.heartbeat(other.address()));
            }
            last = s.handle(s.checkTtl());
        }
        var erred = (KeyErred) last.getFirst();
        assertThat(((KilledWorker) erred.error()).cause()).startsWith("it was silent: no word from it for");
    }

    @Test
    void aZeroTtlNeverRemovesAnyone() {
        var s = cluster(SchedulerConfig.builder().workerTtlNanos(0).build(), A);
        s.advance(3600 * SECOND);
        assertThat(s.run(s.checkTtl())).isEmpty();
        assertThat(s.state.worker(A)).isNotNull();
    }

    @Test
    void theDefaultTtlIsThirtySeconds() {
        var s = cluster(A);
        s.advance(29 * SECOND);
        assertThat(s.run(s.checkTtl())).isEmpty();
        s.advance(2 * SECOND);
        assertThat(s.run(s.checkTtl())).containsExactly("disconnect " + A);
    }

    @Test
    void aHeartbeatRecordsTheWorkersFigures() {
        var s = cluster(TTL_10S, A);
        var hb = s.heartbeat(A);
        s.handle(hb);
        WorkerView a = s.state.worker(A);
        assertThat(a.lastSeenNanos()).isEqualTo(hb.now());
        assertThat(a.managedBytes()).isEqualTo(100);
        assertThat(a.spilledBytes()).isEqualTo(200);
        assertThat(a.heapBytes()).isEqualTo(300);
    }
}
