package io.jdask.worker;

import io.jdask.Profile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note. Statistical profiling as Dask's worker does it (distributed/profile.py: a thread that samples the
 * frames of the task threads every 10 ms and merges them into a call tree with counts). Java gives us the same
 * with Thread.getStackTrace() on the threads the worker registers while they run a task
 * (TaskThreads#runningThreads, key -> thread). Each call costs a thread handshake, microseconds per busy thread; with no busy
 * thread a tick costs nothing but the wake-up.
 *
 * What a sample records: [function name (the key's prefix), then the task's frames below io.jdask.graph.Task.call,
 * outermost first]. The worker's own frames above (TaskThreads, TaskRunner, Task.call) are the same in every sample and
 * left out. A sample taken while the thread is not inside Task.call (loading the task, storing its result, or
 * already running the next task) is dropped: the key would be wrong or the frames uninteresting.
 *
 * Frames are "Class.method": hidden classes of lambdas (Foo$$Lambda/0x1234) lose their address so that two runs
 * merge. Memory is bounded by Profile.Builder's node cap.
 *
 * Concurrency: the sampler thread adds to the builder, any thread may take a snapshot; both hold the builder's
 * monitor. sampleOnce() is also callable directly, so tests drive it without the thread.
 */
/** Samples the stacks of running tasks into a call tree. Thread-safe. */
final class Profiler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Profiler.class);
    /** The frame through which a worker calls a task's function; frames below it are the task's own. */
    private static final String TASK_CALL_CLASS = "io.jdask.graph.Task";

    private static final String TASK_CALL_METHOD = "call";

    /** The threads running tasks now, by key; owned by the worker, read here. */
    private final Map<String, Thread> taskThreads;

    private final long intervalNanos;
    /** Every sample so far. Guarded by itself. */
    private final Profile.Builder tree;

    private volatile boolean closed;
    private Thread thread;

    Profiler(Map<String, Thread> taskThreads, Duration interval, int maxNodes) {
        this.taskThreads = taskThreads;
        this.intervalNanos = interval.toNanos();
        this.tree = Profile.builder().maxNodes(maxNodes);
    }

    /** Starts the sampling thread, unless the interval is zero (profiling off). */
    Profiler start(String workerName) {
        if (intervalNanos <= 0) {
            return this;
        }
        thread = new Thread(this::run, "jdask-worker-profiler");
        thread.setDaemon(true);
        thread.start();
        LOG.debug("worker {}: sampling task threads every {} us", workerName, intervalNanos / 1000);
        return this;
    }

    private void run() {
        while (!closed) {
            try {
                sampleOnce();
            } catch (RuntimeException e) {
                LOG.debug("profiler sample failed: {}", e.toString());
            }
            LockSupport.parkNanos(intervalNanos);
        }
    }

    /** Takes one sample of every running task. */
    void sampleOnce() {
        if (taskThreads.isEmpty()) {
            return;
        }
        List<List<String>> stacks = new ArrayList<>();
        for (Map.Entry<String, Thread> e : taskThreads.entrySet()) {
            List<String> stack = stackOf(e.getKey(), e.getValue().getStackTrace());
            if (stack != null) {
                stacks.add(stack);
            }
        }
        synchronized (tree) {
            for (List<String> s : stacks) {
                tree.add(s, 1);
            }
        }
    }

    /** The call tree of every sample so far. */
    Profile snapshot() {
        synchronized (tree) {
            return tree.build();
        }
    }

    /**
     * The sample for one task thread: its function name, then its frames below Task.call, outermost first; null if
     * the thread is not inside Task.call.
     */
    static List<String> stackOf(String key, StackTraceElement[] trace) {
        int call = -1;
        for (int i = trace.length - 1; i >= 0; i--) { // the outermost Task.call: a task may call Task.call itself
            if (trace[i].getMethodName().equals(TASK_CALL_METHOD)
                    && trace[i].getClassName().equals(TASK_CALL_CLASS)) {
                call = i;
                break;
            }
        }
        if (call < 0) {
            return null;
        }
        List<String> out = new ArrayList<>(call + 1);
        out.add(io.jdask.TaskRecord.functionNameOf(key));
        for (int i = call - 1; i >= 0; i--) {
            out.add(frameName(trace[i]));
        }
        return out;
    }

    static String frameName(StackTraceElement e) {
        String cls = e.getClassName();
        int lambda = cls.indexOf("$$Lambda");
        if (lambda >= 0) {
            cls = cls.substring(0, lambda + "$$Lambda".length());
        }
        return cls + "." + e.getMethodName();
    }

    @Override
    public void close() {
        closed = true;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }
}
