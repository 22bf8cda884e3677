/**
 * The scheduler process: the network shell around the pure {@link io.jdask.scheduler.state.SchedulerState}.
 *
 * <h2>Map</h2>
 * <ul>
 *   <li>{@link io.jdask.scheduler.SchedulerServer}: start/stop, the bound address, read-only snapshots
 *       (workers, client count) for {@code LocalCluster} and tests. Configured by
 *       {@link io.jdask.scheduler.SchedulerServerConfig}.
 *   <li>{@code SchedulerLoop}: owns the state, on one thread (with TCP the scheduler's single Netty I/O thread,
 *       so a message is read, handled and answered without a thread hand-off). Connection handlers only queue
 *       (connection, message) items and a turn; a turn drains the queue, translates messages into events,
 *       calls {@code handle} once, and routes the instructions as messages, one write per connection.
 *   <li>{@link io.jdask.scheduler.SchedulerMain}: the process entry point.
 * </ul>
 *
 * <h2>Connections</h2>
 * A connection whose handshake role is {@code "client"} is a client at once (it gets an id and a
 * {@code ClientWelcome}); any other connection must send {@code RegisterWorker} first and is then known by the
 * listening address in it. A message a role may not send, or one that cannot be translated, closes that one
 * connection with a log line. A closed worker connection removes the worker (its tasks are rescheduled), a
 * closed client connection releases everything the client wanted.
 *
 * <h2>Names</h2>
 * The pseudo-client {@code "fire-and-forget"} wants the keys of {@code FireAndForget} until they finish.
 * Stimulus ids made up by the shell read {@code <what>-<sequence>}, e.g. {@code update-graph-17}; ids sent by
 * workers are kept.
 */
package io.jdask.scheduler;
