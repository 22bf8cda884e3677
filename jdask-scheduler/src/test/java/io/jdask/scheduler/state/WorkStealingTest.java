package io.jdask.scheduler.state;

import static io.jdask.scheduler.state.Sched.spec;
import static io.jdask.scheduler.state.SchedulerStateTest.A;
import static io.jdask.scheduler.state.SchedulerStateTest.B;
import static io.jdask.scheduler.state.SchedulerStateTest.C;
import static io.jdask.scheduler.state.SchedulerStateTest.cluster;
import static io.jdask.scheduler.state.SchedulerTaskState.MEMORY;
import static io.jdask.scheduler.state.SchedulerTaskState.PROCESSING;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Work stealing in the pure state: which tasks a {@link SchedulerEvent.Balance} asks to move and why others stay, and
 * the scheduler's half of the conversation with the victim, races included. Duration estimates are the default 0.5 s
 * unless a test finishes a task first; every worker has one thread.
 */
class WorkStealingTest {

    /** y-1..y-n all take x-1 (8 bytes, on A) and were placed on A while it was alone; then B joined, idle. */
    static Sched loaded(int n, TaskSpec... extra) {
        var s = cluster(A);
        s.handle(s.submitAll("c1", spec("x-1")));
        s.handle(s.finish(A, "x-1", 8));
        var specs = new java.util.ArrayList<TaskSpec>();
        for (int i = 1; i <= n; i++) {
            specs.add(spec("y-" + i, "x-1"));
        }
        specs.addAll(List.of(extra));
        s.handle(s.submitAll("c1", specs.toArray(new TaskSpec[0])));
        assertThat(s.state.worker(A).processingCount()).isEqualTo(n + extra.length);
        s.handle(s.worker(B, 1));
        return s;
    }

    @Nested
    class Decisions {
        @Test
        void theNewestWaitingTasksMoveUntilTheExpectedWaitsAreEven() {
            var s = loaded(4);
            assertThat(s.state.balanceWanted()).isTrue();
            // A: 4 x 0.5 s; y-4 to B (0 + 10 ms + 0.5 <= 2.0 - 0.25), then y-3 (0.5 + 0.51 <= 1.5 - 0.25); then A
            // expects 1.0 s and B 1.0 s, and y-2 would finish later on B than on A.
            assertThat(s.run(s.balance())).containsExactly("steal y-4@" + A, "steal y-3@" + A);
            assertThat(s.state.stealsInFlight()).containsExactly("y-4", "y-3");
            // Nothing moves until the victim answers; the tasks still count as processing on A.
            assertThat(s.state.task("y-4").processingOn()).isEqualTo(A);
            // A second balance does not ask again for what is in flight, nor for more.
            assertThat(s.run(s.balance())).isEmpty();
        }

        @Test
        void aBalancedClusterWantsNoBalance() {
            var s = cluster(A, B);
            s.handle(s.submitAll("c1", spec("x-1")));
            s.handle(s.finish(A, "x-1", 8));
            s.handle(s.submitAll("c1", spec("y-1", "x-1"), spec("y-2", "x-1")));
            // One task each: nobody is idle, nobody waits for a thread.
            assertThat(s.state.worker(A).processingCount()).isEqualTo(1);
            assertThat(s.state.balanceWanted()).isFalse();
            assertThat(s.run(s.balance())).isEmpty();
        }

        @Test
        void twoTasksOnOneThreadAreWorthMovingOneIsNot() {
            var s = loaded(2);
            assertThat(s.run(s.balance())).containsExactly("steal y-2@" + A);

            var one = loaded(1);
            assertThat(one.state.balanceWanted()).isFalse(); // A runs its one task; nothing waits
            assertThat(one.run(one.balance())).isEmpty();
        }

        @Test
        void inputsTooCostlyToMoveKeepTheTasksWhereTheyAre() {
            var s = cluster(A);
            s.handle(s.submitAll("c1", spec("x-1")));
            s.handle(s.finish(A, "x-1", 400_000_000L)); // 4 s at the default 100 MB/s
            s.handle(s.submitAll("c1", spec("y-1", "x-1"), spec("y-2", "x-1"), spec("y-3", "x-1"), spec("y-4", "x-1")));
            s.handle(s.worker(B, 1));
            assertThat(s.state.balanceWanted()).isTrue();
            // B would first fetch for 4 s a task A starts within 1.5 s.
            assertThat(s.run(s.balance())).isEmpty();
        }

        @Test
        void tasksJudgedQuickWhenPlacedMoveOnceTheyTurnOutSlow() {
            var s = cluster(A);
            s.handle(s.submitAll("c1", spec("x-1")));
            s.handle(s.finish(A, "x-1", 8_000_000)); // 80 ms to move
            s.handle(s.submitAll("c1", spec("y-0", "x-1")));
            s.handle(s.finishTook(A, "y-0", 100_000)); // y tasks "take" 0.1 ms
            var specs = new TaskSpec[10];
            for (int i = 0; i < 10; i++) specs[i] = spec("y-" + (i + 1), "x-1");
            s.handle(s.submitAll("c1", specs));
            s.handle(s.worker(B, 1));
            // Ten tasks of 0.1 ms: not worth 80 ms of transfer.
            assertThat(s.run(s.balance())).isEmpty();
            // The first takes 100 ms: the estimate becomes 50 ms, and the nine left on A are worth spreading, although
            // they were listed when moving them looked 900 times dearer than running them.
            s.handle(s.finishTook(A, "y-1", 100_000_000));
            assertThat(s.run(s.balance())).containsExactly("steal y-10@" + A, "steal y-9@" + A, "steal y-8@" + A);
        }

