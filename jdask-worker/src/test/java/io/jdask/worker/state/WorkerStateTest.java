package io.jdask.worker.state;

import static io.jdask.worker.state.Events.compute;
import static io.jdask.worker.state.Events.computeNeeding;
import static io.jdask.worker.state.Events.failure;
import static io.jdask.worker.state.Events.finished;
import static io.jdask.worker.state.Events.freeKeys;
import static io.jdask.worker.state.Events.gatherFailed;
import static io.jdask.worker.state.Events.gathered;
import static io.jdask.worker.state.Events.refresh;
import static io.jdask.worker.state.Events.scattered;
import static io.jdask.worker.state.Events.success;
import static io.jdask.worker.state.Events.unreachable;
import static io.jdask.worker.state.Events.whoHas;
import static io.jdask.worker.state.WorkerTaskState.CANCELLED;
import static io.jdask.worker.state.WorkerTaskState.CONSTRAINED;
import static io.jdask.worker.state.WorkerTaskState.ERROR;
import static io.jdask.worker.state.WorkerTaskState.EXECUTING;
import static io.jdask.worker.state.WorkerTaskState.FETCH;
import static io.jdask.worker.state.WorkerTaskState.FLIGHT;
import static io.jdask.worker.state.WorkerTaskState.FORGOTTEN;
import static io.jdask.worker.state.WorkerTaskState.LONG_RUNNING;
import static io.jdask.worker.state.WorkerTaskState.MEMORY;
import static io.jdask.worker.state.WorkerTaskState.MISSING;
import static io.jdask.worker.state.WorkerTaskState.READY;
import static io.jdask.worker.state.WorkerTaskState.RELEASED;
import static io.jdask.worker.state.WorkerTaskState.RESUMED;
import static io.jdask.worker.state.WorkerTaskState.WAITING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.protocol.state.InvalidTransition;
import io.jdask.protocol.state.Priority;
import io.jdask.protocol.state.Transition;
import io.jdask.protocol.state.TransitionCounterMaxExceeded;
import io.jdask.worker.state.WorkerEvent.CancelCompute;
import io.jdask.worker.state.WorkerEvent.FindMissing;
import io.jdask.worker.state.WorkerEvent.PeerRemoved;
import io.jdask.worker.state.WorkerEvent.RemoveReplicas;
import io.jdask.worker.state.WorkerEvent.Secede;
import io.jdask.worker.state.WorkerInstruction.AddKeysMsg;
import io.jdask.worker.state.WorkerInstruction.DropData;
import io.jdask.worker.state.WorkerInstruction.Execute;
import io.jdask.worker.state.WorkerInstruction.GatherDep;
import io.jdask.worker.state.WorkerInstruction.LongRunningMsg;
import io.jdask.worker.state.WorkerInstruction.ReleaseWorkerDataMsg;
import io.jdask.worker.state.WorkerInstruction.RequestRefreshWhoHasMsg;
import io.jdask.worker.state.WorkerInstruction.TaskErredMsg;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Scenario tests: feed events, assert the exact instructions and resulting states. */
class WorkerStateTest {
    static final String ME = "tcp://127.0.0.1:1";
    static final String P1 = "tcp://127.0.0.1:2";
    static final String P2 = "tcp://127.0.0.2:3";
    static final long B = Events.DEP_BYTES;

    final WorkerStates ws = WorkerStates.forTest(ME);

    @Test
    void computeWithoutDependencies() {
        assertThat(ws.handle(compute("x", "s1"))).containsExactly(new Execute("x", "s1"));
        assertThat(ws.stateOf("x")).isEqualTo(EXECUTING);
        assertThat(ws.task("x").runSpec()).isEqualTo("run-x");

        assertThat(ws.handle(success("x", "s2"))).containsExactly(finished("x", "s2"));
        assertThat(ws.stateOf("x")).isEqualTo(MEMORY);
        assertThat(ws.state().nbytesInMemory()).isEqualTo(Events.RESULT_BYTES);
        assertThat(ws.state().executingCount()).isZero();
    }

