/**
 * The worker's brain: a pure, single-threaded, deterministic state machine.
 *
 * <p>{@link io.jdask.worker.state.WorkerState#handle} is the only mutator. It takes
 * {@link io.jdask.worker.state.WorkerEvent}s (what happened: the scheduler asked for a task, a
 * task finished, a transfer failed...) and returns {@link io.jdask.worker.state.WorkerInstruction}s
 * (what the shell must do now: run a task, fetch keys from a peer, send a message to the
 * scheduler, delete values from the data store). Nothing here touches threads, sockets, files or
 * clocks; time arrives on each event. The design follows Dask's {@code worker_state_machine.py}
 * and its {@code worker-state.rst}; task states keep Dask's names so its docs map one to one.
 *
 * <h2>Naming conventions</h2>
 *
 * <ul>
 *   <li>Instructions whose name ends in {@code Msg} (they implement
 *       {@link io.jdask.worker.state.WorkerInstruction.SchedulerMessage}) are sent to the scheduler
 *       unchanged; the other instructions are performed by the worker shell itself.
 *   <li>Transition methods (in {@code WorkerTransitions}) are named {@code fromToTo} after the
 *       edge they implement ({@code waitingToReady}); {@code generic*} methods are shared bodies
 *       several edges reuse.
 *   <li>A "peer" is another worker we may fetch data from, named by its address.
 *   <li>"nbytes" is always a size in bytes; {@code -1} means unknown.
 * </ul>
 *
 * <p>The types both state machines share (the story's {@code Transition}, {@code InvalidTransition}, the
 * loop guard {@code TransitionCounterMaxExceeded}, {@code Priority}, {@code BoundedLog}) live in {@code
 * io.jdask.protocol.state}.
 *
 * <h2>Contract with the shell about values</h2>
 *
 * The state holds keys and sizes, never values. Before the shell hands in an event that carries
 * values ({@code ExecuteSuccess}, {@code GatherDepSuccess}, {@code UpdateData}) it has already put
 * those values in its data store. From then on the store must hold exactly the keys of the tasks
 * in {@link io.jdask.worker.state.WorkerTaskState#MEMORY}: whenever the state decides not to keep
 * a value (a cancelled task finished, a key arrived that nobody wants any more, the scheduler
 * freed a key) it emits {@link io.jdask.worker.state.WorkerInstruction.DropData}.
 *
 * <h2>How the shell drives it</h2>
 *
 * <ol>
 *   <li>Build once: {@code WorkerState.builder(address).nthreads(n).resources(...).build()}.
 *   <li>On the single event-loop thread, turn every scheduler message, finished thread, finished
 *       transfer and timer into a {@link io.jdask.worker.state.WorkerEvent} (stamped with a
 *       stimulus id and the clock's {@code now}) and call {@code handle(event)}.
 *   <li>Perform the returned instructions in order: {@code Execute} runs {@code
 *       task(key).runSpec()} on a pool thread with the values of {@code task(key).dependencyKeys()}
 *       (all in the store); {@code GatherDep} opens one transfer; {@code Rejoined} lets a
 *       rejoining thread go on; {@code DropData} deletes values; every {@code ...Msg} goes to the
 *       scheduler. Completions come back as events (step 2), never as direct calls.
 *   <li>Every second or so, hand in {@code FindMissing}.
 * </ol>
 */
package io.jdask.worker.state;