        @Test
        void shortTasksAreNotWorthTheConversation() {
            var s = cluster(A);
            s.handle(s.submitAll("c1", spec("x-1")));
            s.handle(s.finish(A, "x-1", 8));
            s.handle(s.submitAll("c1", spec("y-0", "x-1")));
            s.handle(s.finishTook(A, "y-0", 1_000_000)); // y tasks take 1 ms
            var specs = new TaskSpec[5];
            for (int i = 0; i < 5; i++) specs[i] = spec("y-" + (i + 1), "x-1");
            s.handle(s.submitAll("c1", specs));
            s.handle(s.worker(B, 1));
            // A expects 5 ms; B would need 10 ms of conversation before it could even start one.
            assertThat(s.state.balanceWanted()).isTrue();
            assertThat(s.run(s.balance())).isEmpty();
        }

        @Test
        void restrictedActorAndSecededTasksAreNeverStolen() {
            var named =
                    new TaskSpec("r-1", new LinkedHashSet<>(List.of("x-1")), "run", 0, 0, Restrictions.toWorkers(A));
            var gpu = new TaskSpec(
                    "g-1",
                    new LinkedHashSet<>(List.of("x-1")),
                    "run",
                    0,
                    0,
                    Restrictions.withResources(Map.of("GPU", 1.0)));
            var s = Sched.create(
                    SchedulerConfig.builder().shortTaskLatencyNanos(0).build());
            s.handle(s.client("c1"), s.worker(A, 1, Map.of("GPU", 1.0)));
            s.handle(s.submitAll("c1", spec("x-1")));
            s.handle(s.finish(A, "x-1", 8));
            s.handle(s.submitAll(
                    "c1", spec("y-1", "x-1"), named, spec("actor-counter-1", "x-1"), spec("w-1", "x-1"), gpu));
            s.handle(s.submitAll("c1", spec("y-2", "x-1")));
            s.handle(s.longRunning(A, "w-1"));
            s.handle(s.worker(B, 1, Map.of("GPU", 1.0)));
            // A expects 2.5 s (five active tasks); only the plain y tasks may go, and both are worth it.
            assertThat(s.run(s.balance())).containsExactly("steal y-2@" + A, "steal y-1@" + A);
            s.handle(s.stealAnswer(A, "y-2", true), s.stealAnswer(A, "y-1", true));
            // A still has three active tasks, B two: with a third worker idle, only B's newest waiting task moves;
            // A's stay.
            s.handle(s.worker(C, 1, Map.of("GPU", 1.0)));
            assertThat(s.state.balanceWanted()).isTrue();
            assertThat(s.run(s.balance())).containsExactly("steal y-1@" + B);
            assertThat(s.state.worker(A).processingKeys()).containsExactly("r-1", "actor-counter-1", "w-1", "g-1");
        }

        @Test
        void withStealingOffNothingIsListedOrRequested() {
            var s = Sched.create(SchedulerConfig.builder()
                    .shortTaskLatencyNanos(0)
                    .workStealing(false)
                    .build());
            s.handle(s.client("c1"), s.worker(A, 1));
            s.handle(s.submitAll("c1", spec("x-1")));
            s.handle(s.finish(A, "x-1", 8));
            s.handle(s.submitAll("c1", spec("y-1", "x-1"), spec("y-2", "x-1"), spec("y-3", "x-1")));
            s.handle(s.worker(B, 1));
            assertThat(s.state.balanceWanted()).isFalse();
            assertThat(s.run(s.balance())).isEmpty();
        }

        @Test
        void thievesAreChosenByWhereTheTaskWouldStartFirst() {
            var s = loaded(6);
            s.handle(s.worker(C, 1));
            var out = s.run(s.balance());
            // Six tasks of 0.5 s on A: two move to B and two to C, alternating as their waits grow.
            assertThat(out).containsExactly("steal y-6@" + A, "steal y-5@" + A, "steal y-4@" + A, "steal y-3@" + A);
            assertThat(s.state.story("y-6").toString()).contains(B);
            assertThat(s.state.story("y-5").toString()).contains(C);
        }
    }

