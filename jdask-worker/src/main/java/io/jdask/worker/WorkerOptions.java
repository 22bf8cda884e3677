package io.jdask.worker;

import io.jdask.Security;
import java.nio.file.Path;
import java.util.List;

/**
 * The worker's command-line options, in one place: their names and meaning, and how their values become a {@link
 * WorkerConfig}. Two front ends read them: {@link WorkerMain}, the worker process's entry point (a cluster launches
 * it, and it parses by hand so a worker JVM loads no command-line library on its way to registering: start-up time
 * is measured, see BENCHMARKS.md), and the {@code jdask worker} command of the CLI, which declares the same names
 * with picocli and hands its values over here.
 */
public final class WorkerOptions {
    /** The scheduler's address, {@code tcp://host:port}; required. */
    public static final String SCHEDULER = "--scheduler";
    /** Where to listen for peers and clients; default {@code tcp://127.0.0.1:0}. */
    public static final String LISTEN = "--listen";
    /** Task threads; a whole number. */
    public static final String NTHREADS = "--nthreads";
    /** The worker's name in the scheduler's logs and dashboard; default its address. */
    public static final String NAME = "--name";
    /** Memory limit in bytes (the spill target is a fraction of it); a whole number ({@code _} allowed). */
    public static final String MEMORY_LIMIT = "--memory-limit";
    /** Fraction of the memory limit above which stored values spill to disk (0 turns it off); default 0.6. */
    public static final String MEMORY_TARGET = "--memory-target";
    /** Fraction of the memory limit of heap (after a collection) above which values spill too; default 0.7. */
    public static final String MEMORY_SPILL = "--memory-spill";
    /** Fraction of the memory limit of heap above which the worker pauses; default 0.8. */
    public static final String MEMORY_PAUSE = "--memory-pause";
    /** Fraction of the memory limit of heap above which the worker process exits; default 0.95. */
    public static final String MEMORY_TERMINATE = "--memory-terminate";
    /** Where spill files go (in a directory of the worker's own); default the system's temporary directory. */
    public static final String LOCAL_DIRECTORY = "--local-directory";
    /** Abstract resources, {@code NAME=AMOUNT[,NAME=AMOUNT...]}. */
    public static final String RESOURCES = "--resources";

    /**
     * The cluster's credentials file ({@code jdask security init}); with it every connection runs mutual TLS and the
     * addresses are {@code tls://}. Without it, a {@code tls://} scheduler address takes the file named by {@code
     * JDASK_SECURITY}.
     */
    public static final String SECURITY = "--security";

    /** One line of usage for the flags form. */
    public static final String USAGE = "--scheduler tcp://host:port [--nthreads N] [--name NAME]"
            + " [--memory-limit BYTES] [--memory-target F] [--memory-spill F] [--memory-pause F]"
            + " [--memory-terminate F] [--local-directory DIR] [--listen tcp://0.0.0.0:0] [--resources NAME=AMOUNT,...]"
            + " [--security FILE]";

    private WorkerOptions() {}

    /**
     * Parses {@code --option value} pairs into a configuration, for a worker that has its JVM to itself ({@link
     * WorkerConfig#ownsProcess()}): both front ends run one worker per process.
     *
     * @throws IllegalArgumentException naming the bad argument and what it should look like
     */
    public static WorkerConfig parse(List<String> args) {
        String scheduler = null;
        String listen = null;
        Integer nthreads = null;
        String name = null;
        Long memoryLimit = null;
        String resources = null;
        String localDirectory = null;
        MemoryFractions fractions = MemoryFractions.fromSettings();
        String security = null;
        for (int i = 0; i < args.size(); i++) {
            String flag = args.get(i);
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException("missing value after " + flag);
            }
            String value = args.get(++i);
            switch (flag) {
                case SCHEDULER -> scheduler = value;
                case LISTEN -> listen = value;
                case NAME -> name = value;
                case RESOURCES -> resources = value;
                case SECURITY -> security = value;
                case NTHREADS -> nthreads = parseNumber(flag, value).intValue();
                case MEMORY_LIMIT -> memoryLimit = parseNumber(flag, value);
                case MEMORY_TARGET -> fractions = fractions.withTarget(parseFraction(flag, value));
                case MEMORY_SPILL -> fractions = fractions.withSpill(parseFraction(flag, value));
                case MEMORY_PAUSE -> fractions = fractions.withPause(parseFraction(flag, value));
                case MEMORY_TERMINATE -> fractions = fractions.withTerminate(parseFraction(flag, value));
                case LOCAL_DIRECTORY -> localDirectory = value;
                default -> throw new IllegalArgumentException("unknown option " + flag + " (in " + args + ")");
            }
        }
        if (scheduler == null) {
            throw new IllegalArgumentException(SCHEDULER + " tcp://host:port is required");
        }
        WorkerConfig.Builder b =
                WorkerConfig.builder(scheduler).ownsProcess(true).memoryFractions(fractions);
        if (localDirectory != null) b.localDirectory(java.nio.file.Path.of(localDirectory));
        if (listen != null) b.listen(listen);
        Security credentials = security != null
                ? Security.load(Path.of(security))
                : scheduler.startsWith("tls://") ? Security.fromEnvironment().orElse(null) : null;
        if (credentials != null) {
            b.security(credentials);
        } else if (scheduler.startsWith("tls://")) {
            throw new IllegalArgumentException("the scheduler " + scheduler + " uses TLS: give this worker the"
                    + " cluster's credentials with " + SECURITY + " FILE (or JDASK_SECURITY=FILE)");
        }
        if (nthreads != null) b.nthreads(nthreads);
        if (name != null) b.name(name);
        if (memoryLimit == null) {
            long configured = io.jdask.Settings.current().get(io.jdask.Settings.WORKER_MEMORY_LIMIT);
            if (configured > 0) memoryLimit = configured;
        }
        if (memoryLimit != null) b.memoryLimit(memoryLimit);
        if (resources != null && !resources.isBlank()) {
            for (String part : resources.split(",")) {
                int eq = part.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException(
                            RESOURCES + " expects NAME=AMOUNT[,NAME=AMOUNT...], got " + resources);
                }
                try {
                    b.resource(
                            part.substring(0, eq).trim(),
                            Double.parseDouble(part.substring(eq + 1).trim()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(RESOURCES + ": not a number in " + part);
                }
            }
        }
        return b.build();
    }

    private static double parseFraction(String flag, String value) {
        double f;
        try {
            f = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " expects a fraction such as 0.6 (0 turns it off), got " + value);
        }
        if (!(f >= 0 && f <= 1)) {
            throw new IllegalArgumentException(
                    flag + " expects a fraction between 0 and 1 (0 turns it off), got " + value);
        }
        return f;
    }

    private static Long parseNumber(String flag, String value) {
        try {
            return Long.parseLong(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " expects a whole number, got " + value);
        }
    }
}