    @Test
    void computeWithDependencyAlreadyInMemory() {
        ws.handle(compute("x", "s1"), success("x", "s2"));
        // The scheduler lists this worker itself as a holder: nothing to fetch.
        var out = ws.handle(compute("y", whoHas("x", List.of(ME)), "s3"));
        assertThat(out).containsExactly(new Execute("y", "s3"));
        assertThat(ws.task("y").dependencyKeys()).containsExactly("x");
        assertThat(ws.task("x").whoHas()).isEmpty();
    }

    @Test
    void dependenciesAreFetchedInOneGatherDepPerPeer() {
        var out = ws.handle(compute("z", whoHas("a", List.of(P1), "b", List.of(P1), "c", List.of(P2)), "s1"));
        assertThat(out)
                .containsExactly(
                        new GatherDep(P1, Set.of("a", "b"), 2 * B, "s1"), new GatherDep(P2, Set.of("c"), B, "s1"));
        assertThat(ws.stateOf("z")).isEqualTo(WAITING);
        assertThat(List.of(ws.stateOf("a"), ws.stateOf("b"), ws.stateOf("c"))).containsOnly(FLIGHT);
        assertThat(ws.state().transferIncomingBytes()).isEqualTo(3 * B);

        assertThat(ws.handle(gathered(P1, "s2", "a", "b")))
                .containsExactly(new AddKeysMsg(List.of("b"), "s2"), new AddKeysMsg(List.of("a"), "s2"));
        assertThat(ws.task("z").waitingForDataKeys()).containsExactly("c");

        assertThat(ws.handle(gathered(P2, "s3", "c")))
                .containsExactly(new AddKeysMsg(List.of("c"), "s3"), new Execute("z", "s3"));
        assertThat(ws.state().transferIncomingBytes()).isZero();
    }

    @Test
    void gatherDepIsSplitAtTheMessageSizeTarget() {
        var ws = WorkerStates.forTest(ME, b -> b.transferMessageBytesLimit(250));
        var out = ws.handle(
                compute("z", whoHas("a", List.of(P1), "b", List.of(P1), "c", List.of(P1), "d", List.of(P1)), "s1"));
        assertThat(out).containsExactly(new GatherDep(P1, Set.of("a", "b"), 2 * B, "s1"));
        assertThat(ws.stateOf("c")).isEqualTo(FETCH);

        out = ws.handle(gathered(P1, "s2", "a", "b"));
        assertThat(out).contains(new GatherDep(P1, Set.of("c", "d"), 2 * B, "s2"));
    }

    @Test
    void incomingTransfersAreLimitedToTheConfiguredNumberOfPeers() {
        var ws = WorkerStates.forTest(ME, b -> b.transferIncomingCountLimit(1));
        var out = ws.handle(compute("z", whoHas("a", List.of(P1), "c", List.of(P2)), "s1"));
        assertThat(out).containsExactly(new GatherDep(P1, Set.of("a"), B, "s1"));
        assertThat(ws.stateOf("c")).isEqualTo(FETCH);
        out = ws.handle(gathered(P1, "s2", "a"));
        // Transfers are planned after the event's transitions: the next GatherDep comes last.
        assertThat(out).containsExactly(new AddKeysMsg(List.of("a"), "s2"), new GatherDep(P2, Set.of("c"), B, "s2"));
    }

    @Test
    void sameHostPeerIsPreferred() {
        // ME is on 127.0.0.1; P1 too, P2 is on 127.0.0.2.
        var out = ws.handle(compute("y", whoHas("x", List.of(P2, P1)), "s1"));
        assertThat(out).containsExactly(new GatherDep(P1, Set.of("x"), B, "s1"));
    }

    @Test
    void networkFailureFallsOverToAnotherHolder() {
        ws.handle(compute("y", whoHas("x", List.of(P1, P2), "w", List.of(P1)), "s1"));
        // P1 is on our host, so it is asked first, for both keys.
        var out = ws.handle(unreachable(P1, "s2", "x", "w"));
        assertThat(out)
                .containsExactly(
                        new GatherDep(P2, Set.of("x"), B, "s2"), new RequestRefreshWhoHasMsg(List.of("w"), "s2"));
        assertThat(ws.task("x").whoHas()).containsExactly(P2);
        assertThat(ws.stateOf("w")).isEqualTo(MISSING);
    }

