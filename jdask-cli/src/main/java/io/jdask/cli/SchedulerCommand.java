package io.jdask.cli;

import io.jdask.dashboard.Dashboard;
import io.jdask.scheduler.SchedulerServer;
import io.jdask.scheduler.SchedulerServerConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jdask scheduler}: runs a scheduler until interrupted (Ctrl-C or SIGTERM). */
@Command(
        name = "scheduler",
        mixinStandardHelpOptions = true,
        description = "Runs a jdask scheduler. Workers join it with `jdask worker tcp://HOST:PORT`; clients with "
                + "Client.connect(\"tcp://HOST:PORT\").")
final class SchedulerCommand implements Callable<Integer> {

    @Option(
            names = "--host",
            defaultValue = "0.0.0.0",
            description = "Interface to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(
            names = "--port",
            defaultValue = "8786",
            description = "Port to listen on (default: ${DEFAULT-VALUE}; 0 picks one).")
    int port;

    @Option(
            names = "--worker-saturation",
            defaultValue = "1.1",
            description = "Queue root tasks once every worker runs this many per thread (default: ${DEFAULT-VALUE}; "
                    + "Infinity disables queuing).")
    double saturation;

    @Option(
            names = "--dashboard-port",
            defaultValue = "8787",
            description =
                    "Port of the web dashboard, on the same interface (default: ${DEFAULT-VALUE}, as Dask; a free "
                            + "port if it is taken; 0 picks one; -1 turns the dashboard off).")
    int dashboardPort;

    @Override
    public Integer call() throws Exception {
        SchedulerServer server = SchedulerServer.start(SchedulerServerConfig.builder()
                .listenAddress("tcp://" + host + ":" + port)
                .workerSaturation(saturation)
                .build());
        Dashboard dashboard = dashboardPort < 0 ? null : Dashboard.start(server, host, dashboardPort);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            if (dashboard != null) dashboard.close();
                            server.close();
                        },
                        "jdask-scheduler-shutdown"));
        System.out.println("jdask scheduler listening at " + server.address());
        if (dashboard != null) System.out.println("jdask dashboard at " + dashboard.link());
        server.join();
        return 0;
    }
}
