package io.jdask.worker;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nanny of one worker process, as Dask's {@code Nanny}: starts it, passes its error output on keeping the last
 * lines ({@link ErrorTail}), and when it exits says why ({@link WorkerExit}) and starts a fresh one, unless the exit
 * was asked for ({@link #stop}), the scheduler retired the worker ({@link WorkerServer#EXIT_RETIRED}), or it died
 * {@link #MAX_RESTARTS} times within a minute. {@code LocalCluster} keeps one per worker process, and so does
 * {@code jdask worker --nworkers N}.
 *
 * <p>Threads: {@link #start} and {@link #stop} from any thread; the exit of a process is handled on the JDK's
 * process-reaper thread (through {@code onExit}), which calls the {@link Listener}.
 */
public final class WorkerNanny {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerNanny.class);

    /** Restarts allowed within a minute before the nanny gives the worker up. */
    public static final int MAX_RESTARTS = 10;

    /**
     * A started process, what to do once it has exited (release what it was given: a directory, a slot), and the reader
     * of its output if the launcher made one (null: the nanny follows its error output).
     */
    public record Started(Process process, Runnable afterExit, ErrorTail errors) {
        public Started(Process process, Runnable afterExit) {
            this(process, afterExit, null);
        }
    }

    /** Told of every exit, after the nanny decided whether to restart. */
    public interface Listener {
        /**
         * @param pid the process that ended
         * @param exit why, as far as the nanny can tell
         * @param asked whether the end was asked for (stopped, or retired by the scheduler): nothing to blame
         * @param restarting whether a fresh process is being started
         */
        void exited(long pid, WorkerExit exit, boolean asked, boolean restarting);
    }

    private final String name;
    private final Supplier<Started> launcher;
    private final Listener listener;
    private final PrintStream echo;
    /**
     * Whether a worker that lost its scheduler ({@link WorkerServer#EXIT_SCHEDULER_LOST}) is restarted: true where it
     * can only have been dropped (the scheduler is in the nanny's JVM), else asked of {@link #schedulerReachable}.
     */
    private volatile java.util.function.BooleanSupplier schedulerReachable = () -> true;

    private final Object lock = new Object();
    /** Guarded by lock. */
    private Process process;
    /** Guarded by lock. */
    private boolean stopping;
    /** Guarded by lock: when the recent restarts happened (System.nanoTime). */
    private final List<Long> restarts = new ArrayList<>();
    /** Completes when the exit of the current process has been handled. */
    private volatile CompletableFuture<Void> exitHandled = CompletableFuture.completedFuture(null);

    /**
     * @param launcher starts one worker process with its error output piped ({@code Redirect.PIPE}); may throw
     * @param echo where the processes' error output goes on
     */
    /** The java program running this JVM, for worker processes started the same way. */
    public static String javaCommand() {
        return ProcessHandle.current()
                .info()
                .command()
                .orElse(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java")
                        .toString());
    }

    /**
     * The JVM flags every worker process gets, whoever starts it (LocalCluster, {@code jdask worker --nworkers}): out of
     * memory it exits at once (status 3, "Terminating due to java.lang.OutOfMemoryError", which the JVM prints to
     * stdout, moved to its error output) rather than run on half broken, and its nanny starts a fresh one; Fory's use
     * of {@code sun.misc.Unsafe} (JDK 23+) and Netty's native epoll library (JDK 22+) are allowed, so neither warns.
     */
    public static List<String> requiredJvmFlags() {
        List<String> flags = new ArrayList<>();
        flags.add("-XX:+ExitOnOutOfMemoryError");
        flags.add("-XX:+DisplayVMOutputToStderr");
        if (Runtime.version().feature() >= 23) flags.add("--sun-misc-unsafe-memory-access=allow");
        if (Runtime.version().feature() >= 22) flags.add("--enable-native-access=ALL-UNNAMED");
        return flags;
    }

    public WorkerNanny(String name, Supplier<Started> launcher, Listener listener, PrintStream echo) {
        this.name = name;
        this.launcher = launcher;
        this.listener = listener;
        this.echo = echo;
    }

    /**
     * Restarts a worker that lost its scheduler only while {@code reachable} says the scheduler is there (a
     * {@code jdask worker} nanny: with the scheduler gone for good, its workers stop and so does the nanny).
     */
    public WorkerNanny restartAfterSchedulerLossIf(java.util.function.BooleanSupplier reachable) {
        this.schedulerReachable = reachable;
        return this;
    }

    public String name() {
        return name;
    }

    /** Starts the worker process. */
    public void start() {
        synchronized (lock) {
            if (stopping) throw new IllegalStateException("the nanny of worker " + name + " was stopped");
            launch();
        }
    }

    private void launch() {
        Started s = launcher.get();
        Process p = s.process();
        process = p;
        ErrorTail errors = s.errors() != null ? s.errors() : ErrorTail.follow(p, echo, name);
        exitHandled = p.onExit().thenRun(() -> {
            try {
                s.afterExit().run();
            } finally {
                exited(p, WorkerExit.of(p.exitValue(), errors.lastLines(1000)));
            }
        });
    }

    private void exited(Process p, WorkerExit exit) {
        boolean asked;
        boolean restart = false;
        synchronized (lock) {
            if (exit.exitCode() == WorkerServer.EXIT_RETIRED) stopping = true; // its data went elsewhere: it stays down
            asked = stopping || process != p;
            // Lost its scheduler, or could not reach it at start (WorkerMain's status 1): without a scheduler, a new
            // process would only fail the same way.
            boolean noScheduler = exit.exitCode() == WorkerServer.EXIT_SCHEDULER_LOST || exit.exitCode() == 1;
            if (!asked && noScheduler && !schedulerReachable.getAsBoolean()) {
                LOG.info("worker {} lost its scheduler, which is gone; not restarting it", name);
                stopping = true;
            }
            if (!asked && !stopping) {
                long now = System.nanoTime();
                restarts.removeIf(t -> now - t > TimeUnit.MINUTES.toNanos(1));
                if (restarts.size() >= MAX_RESTARTS) {
                    LOG.error(
                            "worker {} exited {} times in a minute, the last with {}; not restarting it",
                            name,
                            MAX_RESTARTS,
                            exit.describe());
                    stopping = true;
                } else {
                    restarts.add(now);
                    restart = true;
                }
            }
        }
        try {
            listener.exited(p.pid(), exit, asked, restart);
        } catch (RuntimeException e) {
            LOG.warn("the listener of worker {}'s exit failed: {}", name, e.toString());
        }
        if (restart) {
            LOG.warn("worker {} exited with {}; restarting it", name, exit.describe());
            synchronized (lock) {
                if (stopping) return;
                try {
                    launch();
                } catch (RuntimeException e) {
                    LOG.error("could not restart worker {}: {}", name, e.toString());
                    stopping = true;
                }
            }
        }
    }

    /** The current process, or null before the first start. */
    public Process process() {
        synchronized (lock) {
            return process;
        }
    }

    /** Whether the nanny has stopped for good (asked, the worker retired, or too many deaths). */
    public boolean stopped() {
        synchronized (lock) {
            return stopping;
        }
    }

    /** Completes once the exit of the current process has been handled (its listener called). */
    public CompletableFuture<Void> exitHandled() {
        return exitHandled;
    }

    /** Marks the coming exit as asked for, so that it is not restarted, without touching the process. */
    public void expectExit() {
        synchronized (lock) {
            stopping = true;
        }
    }

    /** Lets the nanny restart the worker again after {@link #expectExit} (a retirement that failed). */
    public void unexpectExit() {
        synchronized (lock) {
            stopping = false;
        }
    }

    /**
     * Stops the worker for good: SIGTERM (the worker closes cleanly), and with {@code wait} up to 10 s for it before
     * SIGKILL, then until its exit has been handled.
     */
    public void stop(boolean wait) {
        Process p;
        synchronized (lock) {
            stopping = true;
            p = process;
        }
        if (p == null) return;
        p.destroy();
        if (!wait) return;
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            exitHandled.get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("handling the exit of worker {} failed or is late: {}", name, e.toString());
        }
    }

    /** Kills the process at once (a JVM shutting down): no clean close, no restart. */
    public void kill() {
        Process p;
        synchronized (lock) {
            stopping = true;
            p = process;
        }
        if (p != null) p.destroyForcibly();
    }

    /** For tests: kills the process as a crash would (it is restarted) and waits until its exit was handled. */
    public void crashForTest() throws Exception {
        CompletableFuture<Void> handled = exitHandled;
        Process p = process();
        if (p == null) throw new IllegalStateException("worker " + name + " was never started");
        p.destroyForcibly();
        handled.get(30, TimeUnit.SECONDS);
    }
}
