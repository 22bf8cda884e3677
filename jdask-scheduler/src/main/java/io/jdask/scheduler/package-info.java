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
 *       calls {@code handle} once, and routes the instructions as messages, one write per connection. It
 *       composes the parts below, each loop-confined.
 *   <li>{@code Translator}: pure; a message, its sender's role and the time become a {@code Translation} (an
 *       event, a task report, a registration, a request for the shell, or a rejection).
 *   <li>{@code Router}: the state's instructions become messages to workers and clients.
 *   <li>{@code Requests}: what the shell answers itself: queries, {@code ClassRelay} (classes, static state,
 *       jars), {@code Restarts}, {@code Coordination}, and {@code WorkerGathers} (a question to every worker,
 *       answered when all replied or left or at a deadline; profiles use it).
 *   <li>{@code Connections} (connections by role; sending, where the caller says whether a message may be held)
 *       and {@code SendHold} of jdask-protocol (how long client task reports may wait for company).
 *   <li>{@code LoopTimer}: anything with deadlines; the loop keeps one timer for the earliest of them.
 *   <li>{@link io.jdask.scheduler.SchedulerMain}: the process entry point.
 * </ul>
 *
 * <h2>Connections</h2>
 * A connection whose handshake role is {@code "client"} is a client at once (it gets an id and a
 * {@code ClientWelcome}); any other connection must send {@code RegisterWorker} first and is then known by the
 * listening address in it. A message a role may not send, or one that cannot be translated, closes that one
 * connection with a log line. A closed worker connection removes the worker through the loop's one removal
 * path (its tasks are rescheduled, whatever waited for it stops waiting); a closed client connection releases
 * everything the client wanted.
 *
 * <h2>Names</h2>
 * The pseudo-client {@code "fire-and-forget"} wants the keys of {@code FireAndForget} until they finish.
 * Stimulus ids made up by the shell read {@code <what>-<sequence>}, e.g. {@code update-graph-17}; ids sent by
 * workers are kept.
 */
package io.jdask.scheduler;
