package io.jdask.worker;

import io.jdask.protocol.Batch;
import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.Clock;
import io.jdask.protocol.CloseReason;
import io.jdask.protocol.Comm;
import io.jdask.protocol.CommHandler;
import io.jdask.protocol.DataMsg;
import io.jdask.protocol.Message;
import io.jdask.protocol.Ping;
import io.jdask.protocol.Pong;
import io.jdask.protocol.RunSpec;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.WorkerMsg;
import io.jdask.protocol.state.Priority;
import io.jdask.worker.state.WorkerEvent;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handler of a worker's scheduler connection: turns each message the state must know about into a {@link
 * WorkerEvent} and hands the events to the loop in arrival order; carries out the others (registration, client code,
 * profiles, close) through the {@link Shell}.
 *
 * <p>Events are queued, and the first one queued after a drain posts the next drain. A frame's messages (a {@code
 * Batch}: the scheduler sends a loop turn's ComputeTasks to a worker as one) are all delivered before that drain runs,
 * so it takes them together, and a run of ComputeTasks reaches the state as one handle call: one loop job and one
 * instruction list for the lot instead of one each.
 *
 * <p>Threads: {@link #onMessage} runs on the connection's I/O thread (with a TCP scheduler, the loop's own thread);
 * the drain runs on the loop. The queue is guarded by itself.
 */
final class SchedulerInbox implements CommHandler {
    private static final Logger LOG = LoggerFactory.getLogger(SchedulerInbox.class);

    /** What the worker does for the messages that are not state events. */
    interface Shell {
        /** The worker's name, for logs. */
        String name();

        /** Runs a job on the loop. */
        void post(Runnable job);

        /** Loop: hands events to the state and carries out its instructions. */
        void handle(WorkerEvent... events);

        /** The scheduler welcomed this worker. */
        void welcomed(String schedulerId);

        /** The scheduler wants this worker's profile. */
        void profileRequested(long requestId);

        /** Output of tasks whose client left came back from the scheduler: it goes to the worker's log. */
        void outputUndelivered(SchedulerMsg.OutputUndelivered m);

        /** A client's function to run now ({@code client.run}); on this thread, before any later message. */
        void run(SchedulerMsg.RunOnWorker m);

        /** A plugin to set up; on this thread, before any later ComputeTask is queued (those tasks wait for it). */
        void setupPlugin(SchedulerMsg.SetupPlugin m);

        /** The scheduler connection closed, or the scheduler asked the worker to close. */
        void close(String reason, boolean askedByScheduler);

        /**
         * The scheduler removed this worker (it was silent too long) and closes the connection: close, and come back
         * as a new worker.
         */
        void removed(String reason);

        /** The scheduler retired this worker: close for good (a worker process tells its nanny not to restart it). */
        void retire(String reason);
    }

    private final Shell shell;
    private final CodeLoaders code;
    private final Clock clock;
    /** Events not taken by the loop yet, in arrival order; guarded by itself. */
    private final ArrayDeque<WorkerEvent> queue = new ArrayDeque<>();

    SchedulerInbox(Shell shell, CodeLoaders code, Clock clock) {
        this.shell = shell;
        this.code = code;
        this.clock = clock;
    }

    @Override
    public void onMessage(Comm comm, Message message) {
        switch (message) {
            case SchedulerMsg m -> onSchedulerMessage(comm, m);
            case Ping p -> Misplaced.answer(comm, p);
            case Pong p -> Misplaced.ignore(shell.name(), comm, p, "this worker sends no Ping");
            case Batch b -> Misplaced.ignore(shell.name(), comm, b, "connections unpack batches");
            case DataMsg m -> Misplaced.ignore(shell.name(), comm, m, "data messages come to the listening address");
            case WorkerMsg m -> Misplaced.ignore(shell.name(), comm, m, "worker messages are for the scheduler");
            case ClientMsg m -> Misplaced.ignore(shell.name(), comm, m, "client messages are for the scheduler");
        }
    }

    @Override
    public void onClose(Comm comm, CloseReason reason) {
        shell.close("scheduler connection closed: " + reason, false);
    }

    private void onSchedulerMessage(Comm comm, SchedulerMsg message) {
        long now = clock.nanoTime();
        switch (message) {
            case SchedulerMsg.WorkerWelcome w -> shell.welcomed(w.schedulerId());
            case SchedulerMsg.ComputeTask c -> queue(computeTask(c, now));
            case SchedulerMsg.FreeKeys f -> queue(new WorkerEvent.FreeKeys(f.keys(), f.stimulusId(), now));
            case SchedulerMsg.CancelCompute c -> queue(new WorkerEvent.CancelCompute(c.key(), c.stimulusId(), now));
            case SchedulerMsg.StealRequest r ->
                queue(new WorkerEvent.StealRequest(r.key(), r.runId(), r.stimulusId(), now));
            case SchedulerMsg.RefreshWhoHas r ->
                queue(new WorkerEvent.RefreshWhoHas(orEmpty(r.whoHas()), r.stimulusId(), now));
            case SchedulerMsg.StaticState st -> code.updateStatics(st.clientId(), orEmpty(st.fields()));
            case SchedulerMsg.ClassBytes b -> code.onClassBytes(b);
            // Here, before any later ComputeTask is queued: the tasks that need these classes find them.
            case SchedulerMsg.PushedClasses p -> code.offer(p.clientId(), p.classes());
            case SchedulerMsg.AddJar j -> {
                // Here, before any later ComputeTask is queued: the tasks that need the jar find it.
                try {
                    code.addJar(j.name(), j.bytes());
                } catch (IOException e) {
                    LOG.error("worker {}: could not add jar {}: {}", shell.name(), j.name(), e.toString());
                }
            }
            case SchedulerMsg.WorkerProfileRequest p -> shell.profileRequested(p.requestId());
            case SchedulerMsg.CloseWorker c -> shell.close("scheduler asked: " + c.reason(), true);
            case SchedulerMsg.WorkerRemoved r -> shell.removed(r.reason());
            case SchedulerMsg.OutputUndelivered m -> shell.outputUndelivered(m);
            case SchedulerMsg.RunOnWorker m -> shell.run(m);
            case SchedulerMsg.SetupPlugin m -> shell.setupPlugin(m);
            case SchedulerMsg.AcquireReplicas a ->
                queue(new WorkerEvent.AcquireReplicas(orEmpty(a.whoHas()), orEmpty(a.nbytes()), a.stimulusId(), now));
            case SchedulerMsg.RetireWorker r -> shell.retire(r.reason());
            case SchedulerMsg.ClientWelcome m -> forClients(comm, m);
            case SchedulerMsg.KeyRunning m -> forClients(comm, m);
            case SchedulerMsg.KeyInMemory m -> forClients(comm, m);
            case SchedulerMsg.KeyErred m -> forClients(comm, m);
            case SchedulerMsg.KeyCancelled m -> forClients(comm, m);
            case SchedulerMsg.KeyLost m -> forClients(comm, m);
            case SchedulerMsg.KeyRecomputing m -> forClients(comm, m);
            case SchedulerMsg.ClusterInfo m -> forClients(comm, m);
            case SchedulerMsg.AdaptiveTargetReply m -> forClients(comm, m);
            case SchedulerMsg.FetchClassForWorker m -> forClients(comm, m);
            case SchedulerMsg.Ack m -> forClients(comm, m);
            case SchedulerMsg.CoordReply m -> forClients(comm, m);
            case SchedulerMsg.TopicMessage m -> forClients(comm, m);
            case SchedulerMsg.TaskStreamReply m -> forClients(comm, m);
            case SchedulerMsg.ProfileReply m -> forClients(comm, m);
            case SchedulerMsg.ClusterWarning m -> forClients(comm, m);
            case SchedulerMsg.TaskOutput m -> forClients(comm, m);
            case SchedulerMsg.RunReply m -> forClients(comm, m);
        }
    }

    private void forClients(Comm comm, SchedulerMsg m) {
        Misplaced.ignore(shell.name(), comm, m, "a scheduler message for clients");
    }

    /** The state's event for a ComputeTask message. */
    static WorkerEvent.ComputeTask computeTask(SchedulerMsg.ComputeTask c, long now) {
        return new WorkerEvent.ComputeTask(
                c.key(),
                c.runId(),
                new RunSpec(c.runSpec(), c.clientId()),
                Priority.of(c.priority() == null ? new long[0] : c.priority()),
                orEmpty(c.whoHas()),
                orEmpty(c.nbytes()),
                orEmpty(c.resources()),
                c.stimulusId(),
                now);
    }

    private void queue(WorkerEvent event) {
        boolean first;
        synchronized (queue) {
            first = queue.isEmpty();
            queue.add(event);
        }
        if (first) {
            shell.post(this::drain);
        }
    }

    /** Loop: hands the queued events to the state in arrival order, each run of ComputeTasks at once. */
    private void drain() {
        WorkerEvent[] events;
        synchronized (queue) {
            events = queue.toArray(new WorkerEvent[0]);
            queue.clear();
        }
        int from = 0;
        for (int i = 0; i < events.length; i++) {
            if (!(events[i] instanceof WorkerEvent.ComputeTask)) {
                if (from < i) {
                    shell.handle(Arrays.copyOfRange(events, from, i));
                }
                shell.handle(events[i]);
                from = i + 1;
            }
        }
        if (from < events.length) {
            shell.handle(from == 0 ? events : Arrays.copyOfRange(events, from, events.length));
        }
    }

    private static <K, V> Map<K, V> orEmpty(Map<K, V> m) {
        return m == null ? Map.of() : m;
    }
}