    @Nested
    class Conversation {
        @Test
        void aReleasedTaskGoesToTheThiefAsANewRun() {
            var s = loaded(4);
            s.handle(s.balance());
            long oldRun = s.runId("y-4");
            assertThat(s.run(s.stealAnswer(A, "y-4", true))).containsExactly("compute y-4@" + B);
            assertThat(s.state.task("y-4").processingOn()).isEqualTo(B);
            assertThat(s.runId("y-4")).isGreaterThan(oldRun);
            assertThat(s.state.worker(A).processingKeys()).containsExactly("y-1", "y-2", "y-3");
            assertThat(s.state.stealsInFlight()).containsExactly("y-3");

            // A late result of the old run from A is ignored; B's result counts, once.
            var stale = new SchedulerEvent.TaskFinished(A, "y-4", oldRun, 8, "", 0, 100, "late", 50_000);
            assertThat(s.run(stale)).isEmpty();
            assertThat(s.state.task("y-4").state()).isEqualTo(PROCESSING);
            assertThat(s.run(s.finish(B, "y-4"))).containsExactly("memory y-4>[c1]");
            assertThat(s.state.task("y-4").whoHas()).containsExactly(B);
        }

        @Test
        void aRefusedStealLeavesTheTaskOnTheVictimAndIsNotAskedAgain() {
            var s = loaded(4);
            s.handle(s.balance());
            assertThat(s.run(s.stealAnswer(A, "y-4", false))).isEmpty();
            assertThat(s.state.task("y-4").processingOn()).isEqualTo(A);
            assertThat(s.state.story("y-4").toString()).contains("steal refused");
            s.handle(s.stealAnswer(A, "y-3", true));
            // A keeps y-1, y-2, y-4 (y-4 refused, and the newest); B has y-3. With C idle, a later balance takes y-2,
            // never y-4 again.
            s.handle(s.worker(C, 1));
            assertThat(s.run(s.balance())).containsExactly("steal y-2@" + A);
            // The result of the refused run counts as usual.
            assertThat(s.run(s.finish(A, "y-4"))).containsExactly("memory y-4>[c1]");
        }

        @Test
        void anAnswerAfterTheTaskFinishedIsIgnored() {
            var s = loaded(4);
            s.handle(s.balance());
            var answer = s.stealAnswer(A, "y-4", false); // the run id of the request
            assertThat(s.run(s.finish(A, "y-4"))).containsExactly("memory y-4>[c1]");
            assertThat(s.state.stealsInFlight()).containsExactly("y-3");
            assertThat(s.run(answer)).isEmpty();
            assertThat(s.state.task("y-4").state()).isEqualTo(MEMORY);
            assertThat(s.state.story("y-4").toString()).contains("StealResponse from " + A + " ignored");
        }

        @Test
        void aReleasedAnswerForACancelledTaskMovesNothing() {
            var s = loaded(4);
            s.handle(s.balance());
            var answer = s.stealAnswer(A, "y-4", true);
            assertThat(s.run(s.release("c1", "y-4"))).containsExactly("cancel y-4@" + A);
            assertThat(s.run(answer)).isEmpty();
            assertThat(s.state.task("y-4")).isNull();
        }

        @Test
        void theVictimLeavingDuringASteal() {
            var s = loaded(4);
            s.handle(s.balance());
            var late = s.stealAnswer(A, "y-4", true);
            var out = s.run(s.removeWorker(A));
            // x-1 was only on A: it is computed again on B, and the y tasks wait for it there.
            assertThat(out).contains("compute x-1@" + B);
            assertThat(s.state.stealsInFlight()).isEmpty();
            assertThat(s.run(late)).isEmpty();
            assertThat(s.run(s.finish(B, "x-1"))).contains("compute y-4@" + B);
        }

        @Test
        void theThiefLeavingBeforeTheAnswerSendsTheTaskBackToThePicker() {
            var s = loaded(4);
            s.handle(s.balance());
            s.handle(s.removeWorker(B));
            assertThat(s.state.balanceWanted()).isFalse();
            assertThat(s.run(s.stealAnswer(A, "y-4", true))).containsExactly("compute y-4@" + A);
            assertThat(s.state.task("y-4").processingOn()).isEqualTo(A);
            assertThat(s.state.story("y-4").toString()).contains("can no longer take it");
        }

        @Test
        void theThiefPausedBeforeTheAnswerTheTaskGoesElsewhere() {
            var s = loaded(4);
            s.handle(s.worker(C, 1));
            s.handle(s.balance());
            s.handle(s.memory(B, true));
            String key = s.state.stealsInFlight().getFirst(); // y-4, which went to B
            assertThat(s.state.story(key).toString()).contains(A + " -> " + B);
            var out = s.run(s.stealAnswer(A, key, true));
            assertThat(out).hasSize(1);
            assertThat(out.getFirst()).doesNotEndWith("@" + B);
        }

        @Test
        void anAnswerFromAnotherWorkerOrRunIsIgnored() {
            var s = loaded(4);
            s.handle(s.balance());
            assertThat(s.run(s.stealAnswer(B, "y-4", true))).isEmpty();
            var wrongRun =
                    new SchedulerEvent.StealResponse(A, "y-4", s.runId("y-4") + 100, true, "READY", "odd", 99_000);
            assertThat(s.run(wrongRun)).isEmpty();
            assertThat(s.state.stealsInFlight()).contains("y-4");
            assertThat(s.state.task("y-4").processingOn()).isEqualTo(A);
            assertThat(Set.copyOf(s.state.stealsInFlight())).hasSize(2);
        }
    }
}
