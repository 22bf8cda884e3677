package io.jdask.cli;

import io.jdask.scheduler.SchedulerServer;
import io.jdask.scheduler.SchedulerServerConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jdask scheduler}: runs a scheduler until interrupted (Ctrl-C or SIGTERM). */
@Command(name = "scheduler", mixinStandardHelpOptions = true,
        description = "Runs a jdask scheduler. Workers join it with `jdask worker tcp://HOST:PORT`; clients with "
                + "Client.connect(\"tcp://HOST:PORT\").")
final class SchedulerCommand implements Callable<Integer> {

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "Interface to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8786", description = "Port to listen on (default: ${DEFAULT-VALUE}; 0 picks one).")
    int port;

    @Option(names = "--worker-saturation", defaultValue = "1.1",
            description = "Queue root tasks once every worker runs this many per thread (default: ${DEFAULT-VALUE}; "
                    + "Infinity disables queuing).")
    double saturation;

    @Override
    public Integer call() throws Exception {
        SchedulerServer server = SchedulerServer.start(SchedulerServerConfig.builder()
                .listenAddress("tcp://" + host + ":" + port)
                .workerSaturation(saturation)
                .build());
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "jdask-scheduler-shutdown"));
        System.out.println("jdask scheduler listening at " + server.address());
        server.join();
        return 0;
    }
}
