package io.jdask.worker.state;

import static io.jdask.worker.state.Events.compute;
import static io.jdask.worker.state.Events.refresh;
import static io.jdask.worker.state.Events.unreachable;
import static io.jdask.worker.state.Events.whoHas;
import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.worker.state.WorkerEvent.FindMissing;
import io.jdask.worker.state.WorkerInstruction.GatherDep;
import io.jdask.worker.state.WorkerInstruction.MissingDataMsg;
import io.jdask.worker.state.WorkerInstruction.RequestRefreshWhoHasMsg;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 13's fifteen-minute loop: a holder that the scheduler still lists but that cannot serve (it ran out of memory
 * while serving) was asked again every second, forever. Now the worker gives the holder up after a bound.
 */
class FetchRetryBoundTest {
    private static final String ME = "tcp://10.0.0.1:1";
    private static final String SICK = "tcp://10.0.0.2:1";

    @Test
    void aHolderThatKeepsFailingIsReportedToTheSchedulerAfterABoundedNumberOfTries() {
        var ws = WorkerStates.forTest(ME);
        var out = new ArrayList<WorkerInstruction>(ws.handle(compute("z", whoHas("a", List.of(SICK)), "s0")));
        int gathers = 0;
        List<MissingDataMsg> reports = new ArrayList<>();
        // The scheduler keeps saying SICK has it, as it did for fifteen minutes; a minute of once-a-second rounds.
        for (int round = 1; round <= 60 && reports.isEmpty(); round++) {
            for (WorkerInstruction i : out) {
                if (i instanceof GatherDep) gathers++;
            }
            out.clear();
            out.addAll(ws.handle(unreachable(SICK, "fail-" + round, "a")));
            out.addAll(ws.handle(new FindMissing("find-" + round, 0)));
            assertThat(out).anyMatch(i -> i instanceof RequestRefreshWhoHasMsg || i instanceof MissingDataMsg);
            for (WorkerInstruction i : out) {
                if (i instanceof MissingDataMsg m) reports.add(m);
            }
            out.addAll(ws.handle(refresh(Map.of("a", List.of(SICK)), "refresh-" + round)));
        }
        assertThat(reports).containsExactly(new MissingDataMsg("a", SICK, "fail-" + WorkerState.MAX_FETCH_FAILURES));
        assertThat(gathers).isEqualTo(WorkerState.MAX_FETCH_FAILURES);
    }
}
