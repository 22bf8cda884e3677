package io.jdask.scheduler.state;

import static io.jdask.scheduler.state.Sched.spec;
import static io.jdask.scheduler.state.SchedulerStateTest.A;
import static io.jdask.scheduler.state.SchedulerStateTest.B;
import static io.jdask.scheduler.state.SchedulerStateTest.cluster;
import static io.jdask.scheduler.state.SchedulerTaskState.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.protocol.state.InvalidTransition;
import io.jdask.protocol.state.Transition;
import io.jdask.protocol.state.TransitionCounterMaxExceeded;
import io.jdask.scheduler.state.SchedulerInstruction.KeyErred;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FailuresAndStaleEventsTest {

    @Test
    void workerDeathReschedulesItsTasksAndRecomputesLostResults() {
        var s = cluster(A, B);
        s.handle(s.submit("c1", List.of("x", "y"), spec("x"), spec("y")));
        assertThat(s.state.task("x").processingOn()).isEqualTo(A);
        assertThat(s.state.task("y").processingOn()).isEqualTo(B);
        s.handle(s.finish(A, "x"));
        s.handle(s.submit("c1", List.of("z"), spec("z", "x")));
        assertThat(s.state.task("z").processingOn()).isEqualTo(A);

        // A dies holding x (wanted) and running z (which needs x): x is recomputed (its client told it is pending
        // again),
        // z waits for it again.
        var out = s.run(s.removeWorker(A));
        assertThat(out).containsExactly("recomputing x>[c1]", "compute x@" + B);
        assertThat(s.stateOf("z")).isEqualTo(WAITING);
        assertThat(s.state.task("z").suspiciousCount()).isEqualTo(1);
        assertThat(s.run(s.finish(B, "x"))).containsExactly("memory x>[c1]", "compute z@" + B);
        assertThat(s.state.workers()).hasSize(1);
    }

    @Test
    void aTaskThatKeepsKillingWorkersErrsWithKilledWorkerOnTheThirdDeath() {
        var s = cluster(A);
        s.handle(s.submitAll("c1", spec("bomb")));
        for (int i = 1; i <= 2; i++) {
            String w = "tcp://w" + i + ":1";
            assertThat(s.run(s.worker(w, 1))).isEmpty();
            String current = s.state.task("bomb").processingOn();
            assertThat(s.run(s.removeWorker(current))).containsExactly("compute bomb@" + w);
            assertThat(s.state.task("bomb").suspiciousCount()).isEqualTo(i);
        }
        var out = s.handle(s.removeWorker("tcp://w2:1"));
        assertThat(out).hasSize(1);
        var erred = (KeyErred) out.getFirst();
        assertThat(erred.key()).isEqualTo("bomb");
        assertThat(erred.error()).isEqualTo(new KilledWorker("bomb", "tcp://w2:1", 3));
        assertThat(((KilledWorker) erred.error()).message()).contains("3 workers that died");
        assertThat(s.stateOf("bomb")).isEqualTo(ERRED);
    }

    @Test
    void scatteredDataIsUsedInPlaceAndReportedLostWhenItsOnlyHolderDies() {
        var s = cluster(A, B);
        assertThat(s.run(s.scatter("c1", "data", 4096, A))).containsExactly("memory data>[c1]");
        assertThat(s.state.task("data").hasRunSpec()).isFalse();
        assertThat(s.run(s.submit("c1", List.of("f"), spec("f", "data")))).containsExactly("compute f@" + A);
        assertThat(s.run(s.removeWorker(A))).containsExactly("lost data>[c1]", "lost f>[c1]");
        assertThat(s.state.taskCount()).isZero();
        assertThat(s.state.wantedKeys("c1")).isEmpty();
    }

    @Test
    void scatterToUnknownWorkersIsLostAtOnce() {
        var s = cluster(A);
        assertThat(s.run(s.scatter("c1", "d", 1, "tcp://nope:1"))).containsExactly("lost d>[c1]");
        assertThat(s.state.taskCount()).isZero();
    }

    @Test
    void replicasAddedAndDroppedByWorkers() {
        var s = cluster(A, B);
        s.handle(s.submitAll("c1", spec("x")));
        s.handle(s.finish(A, "x"));
        assertThat(s.run(s.addKeys(B, "x", "stranger"))).containsExactly("free stranger@" + B);
        assertThat(s.state.task("x").whoHas()).containsExactly(A, B);
        assertThat(s.run(s.missing("x", A))).isEmpty();
        assertThat(s.state.task("x").whoHas()).containsExactly(B);
        // the last copy goes: x is still wanted and has code, so it is recomputed, and its client told so
        assertThat(s.run(s.workerReleased(B, "x"))).containsExactly("recomputing x>[c1]", "compute x@" + A);
        assertThat(s.stateOf("x")).isEqualTo(PROCESSING);
    }

    @Test
    void staleAndUnknownEventsAreIgnoredAndNoted() {
        var s = cluster(A, B);
        s.handle(s.submitAll("c1", spec("x")));
        assertThat(s.state.task("x").processingOn()).isEqualTo(A);
        assertThat(s.run(s.finish(B, "x"))).isEmpty(); // not running there
        assertThat(s.run(s.finish("tcp://ghost:1", "x"))).isEmpty();
        assertThat(s.run(s.finish(A, "never-submitted"))).isEmpty();
        assertThat(s.run(s.err(B, "x", "late"))).isEmpty();
        assertThat(s.run(
                        s.release("c1", "unknown"),
                        s.release("nobody", "x"),
                        s.removeWorker("tcp://ghost:1"),
                        s.missing("zzz", A),
                        s.longRunning(B, "x"),
                        s.client("c1")))
                .isEmpty();
        assertThat(s.stateOf("x")).isEqualTo(PROCESSING);
        assertThat(s.state.story("x"))
                .extracting(Transition::note)
                .anyMatch(n -> n.contains("TaskFinished from " + B + " ignored: stale, the task is PROCESSING on " + A))
                .anyMatch(n -> n.contains("unknown worker tcp://ghost:1"));
        assertThat(s.state.story("never-submitted").getFirst().from()).isEqualTo(FORGOTTEN);
        // and the real result still lands
        assertThat(s.run(s.finish(A, "x"))).containsExactly("memory x>[c1]");
    }

    @Test
    void resultOfACancelledRunIsIgnoredEvenWhenTheKeyRunsAgainOnTheSameWorker() {
        var s = cluster(A);
        s.handle(s.submitAll("c1", spec("x")));
        long firstRun = s.runId("x");
        assertThat(s.run(s.release("c1", "x"))).containsExactly("cancel x@" + A);
        assertThat(s.run(s.submitAll("c1", spec("x")))).containsExactly("compute x@" + A);
        assertThat(s.runId("x")).isGreaterThan(firstRun);
        long t = s.tick();
        // The first run's result was already on the wire when the cancel went out: the worker dropped it.
        var late = new SchedulerEvent.TaskFinished(A, "x", firstRun, 8, "T", t - 1, t, s.sid(), t);
        assertThat(s.run(late)).isEmpty();
        assertThat(s.stateOf("x")).isEqualTo(PROCESSING);
        assertThat(s.state.story("x").getLast().note()).contains("stale run " + firstRun);
        assertThat(s.run(s.finish(A, "x"))).containsExactly("memory x>[c1]");
    }

    @Test
    void lateResultAfterCancellationIsIgnored() {
        var s = cluster(A);
        s.handle(s.submitAll("c1", spec("x")));
        assertThat(s.run(s.release("c1", "x"))).containsExactly("cancel x@" + A);
        assertThat(s.run(s.finish(A, "x"))).isEmpty();
        assertThat(s.state.taskCount()).isZero();
    }

    @Test
    void storyRecordsEveryTransitionWithItsStimulusAndRecommendations() {
        var s = cluster(A);
        var submit = s.submit("c1", List.of("y"), spec("x"), spec("y", "x"));
        s.handle(submit);
        var finish = s.finish(A, "x");
        s.handle(finish);
        List<Transition<SchedulerTaskState>> story = s.state.story("x");
        assertThat(story)
                .extracting(t -> t.key() + ":" + t.from() + "->" + t.to() + "@" + t.stimulusId())
                .containsExactly(
                        "x:RELEASED->WAITING@" + submit.stimulusId(),
                        "x:WAITING->PROCESSING@" + submit.stimulusId(),
                        "x:PROCESSING->MEMORY@" + finish.stimulusId());
        assertThat(story.get(0).recommendations()).isEqualTo(Map.of("x", PROCESSING));
        assertThat(story.get(2).recommendations()).isEqualTo(Map.of("y", PROCESSING));
        assertThat(story.get(2).timeNanos()).isEqualTo(finish.now());
        // y's story also shows x's transition that made y ready
        assertThat(s.state.story("y"))
                .extracting(tr -> tr.key() + ">" + tr.to())
                .containsExactly("y>WAITING", "x>MEMORY", "y>PROCESSING");
    }

    @Test
    void storyIsBounded() {
        var s = cluster(SchedulerConfig.builder().storyCapacity(3).build(), A);
        s.handle(s.submitAll("c1", spec("x")));
        s.handle(s.finish(A, "x"));
        s.handle(s.release("c1", "x"));
        assertThat(s.state.story("x")).extracting(Transition::to).containsExactly(PROCESSING, MEMORY, FORGOTTEN);
    }

    @Test
    void invalidTransitionCarriesKeyStatesStimulusAndStory() {
        var m = new ClusterModel(SchedulerConfig.defaults());
        var t = new TransitionLoop(m, new WorkerPicker(m));
        m.stimulusId = "stim-42";
        var ts = m.newTask("x-1", "code", 0, 1, 0, 0, Restrictions.NONE);
        m.note("x-1", "created for the test");
        t.beginEvent();
        assertThatThrownBy(() -> t.transition(ts, Recommendation.Plain.of(PROCESSING)))
                .isInstanceOfSatisfying(InvalidTransition.class, e -> {
                    assertThat(e.key()).isEqualTo("x-1");
                    assertThat(e.from()).isEqualTo(RELEASED);
                    assertThat(e.to()).isEqualTo(PROCESSING);
                    assertThat(e.stimulusId()).isEqualTo("stim-42");
                    assertThat(e.story()).extracting(Transition::note).containsExactly("created for the test");
                    assertThat(e.getMessage())
                            .contains("'x-1'", "RELEASED -> PROCESSING", "stim-42", "created for the test");
                });
    }

    @Test
    void aResultWithoutItsDataIsRefusedWhereItIsAskedFor() {
        var m = new ClusterModel(SchedulerConfig.defaults());
        var t = new TransitionLoop(m, new WorkerPicker(m));
        var ts = m.newTask("x-1", "code", 0, 1, 0, 0, Restrictions.NONE);
        assertThatThrownBy(() -> Recommendation.Plain.of(MEMORY)).hasMessageContaining("Scattered or Finished");
        assertThatThrownBy(() -> t.recommend(ts, MEMORY)).hasMessageContainingAll("x-1", "MEMORY");
        // A worker's report fits only PROCESSING -> MEMORY: given to a released task, it is a bug, with the story.
        m.stimulusId = "stim-7";
        t.beginEvent();
        var report = new SchedulerEvent.TaskFinished(A, "x-1", 1, 8, "Integer", 0, 1, "stim-7", 0);
        assertThatThrownBy(() -> t.transition(ts, new Recommendation.Finished(report)))
                .isInstanceOfSatisfying(InvalidTransition.class, e -> {
                    assertThat(e.from()).isEqualTo(RELEASED);
                    assertThat(e.to()).isEqualTo(MEMORY);
                    assertThat(e.stimulusId()).isEqualTo("stim-7");
                });
        assertThat(ts.state).isEqualTo(RELEASED);
    }

    @Test
    void missingTableEntryGoesThroughReleased() {
        var s = cluster(A);
        s.handle(s.submitAll("c1", spec("x").withRetries(1)));
        s.handle(s.err(A, "x", "once"));
        // PROCESSING -> WAITING is not an edge: it went PROCESSING -> RELEASED -> WAITING.
        assertThat(s.state.story("x"))
                .extracting(tr -> tr.from() + "->" + tr.to())
                .containsSubsequence("PROCESSING->RELEASED", "RELEASED->WAITING", "WAITING->PROCESSING");
    }

    @Test
    void transitionCapTurnsRunawayWorkIntoAnError() {
        var s = cluster(SchedulerConfig.builder().maxTransitionsPerHandle(3).build(), A);
        assertThatThrownBy(() -> s.state.handle(s.submitAll("c1", spec("a"), spec("b"), spec("c"))))
                .isInstanceOf(TransitionCounterMaxExceeded.class)
                .hasMessageContaining("More than 3 transitions");
    }

    @Test
    void eventsValidateTheirShape() {
        assertThatThrownBy(() -> new SchedulerEvent.AddWorker(A, 0, 1, Map.of(), "a", "s", 0))
                .hasMessageContaining("nthreads >= 1");
        assertThatThrownBy(() -> new TaskSpec("x", Set.of("x"), "c", 0, 0, Restrictions.NONE))
                .hasMessageContaining("depends on itself");
        assertThatThrownBy(() -> SchedulerConfig.builder().workerSaturation(0))
                .hasMessageContaining("workerSaturation");
    }
}
