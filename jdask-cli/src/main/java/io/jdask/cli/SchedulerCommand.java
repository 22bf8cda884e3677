package io.jdask.cli;

import io.jdask.Security;
import io.jdask.dashboard.Dashboard;
import io.jdask.protocol.Tls;
import io.jdask.scheduler.SchedulerServer;
import io.jdask.scheduler.SchedulerServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jdask scheduler}: runs a scheduler until interrupted (Ctrl-C or SIGTERM). */
@Command(
        name = "scheduler",
        mixinStandardHelpOptions = true,
        defaultValueProvider = SettingsDefaults.class,
        description = "Runs a jdask scheduler. Workers join it with `jdask worker tcp://HOST:PORT`; clients with "
                + "Client.connect(\"tcp://HOST:PORT\"). With --security FILE (from `jdask security init FILE`) every"
                + " connection runs mutual TLS and the address is tls://HOST:PORT.")
final class SchedulerCommand implements Callable<Integer> {

    @Option(
            names = "--host",
            description = "Interface to listen on (default: 0.0.0.0 with --security, else 127.0.0.1; another"
                    + " interface without --security needs --insecure).")
    String host;

    @Option(
            names = "--security",
            paramLabel = "FILE",
            description = "The cluster's credentials (`jdask security init FILE`): mutual TLS on every connection."
                    + " Default: the file JDASK_SECURITY names, if set.")
    Path security;

    @Option(
            names = "--insecure",
            description = "Listen on a non-loopback --host without TLS, accepting that anyone who reaches it can run"
                    + " code on the cluster.")
    boolean insecure;

    @Option(
            names = "--dashboard-host",
            defaultValue = "127.0.0.1",
            description = "Interface of the (read-only, plain HTTP) dashboard (default: ${DEFAULT-VALUE}).")
    String dashboardHost;

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
            names = "--worker-ttl",
            defaultValue = "30s",
            paramLabel = "DURATION",
            description = "Remove a worker not heard from for this long and run its tasks elsewhere; workers send a"
                    + " heartbeat every second (default: ${DEFAULT-VALUE}; e.g. 500ms, 2m; 0 turns it off).")
    String workerTtl;

    @Option(
            names = "--dashboard-port",
            defaultValue = "8787",
            description = "Port of the web dashboard, on --dashboard-host (default: ${DEFAULT-VALUE}, as Dask; a free "
                    + "port if it is taken; 0 picks one; -1 turns the dashboard off).")
    int dashboardPort;

    @Override
    public Integer call() throws Exception {
        Path file = ListenPolicy.credentialsFile(security);
        Security credentials;
        try {
            credentials = file == null ? null : Security.load(file);
        } catch (IllegalArgumentException e) {
            System.err.println("jdask scheduler: " + e.getMessage());
            return ListenPolicy.REFUSED;
        }
        Duration ttl;
        try {
            ttl = Durations.parse("--worker-ttl", workerTtl);
        } catch (IllegalArgumentException e) {
            System.err.println("jdask scheduler: " + e.getMessage());
            return ListenPolicy.REFUSED;
        }
        String listenHost = ListenPolicy.host(host, credentials != null);
        String refused = ListenPolicy.refusal("scheduler", listenHost, credentials != null, insecure);
        if (refused != null) {
            System.err.println(refused);
            return ListenPolicy.REFUSED;
        }
        SchedulerServer server = SchedulerServer.start(SchedulerServerConfig.builder()
                .listenAddress((credentials != null ? "tls://" : "tcp://") + listenHost + ":" + port)
                .tls(
                        credentials == null
                                ? null
                                : Tls.fromPem(
                                        credentials.caCertificatePem(),
                                        credentials.certificatePem(),
                                        credentials.privateKeyPem()))
                .workerSaturation(saturation)
                .workerTtl(ttl)
                .build());
        Dashboard dashboard = dashboardPort < 0 ? null : Dashboard.start(server, dashboardHost, dashboardPort);
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
