package io.jdask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.scheduler.FakePeer.Worker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The scheduler as its own process, as `jdask scheduler` runs it. */
class SchedulerMainTest {
    private static final String PREFIX = "jdask scheduler listening at ";

    @Test
    void printsItsAddressAcceptsAWorkerAndStopsOnSigterm() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(List.of(
                        java,
                        "-Xmx128m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        SchedulerMain.class.getName(),
                        "--listen",
                        "tcp://127.0.0.1:0"))
                .redirectErrorStream(true)
                .start();
        try {
            var out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<String> address = CompletableFuture.supplyAsync(() -> {
                try {
                    for (String line; (line = out.readLine()) != null; ) {
                        int at = line.indexOf(PREFIX);
                        if (at >= 0) {
                            return line.substring(at + PREFIX.length()).trim();
                        }
                    }
                    return null;
                } catch (java.io.IOException e) {
                    return null;
                }
            });
            String addr = address.get(30, TimeUnit.SECONDS);
            assertThat(addr).startsWith("tcp://127.0.0.1:");

            try (Worker w = new Worker(addr, 2)) {
                // Registered: the welcome arrived (the constructor waits for it).
                assertThat(w.comm.isOpen()).isTrue();
                p.destroy(); // SIGTERM: the shutdown hook closes every connection
                assertThat(w.awaitClosed()).isTrue();
            }
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
    }
}
