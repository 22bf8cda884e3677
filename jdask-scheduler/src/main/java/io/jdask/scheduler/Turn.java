package io.jdask.scheduler;

import io.jdask.scheduler.state.SchedulerEvent;
import io.jdask.scheduler.state.SchedulerState;

/**
 * What the loop's current turn offers the parts that handle requests: its time, queueing an event for the turn's
 * {@code handle}, and flushing the queued events first when an answer must reflect them. Implemented by the loop;
 * loop thread only.
 */
interface Turn {
    /** The loop clock's reading at the start of this turn; the time put on every event of the turn. */
    long now();

    /** Queues an event for the state; handled with the turn's other events. */
    void event(SchedulerEvent event);

    /** Hands the queued events to the state now and routes its instructions. */
    void flush();

    /** A nanny's account of why the worker process {@code pid} ended (see {@link WorkerExits}). */
    void nannyAccount(long pid, String cause);

    /** The state, for reading (views and queries); only the loop mutates it, through events. */
    SchedulerState state();
}
