package io.jdask.cli;

import io.jdask.worker.WorkerConfig;
import io.jdask.worker.WorkerOptions;
import io.jdask.worker.WorkerServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jdask worker tcp://host:8786}: runs a worker until its scheduler goes away or it is interrupted.
 *
 * <p>The options are the worker process's ({@link WorkerOptions}, which parses them into a {@link WorkerConfig}); this
 * command adds what suits a person at a terminal: the scheduler as a positional argument, {@code --host}/{@code
 * --port} instead of a listen address, memory sizes such as {@code 4GB}, and a default of one thread.
 */
@Command(
        name = "worker",
        mixinStandardHelpOptions = true,
        defaultValueProvider = SettingsDefaults.class,
        description = "Runs a jdask worker that joins the scheduler at SCHEDULER (tcp://HOST:PORT, or tls://HOST:PORT"
                + " with --security FILE).")
final class WorkerCommand implements Callable<Integer> {

    @Parameters(
            index = "0",
            paramLabel = "SCHEDULER",
            description = "The scheduler's address, e.g. tcp://10.0.0.1:8786.")
    String scheduler;

    @Option(
            names = WorkerOptions.NTHREADS,
            defaultValue = "1",
            description = "Tasks run at once (default: ${DEFAULT-VALUE}).")
    int nthreads;

    @Option(names = WorkerOptions.NAME, description = "A name for this worker (default: its address).")
    String name;

    @Option(
            names = "--host",
            description = "Interface peers and clients reach this worker on (default: 0.0.0.0 with --security, else"
                    + " 127.0.0.1; another interface without --security needs --insecure).")
    String host;

    @Option(
            names = WorkerOptions.SECURITY,
            paramLabel = "FILE",
            description = "The cluster's credentials (`jdask security init FILE`): mutual TLS on every connection;"
                    + " the scheduler's address is then tls://HOST:PORT. Default: the file JDASK_SECURITY names.")
    Path security;

    @Option(
            names = "--insecure",
            description = "Listen on a non-loopback --host without TLS, accepting that anyone who reaches it can run"
                    + " code on this worker.")
    boolean insecure;

    @Option(names = "--port", defaultValue = "0", description = "Port for peers and clients (default: any free one).")
    int port;

    @Option(
            names = WorkerOptions.MEMORY_LIMIT,
            description = "Memory for this worker, e.g. 4GB: stored values spill to disk past --memory-target of it.")
    String memoryLimit;

    @Option(
            names = WorkerOptions.MEMORY_TARGET,
            description = "Fraction of the memory limit above which stored values spill to disk (default 0.6).")
    Double memoryTarget;

    @Option(
            names = WorkerOptions.MEMORY_SPILL,
            description = "Fraction of the limit of heap, after a collection, above which values spill too (0.7).")
    Double memorySpill;

    @Option(
            names = WorkerOptions.MEMORY_PAUSE,
            description = "Fraction of the limit of heap above which the worker starts no new task (default 0.8).")
    Double memoryPause;

    @Option(
            names = WorkerOptions.MEMORY_TERMINATE,
            description = "Fraction of the limit of heap above which the worker exits (default 0.95).")
    Double memoryTerminate;

    @Option(
            names = WorkerOptions.LOCAL_DIRECTORY,
            description = "Where spilled values go (default: the system's temporary directory).")
    String localDirectory;

    @Option(names = WorkerOptions.RESOURCES, split = ",", description = "Abstract resources, e.g. GPU=1,MEMORY=8e9.")
    Map<String, Double> resources;

    @Option(
            names = "--nworkers",
            defaultValue = "1",
            description =
                    "Worker processes to run, each under this command as their nanny (default: ${DEFAULT-VALUE}).")
    int nworkers;

    @Option(
            names = "--no-nanny",
            description = "Run the one worker in this process, with nobody to restart it (client.restart() then"
                    + " leaves the cluster without it).")
    boolean noNanny;

