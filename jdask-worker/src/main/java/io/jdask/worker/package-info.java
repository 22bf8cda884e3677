/**
 * The worker process: {@link io.jdask.worker.WorkerServer}, the shell around the pure state machine
 * of {@code io.jdask.worker.state}, with its parts (the loop, task threads, data serving, peer
 * transfers, code shipping, actors; listed in its design note), and {@link
 * io.jdask.worker.WorkerMain}, the process entry point, with its options in {@link
 * io.jdask.worker.WorkerOptions}.
 *
 * <h2>Names</h2>
 *
 * <ul>
 *   <li>"loop" is the single thread that owns the {@code WorkerState}; "task" threads run
 *       tasks ({@code TaskThreads}); "I/O" threads belong to the transports.
 *   <li>A "run spec" is {@code Serializer.serialize(new Object[] {fn, args})}, made by the
 *       client; dependencies appear in {@code args} as {@code io.jdask.graph.TaskRef}s.
 *   <li>"stored" values live in the {@code DataStore}; "received" ones arrived as bytes and are
 *       opened lazily, "computed" ones were produced here.
 * </ul>
 */
package io.jdask.worker;
