package io.jdask.worker;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The worker process's entry point:
 * <pre>
 *   java -cp ... io.jdask.worker.WorkerMain --scheduler tcp://host:8786 [--nthreads N] [--name X]
 *       [--memory-limit BYTES] [--listen tcp://0.0.0.0:0] [--resources GPU=1,MEM=2]
 * </pre>
 * Prints {@code jdask worker <address> registered with <scheduler>} once registered, then runs
 * until the scheduler goes away, asks it to close, or the process gets SIGTERM (a shutdown hook
 * closes the worker cleanly). A worker the scheduler removed while it was alive (frozen past the worker time-to-live)
 * is replaced by a new one in the same process, which registers again. Exit status: 0 after a normal end, 1 if it could
 * not start, 2 for bad arguments, {@link WorkerServer#EXIT_RETIRED} when the scheduler retired it (its nanny then leaves
 * it stopped), {@link WorkerServer#EXIT_SCHEDULER_LOST} when its scheduler connection closed unasked. The options are
 * {@link WorkerOptions}, which the {@code jdask worker} command of the CLI shares.
 */
public final class WorkerMain {
    private WorkerMain() {}

    public static void main(String[] args) {
        WorkerConfig config;
        try {
            config = WorkerOptions.parse(List.of(args));
        } catch (IllegalArgumentException e) {
            System.err.println("jdask worker: " + e.getMessage());
            System.err.println("usage: WorkerMain " + WorkerOptions.USAGE);
            System.exit(2);
            return;
        }
        WorkerServer worker;
        try {
            worker = WorkerServer.start(config);
        } catch (RuntimeException e) {
            System.err.println("jdask worker: could not start: " + e.getMessage());
            System.exit(1);
            return;
        }
        // The hook closes whichever worker runs now: one removed by the scheduler is replaced by a new one.
        AtomicReference<WorkerServer> current = new AtomicReference<>(worker);
        Thread hook = new Thread(() -> current.get().close(), "jdask-worker-shutdown");
        if (!addShutdownHook(hook, worker::close, Runtime.getRuntime()::addShutdownHook)) {
            return; // SIGTERM while starting: the worker is closed, and the JVM exits as it was told
        }
        System.out.println(REGISTERED_PREFIX + worker.address() + REGISTERED_INFIX + config.schedulerAddress());
        System.out.flush();
        startWarmup(worker, io.jdask.Settings.current().get(io.jdask.Settings.WORKER_WARMUP));
        while (true) {
            worker.closeFuture().join();
            if (!worker.removedByScheduler()) {
                break;
            }
            // It was frozen past the scheduler's time-to-live and woke up: its tasks run elsewhere now, and it comes
            // back as a new worker with nothing of the old one (state, data, running tasks).
            try {
                worker = WorkerServer.start(config);
            } catch (RuntimeException e) {
                System.err.println(
                        "jdask worker: removed by the scheduler, and could not register again: " + e.getMessage());
                break;
            }
            current.set(worker);
            System.out.println(
                    "jdask worker " + worker.address() + " registered again with " + config.schedulerAddress());
            System.out.flush();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            return; // SIGTERM: the hook closed the worker; the JVM exits when it ends
        }
        // user code may have left non-daemon threads behind
        System.exit(
                worker.retired()
                        ? WorkerServer.EXIT_RETIRED
                        : worker.schedulerLost() ? WorkerServer.EXIT_SCHEDULER_LOST : 0);
    }

    private static final String REGISTERED_PREFIX = "jdask worker ";
    private static final String REGISTERED_INFIX = " registered with ";

    /** Whether {@code line} is the worker's announcement that it registered, which {@link #main} prints once. */
    public static boolean isRegistrationLine(String line) {
        return line.startsWith(REGISTERED_PREFIX) && line.contains(REGISTERED_INFIX);
    }

    /**
     * The setting {@code jdask.worker.warmup} (see {@link io.jdask.Settings}): {@code off} (default) skips the warm-up; {@code idle} warms the task path until real work
     * arrives (a task, or a connection to the data server); {@code full} runs the whole warm-up whatever arrives
     * (LocalCluster sets it on a worker that records an AOT cache, so the cache's profiles cover the task path).
     * {@code idle} is off by default because on the 2-core benchmark machine it measured slower (ColdBench, idle
     * machine: round trip median 1,464 us with the warm-ups against 924 without, burst 5,018 against 5,513 tasks/s,
     * cluster start 1.81 against 1.43 s): the warm-up competes with the JIT and the other JVMs for the same cores.
     */
    static final String WARMUP_PROPERTY = "jdask.worker.warmup";

    /** Synthetic tasks of a warm-up: enough for the JIT's top tier to compile the task path (about 0.3 s of CPU). */
    static final int WARMUP_ROUNDS = 20_000;

    static void startWarmup(WorkerServer worker, String mode) {
        switch (mode) {
            case "idle" -> worker.warmUpWhileIdle(WARMUP_ROUNDS, false);
            case "full" -> worker.warmUpWhileIdle(WARMUP_ROUNDS, true);
            case "off" -> {}
            default ->
                System.err.println(
                        "jdask worker: ignoring -D" + WARMUP_PROPERTY + "=" + mode + " (expected idle, full or off)");
        }
    }

    /**
     * Adds the hook that closes the worker when the JVM is told to exit; false, with the worker closed, when the JVM
     * is already shutting down (a cluster closed while this worker was still starting), where the JDK refuses hooks.
     */
    static boolean addShutdownHook(Thread hook, Runnable closeWorker, Consumer<Thread> register) {
        try {
            register.accept(hook);
            return true;
        } catch (IllegalStateException shuttingDown) {
            closeWorker.run();
            return false;
        }
    }
}