    @Test
    void allHoldersFailThenKeyIsMissingAndTheSchedulerIsAsked() {
        ws.handle(compute("y", whoHas("x", List.of(P1)), "s1"));
        assertThat(ws.handle(unreachable(P1, "s2", "x")))
                .containsExactly(new RequestRefreshWhoHasMsg(List.of("x"), "s2"));
        assertThat(ws.stateOf("x")).isEqualTo(MISSING);
        assertThat(ws.stateOf("y")).isEqualTo(WAITING);

        // Asked again on the periodic tick...
        assertThat(ws.handle(new FindMissing("s3", 0)))
                .containsExactly(new RequestRefreshWhoHasMsg(List.of("x"), "s3"));
        // ...and the answer names a new holder.
        assertThat(ws.handle(refresh(whoHas("x", List.of(P2)), "s4")))
                .containsExactly(new GatherDep(P2, Set.of("x"), B, "s4"));
        assertThat(ws.handle(gathered(P2, "s5", "x")))
                .containsExactly(new AddKeysMsg(List.of("x"), "s5"), new Execute("y", "s5"));
    }

    @Test
    void peerMissingTheKeyIsDroppedAsHolder() {
        ws.handle(compute("y", whoHas("x", List.of(P1)), "s1"));
        var out = ws.handle(gathered(P1, "s2")); // P1 answered without x
        assertThat(out).containsExactly(new RequestRefreshWhoHasMsg(List.of("x"), "s2"));
        assertThat(ws.stateOf("x")).isEqualTo(MISSING);
    }

    @Test
    void peerRemovedByTheSchedulerIsNoLongerAsked() {
        var ws = WorkerStates.forTest(ME, b -> b.transferIncomingCountLimit(1));
        ws.handle(compute("y", whoHas("a", List.of(P1), "b", List.of(P2)), "s1"));
        assertThat(ws.stateOf("b")).isEqualTo(FETCH);
        assertThat(ws.handle(new PeerRemoved(P2, "s2", 0)))
                .containsExactly(new RequestRefreshWhoHasMsg(List.of("b"), "s2"));
        assertThat(ws.stateOf("b")).isEqualTo(MISSING);
    }

    @Test
    void gatherDepFailureErrsTheKeyAndItsWaitingDependents() {
        var error = new IllegalStateException("cannot deserialize");
        ws.handle(compute("y", whoHas("x", List.of(P1)), "s1"));
        var out = ws.handle(gatherFailed(P1, error, "s2", "x"));
        assertThat(out)
                .containsExactly(
                        new TaskErredMsg("x", error, "s2"),
                        new TaskErredMsg("y", new DependencyFetchError("x", P1, error), "s2"));
        assertThat(ws.stateOf("x")).isEqualTo(ERROR);
        assertThat(ws.stateOf("y")).isEqualTo(ERROR);
        assertThat(ws.task("y").error()).isEqualTo(new DependencyFetchError("x", P1, error));

        // The scheduler then releases y; x goes with it.
        assertThat(ws.handle(freeKeys("s3", "y"))).isEmpty();
        assertThat(ws.state().taskCount()).isZero();
    }

    @Test
    void readyTasksRunInPriorityOrderOnOneThread() {
        var out = ws.handle(
                compute("a", Priority.of(5), "s1"),
                compute("b", Priority.of(3), "s2"),
                compute("c", Priority.of(1), "s3"),
                compute("d", Priority.of(2), "s4"));
        assertThat(out).containsExactly(new Execute("a", "s1"));
        assertThat(ws.state().readyKeys()).containsExactly("c", "d", "b");

        assertThat(ws.handle(success("a", "s5"))).containsExactly(finished("a", "s5"), new Execute("c", "s5"));
        assertThat(ws.handle(success("c", "s6"))).containsExactly(finished("c", "s6"), new Execute("d", "s6"));
        assertThat(ws.handle(success("d", "s7"))).containsExactly(finished("d", "s7"), new Execute("b", "s7"));
    }

