package io.jdask.worker.state;

import static io.jdask.worker.state.Events.freeKeys;
import static io.jdask.worker.state.Events.scattered;
import static io.jdask.worker.state.WorkerTaskState.RELEASED;
import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.worker.state.WorkerInstruction.DropData;
import io.jdask.worker.state.WorkerInstruction.ReleaseWorkerDataMsg;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The per-event scratch has one reset, used by {@code handle} and by the test hook alike. Before, the hook cleared
 * all scratch fields but {@code freedByScheduler}: a key left there would have silenced the {@link
 * ReleaseWorkerDataMsg} of a later release of that key, one the scheduler did not ask for.
 */
class EventScratchTest {
    private static final String ME = "tcp://127.0.0.1:1";

    private final WorkerStates ws = WorkerStates.forTest(ME);

    @Test
    void handleLeavesNoScratchBehind() {
        ws.handle(scattered("s1", "x"));
        // The scheduler freed x: it knows already, so no ReleaseWorkerDataMsg.
        assertThat(ws.handle(freeKeys("s2", "x"))).containsExactly(new DropData(List.of("x"), "s2"));
        assertThat(ws.state().scratchIsClear()).isTrue();
    }

    @Test
    void recommendForTestLeavesNoScratchBehind() {
        ws.handle(scattered("s1", "x", "y"));
        ws.handle(freeKeys("s2", "x"));

        var out = ws.state().recommendForTest("y", RELEASED, "s3");

        assertThat(out).containsExactly(new ReleaseWorkerDataMsg("y", "s3"), new DropData(List.of("y"), "s3"));
        assertThat(ws.state().scratchIsClear()).isTrue();
        ws.state().validate();
    }

    @Test
    void aKeyFreedByTheSchedulerOnceIsReportedWhenReleasedLaterForAnotherReason() {
        ws.handle(scattered("s1", "x"));
        ws.handle(freeKeys("s2", "x"));
        ws.handle(scattered("s3", "x"));

        // Not the scheduler's doing this time: it must hear of it.
        var out = ws.state().recommendForTest("x", RELEASED, "s4");

        assertThat(out).contains(new ReleaseWorkerDataMsg("x", "s4"));
        assertThat(ws.state().scratchIsClear()).isTrue();
    }
}