    @Override
    public Integer call() throws Exception {
        security = ListenPolicy.credentialsFile(security);
        String refused =
                ListenPolicy.refusal("worker", ListenPolicy.host(host, security != null), security != null, insecure);
        if (refused != null) {
            System.err.println(refused);
            return ListenPolicy.REFUSED;
        }
        WorkerConfig config;
        try {
            config = WorkerOptions.parse(arguments());
        } catch (IllegalArgumentException e) {
            System.err.println("jdask worker: " + e.getMessage());
            return ListenPolicy.REFUSED;
        }
        if (nworkers < 1) {
            System.err.println("jdask worker: --nworkers must be at least 1, got " + nworkers);
            return ListenPolicy.REFUSED;
        }
        if (noNanny) {
            if (nworkers != 1) {
                System.err.println("jdask worker: --no-nanny runs one worker in this process; drop it to run "
                        + nworkers + " worker processes under a nanny");
                return ListenPolicy.REFUSED;
            }
            WorkerServer worker = WorkerServer.start(config);
            var current = new java.util.concurrent.atomic.AtomicReference<>(worker);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> current.get().close(), "jdask-worker-shutdown"));
            System.out.println("jdask worker " + worker.address() + " registered with " + scheduler);
            worker.closeFuture().join();
            while (worker.removedByScheduler()) { // frozen past the worker TTL, then woke: come back as a new worker
                worker = WorkerServer.start(config);
                current.set(worker);
                System.out.println("jdask worker " + worker.address() + " registered again with " + scheduler);
                worker.closeFuture().join();
            }
            return 0;
        }
        return new CliNanny(scheduler, nworkers, this::argumentsOf, javaOptions(), security).run();
    }

    /** The arguments of worker process {@code i} of {@code nworkers}: its own name and port when there are several. */
    List<String> argumentsOf(int i) {
        String base = name;
        int basePort = port;
        try {
            if (nworkers > 1) {
                if (name != null) name = name + "-" + i;
                if (port != 0) port = port + i;
            }
            return arguments();
        } finally {
            name = base;
            port = basePort;
        }
    }

    /** JVM options of the worker processes: the heap from the memory limit, and what every worker JVM gets. */
    List<String> javaOptions() {
        List<String> options = new ArrayList<>();
        if (memoryLimit != null) options.add("-Xmx" + Math.max(64, MemoryLimits.parse(memoryLimit) >> 20) + "m");
        options.addAll(io.jdask.worker.WorkerNanny.requiredJvmFlags());
        options.addAll(io.jdask.Settings.current().childJvmOptions()); // this JVM's settings that are not defaults
        return options;
    }

    /** This command's values in the worker process's form. */
    List<String> arguments() {
        List<String> args = new ArrayList<>(List.of(
                WorkerOptions.SCHEDULER,
                scheduler,
                WorkerOptions.LISTEN,
                "tcp://" + ListenPolicy.host(host, security != null) + ":" + port,
                WorkerOptions.NTHREADS,
                Integer.toString(nthreads)));
        if (name != null) {
            args.addAll(List.of(WorkerOptions.NAME, name));
        }
        if (security != null) {
            args.addAll(List.of(WorkerOptions.SECURITY, security.toString()));
        }
        if (memoryLimit != null) {
            args.addAll(List.of(WorkerOptions.MEMORY_LIMIT, Long.toString(MemoryLimits.parse(memoryLimit))));
        }
        if (memoryTarget != null) args.addAll(List.of(WorkerOptions.MEMORY_TARGET, memoryTarget.toString()));
        if (memorySpill != null) args.addAll(List.of(WorkerOptions.MEMORY_SPILL, memorySpill.toString()));
        if (memoryPause != null) args.addAll(List.of(WorkerOptions.MEMORY_PAUSE, memoryPause.toString()));
        if (memoryTerminate != null) args.addAll(List.of(WorkerOptions.MEMORY_TERMINATE, memoryTerminate.toString()));
        if (localDirectory != null) args.addAll(List.of(WorkerOptions.LOCAL_DIRECTORY, localDirectory));
        if (resources != null && !resources.isEmpty()) {
            args.addAll(List.of(
                    WorkerOptions.RESOURCES,
                    resources.entrySet().stream()
                            .map(e -> e.getKey() + "=" + e.getValue())
                            .collect(Collectors.joining(","))));
        }
        return args;
    }
}
