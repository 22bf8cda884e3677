package io.jdask.cli;

import io.jdask.worker.WorkerConfig;
import io.jdask.worker.WorkerServer;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jdask worker tcp://host:8786}: runs a worker until its scheduler goes away or it is interrupted. */
@Command(
        name = "worker",
        mixinStandardHelpOptions = true,
        description = "Runs a jdask worker that joins the scheduler at SCHEDULER (tcp://HOST:PORT).")
final class WorkerCommand implements Callable<Integer> {

    @Parameters(
            index = "0",
            paramLabel = "SCHEDULER",
            description = "The scheduler's address, e.g. tcp://10.0.0.1:8786.")
    String scheduler;

    @Option(names = "--nthreads", defaultValue = "1", description = "Tasks run at once (default: ${DEFAULT-VALUE}).")
    int nthreads;

    @Option(names = "--name", description = "A name for this worker (default: its address).")
    String name;

    @Option(
            names = "--host",
            defaultValue = "0.0.0.0",
            description = "Interface peers and clients reach this worker on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "0", description = "Port for peers and clients (default: any free one).")
    int port;

    @Option(names = "--memory-limit", description = "Memory for this worker, e.g. 4GB (reported to the scheduler).")
    String memoryLimit;

    @Option(names = "--resources", split = ",", description = "Abstract resources, e.g. GPU=1,MEMORY=8e9.")
    Map<String, Double> resources;

    @Override
    public Integer call() throws Exception {
        WorkerConfig.Builder b =
                WorkerConfig.builder(scheduler).nthreads(nthreads).listen("tcp://" + host + ":" + port);
        if (name != null) b.name(name);
        if (memoryLimit != null) b.memoryLimit(MemoryLimits.parse(memoryLimit));
        if (resources != null) b.resources(resources);
        WorkerServer worker = WorkerServer.start(b.build());
        Runtime.getRuntime().addShutdownHook(new Thread(worker::close, "jdask-worker-shutdown"));
        System.out.println("jdask worker " + worker.address() + " registered with " + scheduler);
        worker.closeFuture().join();
        return 0;
    }
}