    @Test
    void resourcesConstrainExecution() {
        var ws = WorkerStates.forTest(ME, b -> b.nthreads(3).resources(Map.of("GPU", 1.0)));
        var out = ws.handle(
                computeNeeding("g1", Map.of("GPU", 1.0), "s1"),
                computeNeeding("g2", Map.of("GPU", 1.0), "s2"),
                compute("p", "s3"));
        assertThat(out).containsExactly(new Execute("g1", "s1"), new Execute("p", "s3"));
        assertThat(ws.stateOf("g2")).isEqualTo(CONSTRAINED);
        assertThat(ws.state().availableResources()).containsEntry("GPU", 0.0);

        assertThat(ws.handle(success("g1", "s4"))).containsExactly(finished("g1", "s4"), new Execute("g2", "s4"));
        assertThat(ws.state().availableResources()).containsEntry("GPU", 0.0);
        ws.handle(success("g2", "s5"));
        assertThat(ws.state().availableResources()).containsEntry("GPU", 1.0);
    }

    @Test
    void taskNeedingMoreThanTheWorkerHasStaysConstrained() {
        var ws = WorkerStates.forTest(ME, b -> b.resources(Map.of("GPU", 1.0)));
        assertThat(ws.handle(computeNeeding("g", Map.of("GPU", 2.0), "s1"))).isEmpty();
        assertThat(ws.stateOf("g")).isEqualTo(CONSTRAINED);
        assertThat(ws.handle(compute("p", "s2"))).containsExactly(new Execute("p", "s2"));
    }

    @Test
    void executeFailureErrsTheTaskAndTellsTheScheduler() {
        var boom = new ArithmeticException("/ by zero");
        ws.handle(compute("x", "s1"));
        assertThat(ws.handle(failure("x", boom, "s2"))).containsExactly(new TaskErredMsg("x", boom, "s2"));
        assertThat(ws.stateOf("x")).isEqualTo(ERROR);
        assertThat(ws.task("x").error()).isSameAs(boom);
        assertThat(ws.state().executingCount()).isZero();
        // Asked to compute it again (a retry): it runs again.
        assertThat(ws.handle(compute("x", "s3"))).containsExactly(new Execute("x", "s3"));
    }

    @Test
    void freeKeysWhileExecutingCancelsAndDropsTheResult() {
        ws.handle(compute("x", "s1"));
        // The state keeps the task until its thread returns, and asks the shell to stop that thread early.
        assertThat(ws.handle(freeKeys("s2", "x"))).containsExactly(new WorkerInstruction.CancelExecution("x", "s2"));
        assertThat(ws.stateOf("x")).isEqualTo(CANCELLED);
        assertThat(ws.task("x").previous()).isEqualTo(EXECUTING);
        assertThat(ws.state().executingCount()).isOne(); // the thread is still busy

        assertThat(ws.handle(success("x", "s3"))).containsExactly(new DropData(List.of("x"), "s3"));
        assertThat(ws.stateOf("x")).isEqualTo(FORGOTTEN);
        assertThat(ws.state().executingCount()).isZero();
    }

    @Test
    void cancelledTaskFailingIsForgottenSilently() {
        ws.handle(compute("x", "s1"), freeKeys("s2", "x"));
        assertThat(ws.handle(failure("x", "boom", "s3"))).isEmpty();
        assertThat(ws.stateOf("x")).isEqualTo(FORGOTTEN);
    }

    @Test
    void computeAgainWhileCancelledResumesTheRunningTask() {
        ws.handle(compute("x", "s1"), freeKeys("s2", "x"));
        assertThat(ws.handle(compute("x", "s3"))).isEmpty(); // no second Execute
        assertThat(ws.stateOf("x")).isEqualTo(EXECUTING);
        assertThat(ws.handle(success("x", "s4"))).containsExactly(finished("x", "s4"));
    }

    @Test
    void executingTaskAskedToBeFetchedIsResumedAndFetchedIfItFails() {
        ws.handle(compute("x", "s1"), freeKeys("s2", "x"));
        // A dependent computed here wants x fetched while x still runs, cancelled.
        assertThat(ws.handle(compute("y", whoHas("x", List.of(P1)), "s3"))).isEmpty();
        assertThat(ws.stateOf("x")).isEqualTo(RESUMED);
        assertThat(ws.task("x").next()).isEqualTo(FETCH);

        assertThat(ws.handle(failure("x", "boom", "s4"))).containsExactly(new GatherDep(P1, Set.of("x"), B, "s4"));
        assertThat(ws.stateOf("x")).isEqualTo(FLIGHT);
    }

