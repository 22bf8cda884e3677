package io.jdask.worker;

import io.jdask.protocol.Message;
import io.jdask.protocol.WorkerMsg;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's batches of task output on their way to the clients: task threads add lines ({@link #sink}), the loop
 * sends them to the scheduler as one {@link WorkerMsg.TaskOutput} per client, at most {@link #FLUSH_NANOS} after the
 * first line of a batch, at once when {@link #MAX_BUFFERED_CHARS} are waiting, and before a task's outcome ({@link
 * #flush} from the loop), so that a client sees what a task printed before it sees the task finished. Lines of one
 * task come from its thread in order and keep that order through the buffer and the connection.
 *
 * <p>Output the scheduler could not deliver (its client left) comes back and is written to this worker's log.
 *
 * <p>Threads: {@link #add} from any task thread, {@link #flush} on the loop; the buffer is guarded by {@code this}.
 */
final class OutputForwarder {
    private static final Logger LOG = LoggerFactory.getLogger(OutputForwarder.class);

    /** How long the first line of a batch may wait for more (the brief: well under a second; Ray's is 100-ish ms). */
    static final long FLUSH_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /** A batch this large is sent without waiting for the timer. */
    static final int MAX_BUFFERED_CHARS = 64 * 1024;

    /** Runs a job on the worker's loop after a delay; false if the loop is gone. */
    interface Timer {
        boolean schedule(Runnable job, long delayNanos);
    }

    private final Supplier<String> workerName;
    private final Consumer<Message> send;
    private final Timer timer;
    private final Consumer<Runnable> post;

    /** Lines waiting, by client id, in the order added; guarded by this. */
    private LinkedHashMap<String, List<WorkerMsg.OutputLine>> waiting = new LinkedHashMap<>();
    /** Characters waiting; guarded by this. */
    private int waitingChars;
    /** Whether a timed flush is scheduled; guarded by this. */
    private boolean timerArmed;
    /** Whether a flush of a full batch is posted; guarded by this. */
    private boolean fullPosted;
    /** True while lines wait: lets the loop's flush before every task outcome skip the lock when there are none. */
    private volatile boolean any;

    OutputForwarder(Supplier<String> workerName, Consumer<Message> send, Timer timer, Consumer<Runnable> post) {
        this.workerName = workerName;
        this.send = send;
        this.timer = timer;
        this.post = post;
    }

    /** Where a task's captured lines go: into the batch of the client that submitted it. */
    OutputCapture.Sink sink(String clientId, String key) {
        return (error, text) -> add(clientId, key, error, text);
    }

    /** Task thread (or any): queues one line; arms a flush. */
    void add(String clientId, String key, boolean error, String text) {
        boolean schedule = false;
        boolean full = false;
        synchronized (this) {
            waiting.computeIfAbsent(clientId, c -> new ArrayList<>()).add(new WorkerMsg.OutputLine(key, error, text));
            waitingChars += text.length() + 16;
            any = true;
            if (waitingChars >= MAX_BUFFERED_CHARS && !fullPosted) {
                fullPosted = full = true;
            } else if (!timerArmed) {
                timerArmed = schedule = true;
            }
        }
        if (full) {
            post.accept(this::flush);
        } else if (schedule && !timer.schedule(this::timedFlush, FLUSH_NANOS)) {
            synchronized (this) {
                timerArmed = false; // the loop is gone
            }
        }
    }

    private void timedFlush() {
        synchronized (this) {
            timerArmed = false;
        }
        flush();
    }

    /** Loop: sends what waits, one message per client. */
    void flush() {
        if (!any) return;
        Map<String, List<WorkerMsg.OutputLine>> batch;
        synchronized (this) {
            batch = waiting;
            waiting = new LinkedHashMap<>();
            waitingChars = 0;
            fullPosted = false;
            any = false;
        }
        String name = workerName.get();
        for (var e : batch.entrySet()) {
            send.accept(new WorkerMsg.TaskOutput(e.getKey(), name, e.getValue()));
        }
    }

    /** The scheduler could not deliver these lines (their client left): they go to this worker's log. Any thread. */
    static void logUndelivered(String clientId, List<WorkerMsg.OutputLine> lines) {
        if (lines == null) return;
        for (WorkerMsg.OutputLine l : lines) {
            if (l == null) continue;
            LOG.info("[{} of {}, client gone] {}", l.key(), clientId, l.text());
        }
    }

    /** Lines waiting now (for tests). */
    synchronized int waitingLines() {
        int n = 0;
        for (List<WorkerMsg.OutputLine> l : waiting.values()) n += l.size();
        return n;
    }
}
