package io.jdask.scheduler.state;

import static io.jdask.scheduler.state.Sched.spec;
import static io.jdask.scheduler.state.SchedulerTaskState.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.protocol.state.Priority;
import io.jdask.scheduler.state.SchedulerInstruction.ComputeTask;
import io.jdask.scheduler.state.SchedulerInstruction.KeyErred;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class SchedulerStateTest {
    static final String A = "tcp://a:1";
    static final String B = "tcp://b:1";
    static final String C = "tcp://c:1";

    /** A scheduler with client c1 and the given single-threaded workers. */
    static Sched cluster(String... workers) {
        return cluster(SchedulerConfig.builder().shortTaskLatencyNanos(0).build(), workers);
    }

    static Sched cluster(SchedulerConfig config, String... workers) {
        var s = Sched.create(config);
        s.handle(s.client("c1"));
        for (String w : workers) {
            s.handle(s.worker(w, 1));
        }
        return s;
    }

    @Nested
    class Lifecycle {
        @Test
        void singleTaskRunsReportsAndIsForgottenOnRelease() {
            var s = cluster(A);
            assertThat(s.run(s.submitAll("c1", spec("inc-1")))).containsExactly("compute inc-1@" + A);
            assertThat(s.state.task("inc-1").state()).isEqualTo(PROCESSING);
            assertThat(s.state.task("inc-1").processingOn()).isEqualTo(A);
            assertThat(s.state.worker(A).occupancyNanos()).isEqualTo(500_000_000L);

            var out = s.handle(s.finish(A, "inc-1", 28));
            assertThat(Sched.render(out)).containsExactly("memory inc-1>[c1]");
            assertThat(out.getFirst())
                    .isEqualTo(new SchedulerInstruction.KeyInMemory(Set.of("c1"), "inc-1", "java.lang.Integer", 28));
            var t = s.state.task("inc-1");
            assertThat(t.state()).isEqualTo(MEMORY);
            assertThat(t.whoHas()).containsExactly(A);
            assertThat(t.nbytes()).isEqualTo(28);
            assertThat(s.state.worker(A).occupancyNanos()).isZero();
            assertThat(s.state.worker(A).heldBytes()).isEqualTo(28);

            assertThat(s.run(s.release("c1", "inc-1"))).containsExactly("free inc-1@" + A);
            assertThat(s.state.task("inc-1")).isNull();
            assertThat(t.state()).isEqualTo(FORGOTTEN);
            assertThat(s.state.taskCount()).isZero();
            assertThat(s.state.worker(A).heldCount()).isZero();
            assertThat(s.state.tasks()).containsEntry(FORGOTTEN, 1L).containsEntry(MEMORY, 0L);
        }

        @Test
        void computeTaskCarriesRunSpecPriorityAndDependencyLocations() {
            var s = cluster(A);
            s.handle(s.submitAll("c1", spec("x-1")));
            s.handle(s.finish(A, "x-1", 100));
            var computes = Sched.computes(s.handle(s.submit(
                    "c1", List.of("y-1"), new TaskSpec("y-1", Set.of("x-1"), "code-y", 5, 0, Restrictions.NONE))));
            assertThat(computes).hasSize(1);
            ComputeTask c = computes.getFirst();
            assertThat(c.worker()).isEqualTo(A);
            assertThat(c.runSpec()).isEqualTo("code-y");
            assertThat(c.priority()).isEqualTo(Priority.ofSubmission(5, 2, 0));
            assertThat(c.whoHas()).isEqualTo(Map.of("x-1", List.of(A)));
            assertThat(c.nbytes()).isEqualTo(Map.of("x-1", 100L));
            assertThat(c.resources()).isEmpty();
        }

        @Test
        void chainRunsInOrderAndFreesIntermediatesAsSoonAsTheyAreNotNeeded() {
            var s = cluster(A);
            assertThat(s.run(s.submit("c1", List.of("z"), spec("x"), spec("y", "x"), spec("z", "y"))))
                    .containsExactly("compute x@" + A);
            assertThat(s.stateOf("y")).isEqualTo(WAITING);
            assertThat(s.run(s.finish(A, "x"))).containsExactly("compute y@" + A);
            assertThat(s.run(s.finish(A, "y"))).containsExactly("compute z@" + A, "free x@" + A);
            assertThat(s.stateOf("x")).isEqualTo(RELEASED); // kept as lineage of y
            assertThat(s.run(s.finish(A, "z"))).containsExactly("memory z>[c1]", "free y@" + A);
            assertThat(s.run(s.release("c1", "z"))).containsExactly("free z@" + A);
            assertThat(s.state.taskCount()).isZero();
        }

        @Test
        void fanInWaitsForAllDependenciesAndListsEveryHolder() {
            var s = cluster(SchedulerConfig.defaults(), A, B);
            assertThat(s.run(s.submit("c1", List.of("sum"), spec("a"), spec("b"), spec("sum", "a", "b"))))
                    .containsExactly("compute a@" + A, "compute b@" + B);
            assertThat(s.run(s.finish(A, "a", 10))).isEmpty();
            assertThat(s.state.task("sum").state()).isEqualTo(WAITING);
            var out = s.handle(s.finish(B, "b", 1000));
            ComputeTask c = Sched.computes(out).getFirst();
            assertThat(c.key()).isEqualTo("sum");
            assertThat(c.worker()).as("the bigger dependency stays put").isEqualTo(B);
            assertThat(c.whoHas()).containsExactly(Map.entry("a", List.of(A)), Map.entry("b", List.of(B)));
        }
    }

    @Nested
    class WorkerChoice {
        @Test
        void prefersTheWorkerHoldingMostDependencyBytes() {
            var s = cluster(A, B, C);
            s.handle(s.scatter("c1", "big", 50_000_000, B), s.scatter("c1", "small", 10, C));
            var out = s.handle(s.submit("c1", List.of("f"), spec("f", "big", "small")));
            assertThat(Sched.render(out)).containsExactly("compute f@" + B);
        }

        @Test
        void spreadsByOccupancyWhenDataIsEverywhere() {
            var s = cluster(A, B);
            s.handle(s.scatter("c1", "d", 1000, A, B));
            var out = s.handle(
                    s.submit("c1", List.of("f-1", "f-2", "f-3"), spec("f-1", "d"), spec("f-2", "d"), spec("f-3", "d")));
            assertThat(Sched.render(out)).containsExactly("compute f-1@" + A, "compute f-2@" + B, "compute f-3@" + A);
            assertThat(s.state.worker(A).occupancyNanos()).isEqualTo(1_000_000_000L);
        }

        @Test
        void occupancyOutweighsASmallTransfer() {
            var s = cluster(A, B);
            // 'g' is busy on A (4 s estimated); a 1 KB transfer to idle B is cheaper than waiting.
            s.handle(s.scatter("c1", "d", 1000, A));
            s.handle(s.submit("c1", List.of("slow-1"), spec("slow-1", "d")));
            s.handle(s.finishTook(A, "slow-1", 4_000_000_000L));
            s.handle(s.submit("c1", List.of("slow-2"), spec("slow-2", "d")));
            assertThat(s.state.worker(A).occupancyNanos()).isEqualTo(4_000_000_000L);
            assertThat(s.run(s.submit("c1", List.of("h"), spec("h", "d")))).containsExactly("compute h@" + B);
        }

        @Test
        void durationEstimateIsAMovingAverageOfThePrefix() {
            var s = cluster(A);
            assertThat(s.state.durationEstimateNanos("inc-9")).isEqualTo(500_000_000L);
            s.handle(s.submitAll("c1", spec("inc-1")));
            s.handle(s.finishTook(A, "inc-1", 100));
            assertThat(s.state.durationEstimateNanos("inc-9")).isEqualTo(100);
            s.handle(s.submitAll("c1", spec("inc-2")));
            assertThat(s.state.worker(A).occupancyNanos()).isEqualTo(100);
            s.handle(s.finishTook(A, "inc-2", 300));
            assertThat(s.state.durationEstimateNanos("inc-9")).isEqualTo(200);
        }
    }

    @Nested
    class Queuing {
        @Test
        void rootTasksBeyondSaturationWaitInPriorityOrderAndFillFreedSlots() {
            var s = Sched.create();
            s.handle(s.client("c1"), s.worker(A, 2)); // ceil(2 * 1.1) = 3 slots
            var out = s.run(s.submitAll(
                    "c1",
                    spec("t-0"),
                    spec("t-1"),
                    spec("t-2"),
                    spec("t-3"),
                    spec("t-4").withPriority(7)));
            assertThat(out).containsExactly("compute t-4@" + A, "compute t-0@" + A, "compute t-1@" + A);
            assertThat(s.state.queuedKeys()).containsExactly("t-2", "t-3");
            assertThat(s.stateOf("t-2")).isEqualTo(QUEUED);

            assertThat(s.run(s.finish(A, "t-0"))).containsExactly("memory t-0>[c1]", "compute t-2@" + A);
            assertThat(s.run(s.longRunning(A, "t-1"))).containsExactly("compute t-3@" + A);
            assertThat(s.state.worker(A).longRunningCount()).isEqualTo(1);
            assertThat(s.state.queuedKeys()).isEmpty();
        }

        @Test
        void newWorkerDrainsTheQueueAndQueueIsPerClusterNotPerWorker() {
            var s = Sched.create();
            s.handle(s.client("c1"), s.worker(A, 1)); // 2 slots
            s.handle(s.submitAll("c1", spec("t-0"), spec("t-1"), spec("t-2"), spec("t-3")));
            assertThat(s.state.queuedKeys()).containsExactly("t-2", "t-3");
            assertThat(s.run(s.worker(B, 1))).containsExactly("compute t-2@" + B, "compute t-3@" + B);
        }

        @Test
        void rootTasksQueueWhileThereIsNoWorkerAtAll() {
            var s = Sched.create();
            s.handle(s.client("c1"));
            assertThat(s.run(s.submitAll("c1", spec("t-0")))).isEmpty();
            assertThat(s.stateOf("t-0")).isEqualTo(QUEUED);
            assertThat(s.run(s.worker(A, 1))).containsExactly("compute t-0@" + A);
        }

        @Test
        void aWorkerOfShortTasksTakesMoreOfTheQueueAndGivesItBackWhenTheyGetLong() {
            var s = Sched.create(SchedulerConfig.defaults()); // latency 200 us
            s.handle(s.client("c1"), s.worker(A, 1));
            assertThat(s.state.worker(A).rootTaskSlots()).isEqualTo(2); // ceil(1 * 1.1) before anything ran
            var specs = new java.util.ArrayList<TaskSpec>();
            for (int i = 0; i < 100; i++) specs.add(spec("t-" + i));
            assertThat(s.run(s.submitAll("c1", specs.toArray(TaskSpec[]::new)))).hasSize(2);

            // A task of 5 us: 1 + 200/5 = 41 per thread; 39 more go out at once (41 active).
            var out = s.run(s.finishTook(A, "t-0", 5_000));
            assertThat(out).filteredOn(x -> x.startsWith("compute")).hasSize(40);
            assertThat(s.state.worker(A).rootTaskSlots()).isEqualTo(41);
            assertThat(s.state.worker(A).processingCount()).isEqualTo(41);

            // Slower tasks lower the average (5 -> 502 -> 250,751 us): the slots fall back, nothing new goes out until
            // the worker is below them again, and it never goes below the saturation's 2.
            assertThat(s.run(s.finishTook(A, "t-1", 1_000_000))).noneMatch(x -> x.startsWith("compute"));
            assertThat(s.state.worker(A).rootTaskSlots()).isEqualTo(2); // ceil(1 + 200/502.5) = 2
            assertThat(s.run(s.finishTook(A, "t-2", 500_000_000))).noneMatch(x -> x.startsWith("compute"));
            assertThat(s.state.worker(A).rootTaskSlots()).isEqualTo(2);
            assertThat(s.state.worker(A).processingCount()).isEqualTo(39);
        }

        @Test
        void aFixedLatencyOfZeroKeepsDasksSlots() {
            var s = Sched.create(
                    SchedulerConfig.builder().shortTaskLatencyNanos(0).build());
            s.handle(s.client("c1"), s.worker(A, 1));
            s.handle(s.submitAll("c1", spec("t-0"), spec("t-1"), spec("t-2"), spec("t-3")));
            assertThat(s.run(s.finishTook(A, "t-0", 1_000))).containsExactly("memory t-0>[c1]", "compute t-2@" + A);
            assertThat(s.state.worker(A).rootTaskSlots()).isEqualTo(2);
        }

        @Test
        void infiniteSaturationSendsEverythingAtOnce() {
            var s = cluster(
                    SchedulerConfig.builder()
                            .workerSaturation(Double.POSITIVE_INFINITY)
                            .build(),
                    A);
            assertThat(s.run(s.submitAll("c1", spec("t-0"), spec("t-1"), spec("t-2"), spec("t-3"))))
                    .hasSize(4)
                    .allMatch(x -> x.startsWith("compute"));
            assertThat(s.state.queuedKeys()).isEmpty();
        }

        @Test
        void aRestrictedTaskIsNotQueuedAndGoesToItsWorkerEvenWhenItIsSaturated() {
            var s = cluster(A);
            s.handle(s.worker(B, 1));
            s.handle(s.submitAll("c1", spec("t-0"), spec("t-1"), spec("t-2"), spec("t-3"), spec("t-4")));
            assertThat(s.state.queuedKeys()).containsExactly("t-4");
            var out = s.run(s.submitAll("c1", spec("pinned-0").withRestrictions(Restrictions.toWorkers(A))));
            assertThat(out).containsExactly("compute pinned-0@" + A);
            assertThat(s.state.queuedKeys()).containsExactly("t-4");
        }

        @Test
        void aLeavingWorkersRootTasksGoBackToTheQueueInPriorityOrder() {
            var s = cluster(A);
            s.handle(s.worker(B, 1));
            s.handle(s.submitAll("c1", spec("t-0"), spec("t-1"), spec("t-2"), spec("t-3"), spec("t-4"), spec("t-5")));
            assertThat(s.state.queuedKeys()).containsExactly("t-4", "t-5");
            var onA = s.state.worker(A).processingKeys();
            assertThat(onA).hasSize(2);

            s.handle(s.removeWorker(A));
            // B has no free slot: A's two tasks wait with the others, ahead of them (they came first).
            assertThat(s.state.queuedKeys()).containsExactlyElementsOf(sortedWith(onA, "t-4", "t-5"));
            s.handle(s.finish(B, s.state.worker(B).processingKeys().iterator().next()));
            assertThat(s.state.queuedKeys())
                    .hasSize(3)
                    .doesNotContain(sortedWith(onA).getFirst());
        }

        @Test
        void cancellingQueuedTasksTakesThemOutOfTheQueueAndTellsTheClient() {
            var s = cluster(A);
            s.handle(s.submitAll("c1", spec("t-0"), spec("t-1"), spec("t-2"), spec("t-3")));
            assertThat(s.state.queuedKeys()).containsExactly("t-2", "t-3");
            var out = s.run(s.cancel("c1", "t-3"));
            assertThat(out).containsExactly("cancelled t-3>[c1]");
            assertThat(s.state.queuedKeys()).containsExactly("t-2");
            assertThat(s.stateOf("t-3")).isEqualTo(FORGOTTEN);
            // The freed capacity goes to what is left in the queue, not to the cancelled task.
            assertThat(s.run(s.finish(A, "t-0"))).containsExactly("memory t-0>[c1]", "compute t-2@" + A);
        }

        @Test
        void aPausedWorkerGetsNoQueuedTaskAndTheQueueWaitsForItToUnpause() {
            var s = cluster(A);
            s.handle(s.memory(A, true));
            assertThat(s.run(s.submitAll("c1", spec("t-0"), spec("t-1")))).isEmpty();
            assertThat(s.state.queuedKeys()).containsExactly("t-0", "t-1");
            assertThat(s.run(s.memory(A, false))).containsExactly("compute t-0@" + A, "compute t-1@" + A);
        }

        private static java.util.List<String> sortedWith(java.util.Collection<String> first, String... rest) {
            var l = new java.util.ArrayList<String>(new java.util.TreeSet<>(first));
            l.addAll(java.util.List.of(rest));
            return l;
        }

        @Test
        void nonRootTasksAreNeverQueued() {
            var s = cluster(A);
            s.handle(s.scatter("c1", "d", 10, A));
            var out = s.run(s.submitAll("c1", spec("f-1", "d"), spec("f-2", "d"), spec("f-3", "d")));
            assertThat(out).hasSize(3);
        }
    }

    @Nested
    class Restrictions_ {
        @Test
        void restrictedTaskWaitsInNoWorkerUntilItsWorkerJoins() {
            var s = cluster(A);
            var r = Restrictions.toWorkers("gpu-box");
            assertThat(s.run(s.submitAll("c1", spec("f").withRestrictions(r)))).isEmpty();
            assertThat(s.stateOf("f")).isEqualTo(NO_WORKER);
            assertThat(s.run(s.namedWorker(B, "other", 1))).isEmpty();
            assertThat(s.run(s.namedWorker(C, "gpu-box", 1))).containsExactly("compute f@" + C);
        }

        @Test
        void restrictionByAddressAndLooseRestrictions() {
            var s = cluster(A, B);
            assertThat(s.run(s.submitAll("c1", spec("f").withRestrictions(Restrictions.toWorkers(B)))))
                    .containsExactly("compute f@" + B);
            var loose = new Restrictions(Set.of("nowhere"), true, Map.of());
            assertThat(s.run(s.submitAll("c1", spec("g").withRestrictions(loose))))
                    .containsExactly("compute g@" + A);
        }

        @Test
        void resourcesLimitConcurrencyAndFreedResourcesWakeWaitingTasks() {
            var s = Sched.create();
            s.handle(s.client("c1"), s.worker(A, 4, Map.of("GPU", 1.0)), s.worker(B, 4));
            var gpu = Restrictions.withResources(Map.of("GPU", 1.0));
            var out = s.handle(s.submitAll(
                    "c1", spec("g-1").withRestrictions(gpu), spec("g-2").withRestrictions(gpu)));
            assertThat(Sched.render(out)).containsExactly("compute g-1@" + A);
            assertThat(Sched.computes(out).getFirst().resources()).isEqualTo(Map.of("GPU", 1.0));
            assertThat(s.stateOf("g-2")).isEqualTo(NO_WORKER);
            assertThat(s.state.worker(A).usedResources()).isEqualTo(Map.of("GPU", 1.0));
            assertThat(s.run(s.finish(A, "g-1"))).containsExactly("memory g-1>[c1]", "compute g-2@" + A);
        }

        @Test
        void taskNeedingMoreThanAnyWorkerHasWaitsForABiggerWorker() {
            var s = Sched.create();
            s.handle(s.client("c1"), s.worker(A, 1, Map.of("MEM", 1.0)));
            var big = Restrictions.withResources(Map.of("MEM", 4.0));
            assertThat(s.run(s.submitAll("c1", spec("big").withRestrictions(big))))
                    .isEmpty();
            assertThat(s.run(s.worker(B, 1, Map.of("MEM", 8.0)))).containsExactly("compute big@" + B);
        }
    }

    @Nested
    class Errors {
        @Test
        void retriesThenErrs() {
            var s = cluster(A);
            s.handle(s.submitAll("c1", spec("f").withRetries(1)));
            assertThat(s.run(s.err(A, "f", "boom-1"))).containsExactly("free f@" + A, "compute f@" + A);
            assertThat(s.state.task("f").retriesLeft()).isZero();
            var out = s.handle(s.err(A, "f", "boom-2"));
            assertThat(out).containsExactly(new KeyErred(Set.of("c1"), "f", "boom-2", "f"));
            assertThat(s.state.task("f").erredReason()).isEqualTo("boom-2");
            assertThat(s.run(s.release("c1", "f"))).containsExactly("free f@" + A);
            assertThat(s.state.taskCount()).isZero();
        }

        @Test
        void nonRetryableErrorSkipsRetries() {
            var s = cluster(A);
            s.handle(s.submitAll("c1", spec("f").withRetries(3)));
            var out = s.run(new SchedulerEvent.TaskErred(A, "f", s.runId("f"), "bad code", false, s.sid(), s.tick()));
            assertThat(out).containsExactly("erred f>[c1] blame=f");
        }

        @Test
        void errorPropagatesToDependentsAndRetryRerunsTheRoot() {
            var s = cluster(A);
            s.handle(s.submit("c1", List.of("z", "w"), spec("x"), spec("y", "x"), spec("z", "y"), spec("w")));
            assertThat(s.run(s.err(A, "x", "boom"))).containsExactly("erred z>[c1] blame=x");
            for (String k : List.of("x", "y", "z")) {
                assertThat(s.stateOf(k)).as(k).isEqualTo(ERRED);
                assertThat(s.state.task(k).erredBlame()).as(k).isEqualTo("x");
                assertThat(s.state.task(k).erredReason()).as(k).isEqualTo("boom");
            }
            assertThat(s.stateOf("w")).isEqualTo(PROCESSING);

            assertThat(s.run(s.retry("c1", "z"))).containsExactly("free x@" + A, "compute x@" + A);
            assertThat(s.stateOf("y")).isEqualTo(WAITING);
            assertThat(s.stateOf("z")).isEqualTo(WAITING);
            assertThat(s.run(s.finish(A, "x"))).containsExactly("compute y@" + A);
        }

        @Test
        void submittingOnAnErredKeyReportsAtOnce() {
            var s = cluster(A);
            s.handle(s.submitAll("c1", spec("x")));
            s.handle(s.err(A, "x", "boom"));
            s.handle(s.client("c2"));
            assertThat(s.run(s.submit("c2", List.of("x", "y"), spec("x"), spec("y", "x"))))
                    .containsExactly("erred x>[c2] blame=x", "erred y>[c2] blame=x");
        }

        @Test
        void missingDependencyIsReportedToTheClient() {
            var s = cluster(A);
            var out = s.handle(s.submit("c1", List.of("y", "z", "ok"), spec("y", "gone"), spec("z", "y"), spec("ok")));
            assertThat(Sched.render(out))
                    .containsExactly("erred y>[c1] blame=gone", "erred z>[c1] blame=gone", "compute ok@" + A);
            assertThat(((KeyErred) out.getFirst()).error()).isEqualTo(new MissingDependency("y", "gone"));
            assertThat(s.state.task("y")).isNull();
            assertThat(s.state.story("z").getLast().note()).contains("missing 'gone'");
        }
    }

    @Nested
    class Forgetting {
        @Test
        void releasingWhileProcessingCancelsTheRunAndForgetsTheGraph() {
            var s = cluster(A);
            s.handle(s.submit("c1", List.of("y"), spec("x"), spec("y", "x")));
            assertThat(s.run(s.release("c1", "y"))).containsExactly("cancel x@" + A);
            assertThat(s.state.taskCount()).isZero();
            assertThat(s.state.worker(A).processingCount()).isZero();
        }

        @Test
        void pureKeysAreSharedAcrossClients() {
            var s = cluster(A);
            s.handle(s.client("c2"));
            assertThat(s.run(s.submitAll("c1", spec("x")))).containsExactly("compute x@" + A);
            assertThat(s.run(s.submit("c2", List.of("y"), spec("x"), spec("y", "x"))))
                    .isEmpty();
            assertThat(s.state.taskCount()).isEqualTo(2);
            s.handle(s.submit("c2", List.of("x"), spec("x")));
            assertThat(s.state.task("x").whoWants()).containsExactlyInAnyOrder("c1", "c2");
            assertThat(s.run(s.finish(A, "x"))).containsExactly("memory x>[c1, c2]", "compute y@" + A);
            assertThat(s.run(s.release("c1", "x"))).isEmpty();
            s.handle(s.finish(A, "y"));
            assertThat(s.run(s.release("c2", "x", "y"))).containsExactly("free x@" + A, "free y@" + A);
            assertThat(s.state.taskCount()).isZero();
        }

        @Test
        void removingAClientReleasesEverythingItWanted() {
            var s = cluster(A);
            s.handle(s.submitAll("c1", spec("x"), spec("y")));
            s.handle(s.finish(A, "x"));
            assertThat(s.run(s.removeClient("c1"))).containsExactly("free x@" + A, "cancel y@" + A);
            assertThat(s.state.taskCount()).isZero();
            assertThat(s.state.clients()).isEmpty();
        }

        @Test
        void cancelCancelsDependentWorkOfThatClientOnly() {
            var s = cluster(A);
            s.handle(s.client("c2"));
            s.handle(s.submit("c1", List.of("x", "y"), spec("x"), spec("y", "x")));
            s.handle(s.submit("c2", List.of("z"), spec("z", "x")));
            var out = s.run(s.cancel("c1", "x"));
            assertThat(out).containsExactly("cancelled x>[c1]", "cancelled y>[c1]");
            assertThat(s.stateOf("y")).isEqualTo(FORGOTTEN);
            assertThat(s.stateOf("x")).isEqualTo(PROCESSING); // still needed by c2's z
            assertThat(s.run(s.cancel("c2", "z"))).containsExactly("cancelled z>[c2]", "cancel x@" + A);
            assertThat(s.state.taskCount()).isZero();
        }
    }
}