    @Test
    void resumedExecutionThatSucceedsIsReportedAsAReplica() {
        ws.handle(compute("x", "s1"), freeKeys("s2", "x"), compute("y", whoHas("x", List.of(P1)), "s3"));
        assertThat(ws.handle(success("x", "s4")))
                .containsExactly(new AddKeysMsg(List.of("x"), "s4"), new Execute("y", "s4"));
        assertThat(ws.stateOf("x")).isEqualTo(MEMORY);
    }

    @Test
    void keyInFlightAskedToBeComputedIsResumedAndComputedIfTheTransferFails() {
        ws.handle(compute("y", whoHas("x", List.of(P1)), "s1"));
        ws.handle(freeKeys("s2", "y"));
        assertThat(ws.stateOf("y")).isEqualTo(FORGOTTEN);
        assertThat(ws.stateOf("x")).isEqualTo(CANCELLED);

        assertThat(ws.handle(compute("x", "s3"))).isEmpty();
        assertThat(ws.stateOf("x")).isEqualTo(RESUMED);
        assertThat(ws.task("x").next()).isEqualTo(WAITING);

        assertThat(ws.handle(unreachable(P1, "s4", "x"))).containsExactly(new Execute("x", "s4"));
        assertThat(ws.handle(success("x", "s5"))).containsExactly(finished("x", "s5"));
    }

    @Test
    void cancelledTransferThatArrivesIsDropped() {
        ws.handle(compute("y", whoHas("x", List.of(P1)), "s1"), freeKeys("s2", "y"));
        assertThat(ws.handle(gathered(P1, "s3", "x"))).containsExactly(new DropData(List.of("x"), "s3"));
        assertThat(ws.state().taskCount()).isZero();
        assertThat(ws.state().transferIncomingBytes()).isZero();
    }

    @Test
    void freeKeysOfMemoryKeysDropsTheirData() {
        ws.handle(compute("x", "s1"), success("x", "s2"));
        // No ReleaseWorkerDataMsg: the scheduler dropped this worker as a holder before it sent FreeKeys.
        assertThat(ws.handle(freeKeys("s3", "x"))).containsExactly(new DropData(List.of("x"), "s3"));
        assertThat(ws.stateOf("x")).isEqualTo(FORGOTTEN);
        assertThat(ws.state().nbytesInMemory()).isZero();
    }

    @Test
    void freedKeyStaysWhileALocalDependentNeedsIt() {
        ws.handle(compute("x", "s1"), success("x", "s2"));
        ws.handle(compute("y", whoHas("x", List.of(ME), "z", List.of(P1)), "s3"));
        assertThat(ws.stateOf("y")).isEqualTo(WAITING);

        assertThat(ws.handle(freeKeys("s4", "x"))).isEmpty(); // y still needs x
        assertThat(ws.stateOf("x")).isEqualTo(MEMORY);

        ws.handle(gathered(P1, "s5", "z"));
        assertThat(ws.stateOf("y")).isEqualTo(EXECUTING);
        var out = ws.handle(success("y", "s6"));
        assertThat(out)
                .containsExactly(
                        finished("y", "s6"), new ReleaseWorkerDataMsg("x", "s6"), new DropData(List.of("x"), "s6"));
        // y in memory no longer depends on anything, so x has nothing left to be kept for.
        assertThat(ws.stateOf("x")).isEqualTo(FORGOTTEN);
        assertThat(ws.stateOf("z")).isEqualTo(MEMORY);

        ws.handle(freeKeys("s7", "y", "z"));
        assertThat(ws.state().taskCount()).isZero();
    }

    /**
     * Results kept for a later task (partial sums waiting for a total) must not keep the tasks below them: on a
     * million-task graph the leaves under such results stayed as RELEASED tasks until the whole graph ended.
     */
    @Test
    void inputsOfAResultInMemoryAreForgottenOnceFreed() {
        ws.handle(compute("leaf-0", "s1"), success("leaf-0", "s2"));
        ws.handle(compute("leaf-1", "s3"), success("leaf-1", "s4"));
        ws.handle(compute("part-0", whoHas("leaf-0", List.of(ME), "leaf-1", List.of(ME)), "s5"));
        ws.handle(success("part-0", "s6"));
        assertThat(ws.state().task("part-0").dependencyKeys()).isEmpty();
        assertThat(ws.state().task("leaf-0").dependentKeys()).isEmpty();

        ws.handle(freeKeys("s7", "leaf-0", "leaf-1"));
        assertThat(ws.stateOf("leaf-0")).isEqualTo(FORGOTTEN);
        assertThat(ws.stateOf("leaf-1")).isEqualTo(FORGOTTEN);
        assertThat(ws.stateOf("part-0")).isEqualTo(MEMORY);
        assertThat(ws.state().taskCount()).isEqualTo(1);
    }

