package io.jdask.scheduler;

/**
 * The scheduler process: {@code java io.jdask.scheduler.SchedulerMain [--listen tcp://0.0.0.0:8786]}. Prints
 * {@code jdask scheduler listening at <address>} once it accepts connections, then runs until the process is
 * told to stop (SIGTERM, Ctrl-C), when a shutdown hook closes it cleanly.
 */
public final class SchedulerMain {
    private SchedulerMain() {}

    public static void main(String[] args) throws InterruptedException {
        var config = SchedulerServerConfig.builder();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--listen") && i + 1 < args.length) {
                config.listenAddress(args[++i]);
            } else if (a.startsWith("--listen=")) {
                config.listenAddress(a.substring("--listen=".length()));
            } else {
                System.err.println("usage: SchedulerMain [--listen tcp://host:port]   (unknown argument: " + a + ")");
                System.exit(2);
            }
        }
        SchedulerServer server = SchedulerServer.start(config.build());
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "jdask-scheduler-shutdown"));
        System.out.println("jdask scheduler listening at " + server.address());
        System.out.flush();
        server.join();
    }
}
