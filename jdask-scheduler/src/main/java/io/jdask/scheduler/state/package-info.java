/**
 * The scheduler's pure state machine: {@link io.jdask.scheduler.state.SchedulerState} takes
 * {@link io.jdask.scheduler.state.SchedulerEvent}s and returns
 * {@link io.jdask.scheduler.state.SchedulerInstruction}s; it does no I/O, reads no clock, starts no
 * thread (an ArchUnit test keeps it so). The network shell that drives it lives in
 * {@code io.jdask.scheduler}.
 *
 * <p>Naming. Task states are Dask's ({@link io.jdask.scheduler.state.SchedulerTaskState}). Transition
 * methods are named {@code fromToTo} after the (from, to) pair of the table (in
 * {@code SchedulerTransitions}; {@code TransitionLoop} runs them); a transition asked for is a
 * {@code Recommendation}, whose type carries what the edge needs, as on the worker. {@code SchedulerTask} and
 * {@code WorkerInfo} are the scheduler's records of a task and a worker (the worker side has
 * {@code WorkerTask} and {@code WorkerState}). "Root-ish" means no dependencies and no restrictions.
 * "Active" states are WAITING, QUEUED, NO_WORKER and PROCESSING: a task in one still needs its
 * dependencies. A task's "waiters" are its active dependents. The types both state machines share (the
 * story's {@code Transition}, {@code InvalidTransition}, the loop guard, {@code Priority}) live in
 * {@code io.jdask.protocol.state}.
 */
package io.jdask.scheduler.state;