    /** Found by the property test (seed -3071): a freed key cancelled in flight stayed "freed". */
    @Test
    void freedKeyCancelledInFlightIsNoLongerMarkedFreed() {
        ws.handle(compute("y", whoHas("x", List.of(P1)), "s1"));
        assertThat(ws.handle(freeKeys("s2", "x"))).isEmpty(); // y waits for x: deferred
        assertThat(ws.stateOf("x")).isEqualTo(FLIGHT);
        ws.handle(new CancelCompute("y", "s3", 0)); // y released: x is cancelled in flight
        assertThat(ws.stateOf("x")).isEqualTo(CANCELLED);
        assertThat(ws.handle(gathered(P1, "s4", "x"))).containsExactly(new DropData(List.of("x"), "s4"));
        assertThat(ws.state().taskCount()).isZero();
    }

    @Test
    void removeReplicasDropsOnlyMemoryKeys() {
        ws.handle(scattered("s1", "x"), compute("y", whoHas("w", List.of(P1)), "s2"));
        var out = ws.handle(new RemoveReplicas(List.of("x", "w", "unknown"), "s3", 0));
        assertThat(out).containsExactly(new ReleaseWorkerDataMsg("x", "s3"), new DropData(List.of("x"), "s3"));
        assertThat(ws.stateOf("w")).isEqualTo(FLIGHT);
    }

    @Test
    void updateDataPutsKeysInMemoryWithoutTellingTheScheduler() {
        assertThat(ws.handle(scattered("s1", "x"))).isEmpty();
        assertThat(ws.stateOf("x")).isEqualTo(MEMORY);
        assertThat(ws.handle(compute("y", whoHas("x", List.of(ME)), "s2"))).containsExactly(new Execute("y", "s2"));
    }

    @Test
    void updateDataForAKeyInFlightIsDropped() {
        ws.handle(compute("y", whoHas("x", List.of(P1)), "s1"));
        assertThat(ws.handle(scattered("s2", "x"))).containsExactly(new DropData(List.of("x"), "s2"));
        assertThat(ws.stateOf("x")).isEqualTo(FLIGHT);
    }

    @Test
    void updateDataForAKeyWaitingToBeFetchedLandsInMemory() {
        var ws = WorkerStates.forTest(ME, b -> b.transferIncomingCountLimit(1));
        ws.handle(compute("y", whoHas("a", List.of(P1), "x", List.of(P2)), "s1"));
        assertThat(ws.stateOf("x")).isEqualTo(FETCH);
        assertThat(ws.handle(scattered("s2", "x"))).isEmpty();
        assertThat(ws.stateOf("x")).isEqualTo(MEMORY);
        assertThat(ws.task("y").waitingForDataKeys()).containsExactly("a");
    }

    @Test
    void secedeFreesTheThreadAndTellsTheScheduler() {
        ws.handle(compute("a", Priority.of(0), "s1"), compute("b", Priority.of(1), "s2"));
        assertThat(ws.stateOf("b")).isEqualTo(READY);
        assertThat(ws.handle(new Secede("a", "s3", 0)))
                .containsExactly(new LongRunningMsg("a", "s3"), new Execute("b", "s3"));
        assertThat(ws.stateOf("a")).isEqualTo(LONG_RUNNING);
        assertThat(ws.state().executingCount()).isOne();
        assertThat(ws.state().longRunningCount()).isOne();
        assertThat(ws.handle(success("a", "s4"))).containsExactly(finished("a", "s4"));
        assertThat(ws.state().longRunningCount()).isZero();
    }

