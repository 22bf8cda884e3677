package io.jdask.worker;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The worker process's entry point:
 * <pre>
 *   java -cp ... io.jdask.worker.WorkerMain --scheduler tcp://host:8786 [--nthreads N] [--name X]
 *       [--memory-limit BYTES] [--listen tcp://0.0.0.0:0] [--resources GPU=1,MEM=2]
 * </pre>
 * Prints {@code jdask worker <address> registered with <scheduler>} once registered, then runs
 * until the scheduler goes away, asks it to close, or the process gets SIGTERM (a shutdown hook
 * closes the worker cleanly). Exit status: 0 after a normal end, 1 if it could not start, 2 for
 * bad arguments. The argument parsing is deliberately trivial; the {@code jdask worker} command
 * of the CLI builds a {@link WorkerConfig} itself.
 */
public final class WorkerMain {
    private WorkerMain() {}

    public static void main(String[] args) {
        WorkerConfig config;
        try {
            config = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("jdask worker: " + e.getMessage());
            System.err.println("usage: WorkerMain --scheduler tcp://host:port [--nthreads N] [--name NAME]"
                    + " [--memory-limit BYTES] [--listen tcp://0.0.0.0:0] [--resources NAME=AMOUNT,...]");
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
        Thread hook = new Thread(worker::close, "jdask-worker-shutdown");
        if (!addShutdownHook(hook, worker::close, Runtime.getRuntime()::addShutdownHook)) {
            return; // SIGTERM while starting: the worker is closed, and the JVM exits as it was told
        }
        System.out.println("jdask worker " + worker.address() + " registered with " + config.schedulerAddress());
        System.out.flush();
        worker.closeFuture().join();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            return; // SIGTERM: the hook closed the worker; the JVM exits when it ends
        }
        System.exit(0); // user code may have left non-daemon threads behind
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

    /** Parses the command line; throws IllegalArgumentException naming the bad argument. */
    static WorkerConfig parse(String[] args) {
        String scheduler = null;
        String listen = null;
        Integer nthreads = null;
        String name = null;
        Long memoryLimit = null;
        String resources = null;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + flag);
            }
            String value = args[++i];
            switch (flag) {
                case "--scheduler" -> scheduler = value;
                case "--listen" -> listen = value;
                case "--name" -> name = value;
                case "--resources" -> resources = value;
                case "--nthreads" -> nthreads = parseNumber(flag, value).intValue();
                case "--memory-limit" -> memoryLimit = parseNumber(flag, value);
                default ->
                    throw new IllegalArgumentException(
                            "unknown option " + flag + " (in " + Arrays.toString(args) + ")");
            }
        }
        if (scheduler == null) {
            throw new IllegalArgumentException("--scheduler tcp://host:port is required");
        }
        WorkerConfig.Builder b = WorkerConfig.builder(scheduler);
        if (listen != null) b.listen(listen);
        if (nthreads != null) b.nthreads(nthreads);
        if (name != null) b.name(name);
        if (memoryLimit != null) b.memoryLimit(memoryLimit);
        if (resources != null && !resources.isBlank()) {
            for (String part : resources.split(",")) {
                int eq = part.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException(
                            "--resources expects NAME=AMOUNT[,NAME=AMOUNT...], got " + resources);
                }
                try {
                    b.resource(
                            part.substring(0, eq).trim(),
                            Double.parseDouble(part.substring(eq + 1).trim()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--resources: not a number in " + part);
                }
            }
        }
        return b.build();
    }

    private static Long parseNumber(String flag, String value) {
        try {
            return Long.parseLong(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " expects a whole number, got " + value);
        }
    }
}
