package io.jdask.worker;

import io.jdask.Fn0;
import io.jdask.WorkerContext;
import io.jdask.WorkerPlugin;
import io.jdask.protocol.Message;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.Serializer;
import io.jdask.protocol.WorkerMsg;
import io.jdask.spi.TaskContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note. What a worker runs outside the task graph: client.run functions and worker plugins (issue 16 item 2;
 * Dask's Scheduler.broadcast of run, and WorkerPlugin). Both arrive as bytes of a client's objects, so, like a task,
 * they are opened with that client's class loader on a thread that may wait for classes: never on the loop.
 *
 * Runs go to a pool of their own (a slow one must not hold up another). Plugins are set up and torn down one at a
 * time, in arrival order, on one thread: a plugin registered again under its name replaces the old one, which is
 * torn down first. A task must find the plugins registered before it was submitted set up: the scheduler sends a
 * SetupPlugin before any ComputeTask that follows it, so the inbox counts each one on arrival (pluginArrived), and a
 * task thread waits, before it runs its task, until every setup counted by then has ended (awaitSetups; one volatile
 * read when none is pending). Teardown runs at close, on the same thread, bounded in time.
 */
/** Runs client.run functions and sets up and tears down worker plugins; see the note above. */
final class WorkerRuns {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerRuns.class);
    /** The output key of lines a run function prints. */
    static final String RUN_OUTPUT_KEY = "client.run";
    /** How long all teardowns together may take when the worker closes. */
    static final long TEARDOWN_SECONDS = 10;

    private final Serializer serializer;
    private final FnDecoder decoder;
    private final CodeLoaders code;
    private final Consumer<Message> send;
    private final TaskContext.Host host;
    /** Captures a run's printing, or null when output is not forwarded. */
    private final OutputForwarder output;

    private final ExecutorService runPool;
    private final ExecutorService pluginThread;
    /** Set up plugins by name; confined to the plugin thread. */
    private final LinkedHashMap<String, WorkerPlugin> plugins = new LinkedHashMap<>();
    /** SetupPlugins that arrived; written by the inbox's thread, read by task threads. Guarded by this. */
    private long arrived;
    /** SetupPlugins whose setup ended (well or not); guarded by this. */
    private long ended;
    /** Whether a setup arrived that has not ended: the fast path of {@link #awaitSetups}. */
    private volatile boolean pending;

    WorkerRuns(
            Serializer serializer,
            FnDecoder decoder,
            CodeLoaders code,
            Consumer<Message> send,
            TaskContext.Host host,
            OutputForwarder output) {
        this.serializer = serializer;
        this.decoder = decoder;
        this.code = code;
        this.send = send;
        this.host = host;
        this.output = output;
        this.runPool = Executors.newCachedThreadPool(r -> daemon(r, "jdask-worker-run"));
        this.pluginThread = Executors.newSingleThreadExecutor(r -> daemon(r, "jdask-worker-plugins"));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** The worker as plugins see it. */
    private record Context(String address, String name, int nthreads, String taskKey) implements WorkerContext {}

    private WorkerContext context() {
        return new Context(host.address(), host.name(), host.nthreads(), null);
    }

    // ---------------------------------------------------------------------------------------------------- run

    /** Any thread: runs the function on a thread of its own and answers the scheduler. */
    void run(SchedulerMsg.RunOnWorker r) {
        try {
            runPool.execute(() -> send.accept(new WorkerMsg.RunResult(r.requestId(), runNow(r))));
        } catch (RejectedExecutionException closing) {
            LOG.debug("worker closing: run {} dropped", r.requestId());
        }
    }

    private WorkerMsg.RunOutcome runNow(SchedulerMsg.RunOnWorker r) {
        Thread self = Thread.currentThread();
        ClassLoader previous = self.getContextClassLoader();
        try {
            if (r.fn() == null) throw new IllegalArgumentException("a client.run request without a function");
            ClassLoader loader = code.forClient(r.clientId());
            self.setContextClassLoader(loader);
            Object fn = decoder.fn(r.fn(), loader, "a client.run request");
            if (!(fn instanceof Fn0<?> f)) {
                throw new IllegalArgumentException("client.run needs an Fn0 (no arguments), got "
                        + fn.getClass().getName());
            }
            Object value;
            TaskContext.enter(null, host);
            if (output != null && r.clientId() != null) {
                OutputCapture.begin(output.sink(r.clientId(), RUN_OUTPUT_KEY));
            }
            try {
                value = f.apply();
            } finally {
                if (output != null) OutputCapture.end();
                TaskContext.exit();
                Thread.interrupted();
            }
            byte[] bytes;
            try {
                bytes = serializer.serialize(value);
            } catch (RuntimeException | StackOverflowError e) {
                throw new IllegalStateException(
                        "the function returned a value that cannot be serialized: " + e.getMessage(), e);
            }
            return new WorkerMsg.RunOutcome(true, bytes, null, null, null, null);
        } catch (Throwable t) { // the function's failure is the caller's to see, never the worker's
            return failed(t);
        } finally {
            self.setContextClassLoader(previous);
        }
    }

    private WorkerMsg.RunOutcome failed(Throwable t) {
        TaskError e = TaskError.of(t, serializer);
        return new WorkerMsg.RunOutcome(false, null, e.exception(), e.exceptionType(), e.message(), e.traceback());
    }

    // ---------------------------------------------------------------------------------------------------- plugins

    /** The inbox's thread, in arrival order: counts the setup (tasks after it wait for it) and queues it. */
    void setup(SchedulerMsg.SetupPlugin p) {
        synchronized (this) {
            arrived++;
            pending = true;
        }
        try {
            pluginThread.execute(() -> {
                WorkerMsg.RunOutcome outcome;
                try {
                    outcome = setupNow(p);
                } finally {
                    setupEnded();
                }
                if (p.requestId() != 0) send.accept(new WorkerMsg.RunResult(p.requestId(), outcome));
            });
        } catch (RejectedExecutionException closing) {
            setupEnded();
        }
    }

    private synchronized void setupEnded() {
        ended++;
        if (ended >= arrived) pending = false;
        notifyAll();
    }

    private WorkerMsg.RunOutcome setupNow(SchedulerMsg.SetupPlugin p) {
        Thread self = Thread.currentThread();
        ClassLoader previous = self.getContextClassLoader();
        try {
            if (p.plugin() == null || p.name() == null) {
                throw new IllegalArgumentException("a plugin registration without a name or the plugin's bytes");
            }
            ClassLoader loader = code.forClient(p.clientId());
            self.setContextClassLoader(loader);
            Object decoded = serializer.deserialize(p.plugin(), loader);
            if (!(decoded instanceof WorkerPlugin plugin)) {
                throw new IllegalArgumentException("plugin '" + p.name() + "' is a "
                        + (decoded == null ? "null" : decoded.getClass().getName()) + ", not an io.jdask.WorkerPlugin");
            }
            WorkerPlugin old = plugins.remove(p.name());
            if (old != null) teardown(p.name(), old);
            TaskContext.enter(null, host);
            try {
                plugin.setup(context());
            } finally {
                TaskContext.exit();
            }
            plugins.put(p.name(), plugin);
            LOG.info("worker {}: plugin {} set up", host.name(), p.name());
            return new WorkerMsg.RunOutcome(true, null, null, null, null, null);
        } catch (Throwable t) {
            LOG.error("worker {}: plugin {} failed to set up: {}", host.name(), p.name(), t.toString(), t);
            return failed(t);
        } finally {
            self.setContextClassLoader(previous);
        }
    }

    private void teardown(String name, WorkerPlugin plugin) {
        Thread self = Thread.currentThread();
        ClassLoader previous = self.getContextClassLoader();
        try {
            ClassLoader l = plugin.getClass().getClassLoader();
            if (l != null) self.setContextClassLoader(l);
            plugin.teardown();
        } catch (Throwable t) {
            LOG.warn("worker {}: plugin {} failed to tear down: {}", host.name(), name, t.toString(), t);
        } finally {
            self.setContextClassLoader(previous);
        }
    }

    /**
     * Task thread, before it runs a task: waits until every plugin setup that arrived before now has ended. Returns at
     * once (one volatile read) when none is pending; an interrupt (a cancel) ends the wait with the flag set again.
     */
    void awaitSetups() {
        if (!pending) return;
        synchronized (this) {
            long target = arrived;
            try {
                while (ended < target) wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The names of the plugins set up now (for tests); waits for the plugin thread. */
    List<String> pluginNames() {
        try {
            return pluginThread.submit(() -> List.copyOf(plugins.keySet())).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot list the plugins: " + e, e);
        }
    }

    /** The worker closes: tears every plugin down (newest first), for at most {@link #TEARDOWN_SECONDS}, and stops. */
    void close() {
        runPool.shutdownNow();
        try {
            Future<?> done = pluginThread.submit(() -> {
                List<String> names = new ArrayList<>(plugins.keySet());
                for (int i = names.size() - 1; i >= 0; i--) teardown(names.get(i), plugins.remove(names.get(i)));
            });
            done.get(TEARDOWN_SECONDS, TimeUnit.SECONDS);
        } catch (RejectedExecutionException e) {
            // closed already
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("worker {}: plugin teardown did not end within {} s: {}", host.name(), TEARDOWN_SECONDS, e);
        } finally {
            pluginThread.shutdownNow();
        }
    }
}