    @Test
    void rejoinWaitsForAFreeSlotBeforeReadyTasks() {
        // nthreads = 1: a secedes, b takes the slot; a's rejoin waits until b returns, then gets the slot before c.
        ws.handle(
                compute("a", Priority.of(0), "s1"),
                compute("b", Priority.of(1), "s2"),
                compute("c", Priority.of(2), "s3"));
        ws.handle(new Secede("a", "s4", 0));
        assertThat(ws.stateOf("b")).isEqualTo(EXECUTING);
        assertThat(ws.handle(new WorkerEvent.Rejoin("a", "s5", 0))).isEmpty();
        assertThat(ws.stateOf("a")).isEqualTo(LONG_RUNNING);
        assertThat(ws.handle(success("b", "s6")))
                .containsExactly(finished("b", "s6"), new WorkerInstruction.Rejoined("a", "s6"));
        assertThat(ws.stateOf("a")).isEqualTo(EXECUTING);
        assertThat(ws.stateOf("c")).isEqualTo(READY);
        assertThat(ws.state().executingCount()).isOne();
        assertThat(ws.state().longRunningCount()).isZero();
        assertThat(ws.handle(success("a", "s7"))).containsExactly(finished("a", "s7"), new Execute("c", "s7"));
    }

    @Test
    void rejoinWithAFreeSlotOrWithoutSecedingIsAnsweredAtOnce() {
        ws.handle(compute("a", Priority.of(0), "s1"));
        assertThat(ws.handle(new WorkerEvent.Rejoin("a", "s2", 0)))
                .containsExactly(new WorkerInstruction.Rejoined("a", "s2")); // never seceded
        ws.handle(new Secede("a", "s3", 0));
        assertThat(ws.handle(new WorkerEvent.Rejoin("a", "s4", 0)))
                .containsExactly(new WorkerInstruction.Rejoined("a", "s4"));
        assertThat(ws.stateOf("a")).isEqualTo(EXECUTING);
        assertThat(ws.handle(new WorkerEvent.Rejoin("gone", "s5", 0)))
                .containsExactly(new WorkerInstruction.Rejoined("gone", "s5"));
    }

    @Test
    void cancelComputeReleasesOnlyTasksNotStarted() {
        ws.handle(compute("a", Priority.of(0), "s1"), compute("b", Priority.of(1), "s2"));
        // The running one stays EXECUTING in the state; the shell is asked to stop its thread.
        assertThat(ws.handle(new CancelCompute("b", "s3", 0), new CancelCompute("a", "s4", 0)))
                .containsExactly(new WorkerInstruction.CancelExecution("a", "s4"));
        assertThat(ws.stateOf("b")).isEqualTo(FORGOTTEN);
        assertThat(ws.stateOf("a")).isEqualTo(EXECUTING);
    }

