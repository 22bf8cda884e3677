package io.jdask.scheduler;

import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.WorkerMsg;
import io.jdask.scheduler.state.SchedulerEvent;

/** What the {@link Translator} made of one received message: what the loop does with it. */
sealed interface Translation {

    /** An event for the state, handled with the turn's other events. */
    record Event(SchedulerEvent event) implements Translation {}

    /**
     * A worker's report of a task run ({@code TaskFinished}/{@code TaskErred}): its event, its task stream entry
     * (null when the task failed before its function ran) and the result's inline bytes (null when none).
     */
    record TaskReport(SchedulerEvent event, SchedulerMsg.TaskStreamEntry entry, byte[] inlineValue)
            implements Translation {}

    /**
     * A new connection registers as a worker (its process id {@code pid}, for the log); the loop admits it unless its
     * address is taken.
     */
    record RegisterWorker(SchedulerEvent.AddWorker event, long pid) implements Translation {}

    /** A client message the loop answers, relays or carries out itself. */
    record ClientRequest(ClientMsg.Request request) implements Translation {}

    /** A worker message the loop answers, relays or reports on itself. */
    record WorkerRequest(WorkerMsg.Request request) implements Translation {}

    /** The sender may not send this message: the loop closes its connection, saying {@code why}. */
    record Reject(String why) implements Translation {}
}
