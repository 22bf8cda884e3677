package io.jdask.scheduler;

import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.Comm;
import io.jdask.protocol.CommHandler;
import io.jdask.protocol.CommOptions;
import io.jdask.protocol.GraphMessage;
import io.jdask.protocol.Message;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.Transport;
import io.jdask.protocol.WorkerMsg;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Not a test (no timing assertions in tests): a rough probe of end-to-end task throughput through a real
 * {@link SchedulerServer} over loopback TCP, with a client submitting {@code n} independent tasks in one graph
 * and two fake workers that answer every ComputeTask at once with TaskStarted + TaskFinished (inline value).
 * The work per task is all scheduler and wire: decode, handle, route, encode. Run after {@code verify}:
 * <pre>{@code
 * java -cp "$(cat cp.txt):jdask-scheduler/target/classes:jdask-scheduler/target/test-classes" \
 *     io.jdask.scheduler.EndToEndProbe
 * }</pre>
 * (with {@code cp.txt} from {@code ./mvnw -pl jdask-scheduler dependency:build-classpath -Dmdep.outputFile=cp.txt}).
 */
public final class EndToEndProbe {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        for (int round = 0; round < 5; round++) {
            try (SchedulerServer server = SchedulerServer.start(SchedulerServerConfig.builder()
                    .listenAddress("tcp://127.0.0.1:0")
                    .state(io.jdask.scheduler.state.SchedulerConfig.builder()
                            .storyCapacity(10_000)
                            .build())
                    .build())) {
                double perSecond = run(server.address(), n);
                System.out.printf("round %d: %,d tasks, %,.0f tasks/s end to end%n", round, n, perSecond);
            }
        }
    }

    private static double run(String address, int n) throws Exception {
        var transports = new ArrayList<Transport>();
        try {
            for (int w = 0; w < 2; w++) {
                Transport t = Transport.tcp(
                        CommOptions.builder().role("worker").ioThreads(1).build());
                transports.add(t);
                Comm comm = t.connect(address, Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
                var welcomed = new CompletableFuture<Void>();
                comm.setHandler(new EagerWorker(welcomed));
                comm.send(new WorkerMsg.RegisterWorker(
                        "tcp://127.0.0.1:" + (50_000 + w), "w" + w, 4, 1L << 30, Map.of(), 0));
                welcomed.get(10, TimeUnit.SECONDS);
            }
            Transport ct = Transport.tcp(
                    CommOptions.builder().role("client").ioThreads(1).build());
            transports.add(ct);
            Comm client = ct.connect(address, Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
            var done = new CountDownLatch(n);
            client.setHandler((c, m) -> {
                if (m instanceof SchedulerMsg.KeyInMemory) {
                    done.countDown();
                }
            });
            var graph = new GraphMessage(ClientMsg.TaskOptions.NONE);
            var keys = new ArrayList<String>(n);
            byte[] code = new byte[32];
            for (int i = 0; i < n; i++) {
                String key = "inc-" + i;
                graph.add(key, List.of(), code);
                keys.add(key);
            }
            long start = System.nanoTime();
            client.send(graph.build(keys));
            if (!done.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException(done.getCount() + " tasks did not finish");
            }
            return n / ((System.nanoTime() - start) / 1e9);
        } finally {
            transports.forEach(Transport::close);
        }
    }

    /** Answers each ComputeTask at once on its I/O thread. */
    private record EagerWorker(CompletableFuture<Void> welcomed) implements CommHandler {
        private static final byte[] VALUE = {1, 2, 3, 4};

        @Override
        public void onMessage(Comm comm, Message m) {
            if (m instanceof SchedulerMsg.WorkerWelcome) {
                welcomed.complete(null);
            } else if (m instanceof SchedulerMsg.ComputeTask ct) {
                comm.send(new WorkerMsg.TaskStarted(ct.key()));
                comm.send(new WorkerMsg.TaskFinished(
                        ct.key(), ct.runId(), 4, "java.lang.Integer", 0, 1, 0, VALUE, ct.stimulusId()));
            }
        }
    }
}