    @Test
    void storyTellsATasksTransitionsWithTheirStimuli() {
        ws.handle(compute("x", "s1"), success("x", "s2"));
        var story = ws.state().story("x");
        assertThat(story)
                .extracting(Transition::from, Transition::to, Transition::stimulusId)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(RELEASED, WAITING, "s1"),
                        org.assertj.core.groups.Tuple.tuple(WAITING, READY, "s1"),
                        org.assertj.core.groups.Tuple.tuple(READY, EXECUTING, "s1"),
                        org.assertj.core.groups.Tuple.tuple(EXECUTING, MEMORY, "s2"));
        assertThat(story.get(0).recommendations()).containsExactly(Map.entry("x", READY));
        assertThat(story.get(1).recommendations()).containsExactly(Map.entry("x", EXECUTING));
        assertThat(ws.state().story("s2")).hasSize(1);
    }

    @Test
    void storyRecordsWhereAPathThroughReleasedEnded() {
        ws.handle(compute("x", "s1"), failure("x", "boom", "s2"), compute("x", "s3"));
        // ERROR -> WAITING has no edge: it goes through RELEASED.
        assertThat(ws.state().story("s3"))
                .extracting(Transition::key, Transition::from, Transition::to)
                .startsWith(
                        org.assertj.core.groups.Tuple.tuple("x", ERROR, RELEASED),
                        org.assertj.core.groups.Tuple.tuple("x", RELEASED, WAITING));
    }

    @Test
    void replayingTheRecordedEventsReachesTheSameState() {
        WorkerStateBuilder options = WorkerState.builder(ME).nthreads(2).seed(42);
        WorkerState original = options.build();
        var instructions = new ArrayList<WorkerInstruction>();
        instructions.addAll(original.handle(
                compute("y", whoHas("a", List.of(P1, P2), "b", List.of(P2)), "s1"),
                compute("x", Priority.of(1), "s2"),
                compute("w", Priority.of(2), "s3"),
                compute("v", Priority.of(3), "s4")));
        instructions.addAll(original.handle(
                unreachable(P1, "s5", "a"),
                gathered(P2, "s6", "a", "b"),
                success("x", "s7"),
                freeKeys("s8", "w"),
                new Secede("v", "s9", 0),
                failure("y", "boom", "s10")));
        original.validate();

        WorkerState replayed = options.build();
        var replayedInstructions = replayed.handle(original.recentEvents());

        assertThat(original.eventsDropped()).isZero();
        assertThat(replayed.describe()).isEqualTo(original.describe());
        assertThat(replayedInstructions).isEqualTo(instructions);
        assertThat(replayed.transitionLog()).isEqualTo(original.transitionLog());
    }

    @Test
    void invalidTransitionNamesKeyStatesStimulusAndStory() {
        ws.handle(compute("a", Priority.of(0), "s1"), compute("q", Priority.of(1), "s2"));
        assertThat(ws.stateOf("q")).isEqualTo(READY); // behind a, on the only thread
        // READY -> LONG_RUNNING has no edge; through RELEASED, RELEASED -> LONG_RUNNING has none either.
        assertThatThrownBy(() -> ws.state().recommendForTest("q", LONG_RUNNING, "s3"))
                .isInstanceOfSatisfying(InvalidTransition.class, e -> {
                    assertThat(e.key()).isEqualTo("q");
                    assertThat(e.from()).isEqualTo(READY);
                    assertThat(e.to()).isEqualTo(LONG_RUNNING);
                    assertThat(e.stimulusId()).isEqualTo("s3");
                    assertThat(e.story())
                            .extracting(Transition::from, Transition::to)
                            .containsExactly(
                                    org.assertj.core.groups.Tuple.tuple(RELEASED, WAITING),
                                    org.assertj.core.groups.Tuple.tuple(WAITING, READY),
                                    org.assertj.core.groups.Tuple.tuple(READY, RELEASED));
                    assertThat(e.getMessage())
                            .contains("task 'q'", "READY -> LONG_RUNNING", "stimulus 's3'", "q: RELEASED -> WAITING");
                    assertThat(e.getCause())
                            .isInstanceOf(InvalidTransition.class)
                            .hasMessageContaining("RELEASED -> LONG_RUNNING");
                });
    }

    @Test
    void transitionCounterCapStopsRunawayLoops() {
        var ws = WorkerStates.forTest(ME, b -> b.transitionCounterMax(3));
        ws.handle(compute("x", "s1")); // 3 transitions
        assertThatThrownBy(() -> ws.handle(success("x", "s2")))
                .isInstanceOf(TransitionCounterMaxExceeded.class)
                .hasMessageContaining("'x'")
                .hasMessageContaining("EXECUTING -> MEMORY")
                .hasMessageContaining("s2");
    }

    @Test
    void instructionsAndEventsCopyTheirCollections() {
        var keys = new ArrayList<>(List.of("a"));
        var ev = new WorkerEvent.FreeKeys(keys, "s", 0);
        keys.add("b");
        assertThat(ev.keys()).containsExactly("a");
        assertThatThrownBy(() -> ev.keys().add("c")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void transitionTableHasTheDaskEdges() {
        assertThat(WorkerTransitions.hasEdge(RELEASED, WAITING)).isTrue();
        assertThat(WorkerTransitions.hasEdge(EXECUTING, RELEASED)).isTrue();
        assertThat(WorkerTransitions.hasEdge(CANCELLED, WAITING)).isTrue();
        assertThat(WorkerTransitions.hasEdge(RESUMED, MEMORY)).isTrue();
        assertThat(WorkerTransitions.hasEdge(MEMORY, WAITING)).isFalse(); // goes through RELEASED
        assertThat(WorkerTransitions.hasEdge(RELEASED, EXECUTING)).isFalse(); // invalid
    }
}
