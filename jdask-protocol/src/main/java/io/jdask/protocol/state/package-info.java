/**
 * The vocabulary both pure state machines share: the scheduler's ({@code io.jdask.scheduler.state}) and the
 * worker's ({@code io.jdask.worker.state}). One idea, one type: a {@link io.jdask.protocol.state.Transition} is an
 * entry of either machine's story, kept in a {@link io.jdask.protocol.state.BoundedLog}; a missing edge throws
 * {@link io.jdask.protocol.state.InvalidTransition}; the loop guard throws {@link
 * io.jdask.protocol.state.TransitionCounterMaxExceeded}; a task's {@link io.jdask.protocol.state.Priority} is the
 * tuple the scheduler computes and the worker orders by. Each machine keeps its own task-state enum
 * ({@code SchedulerTaskState}, {@code WorkerTaskState}): the states differ, as they do in Dask.
 *
 * <p>Pure like the state machines that use it: no network, threads, clock or files (the ArchUnit tests of both
 * state packages cover this one too). It lives in {@code jdask-protocol} because both machines' modules depend on
 * it already.
 */
package io.jdask.protocol.state;
