package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jdask.Client;
import io.jdask.LocalCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnectTest {

    @Test
    void anUnreachableSchedulerFailsFastNamingTheAddress() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        String address = "tcp://127.0.0.1:" + port;
        long start = System.nanoTime();
        assertThatThrownBy(() -> Client.connect(address, Duration.ofSeconds(2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(address)
                .hasMessageContaining("PT2S");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aListenerThatNeverAnswersTheHandshakeFailsWithinTheTimeoutAndIsHungUpOn() throws Exception {
        // Accepts TCP connections and never writes a byte: the connect succeeds, the scheduler's handshake never comes.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String address = "tcp://127.0.0.1:" + silent.getLocalPort();
            CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    return silent.accept();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            long start = System.nanoTime();
            assertThatThrownBy(() -> Client.connect(address, Duration.ofSeconds(2)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(address)
                    .hasMessageContaining("PT2S");
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(1500)).isLessThan(Duration.ofSeconds(10));
            // The client reached the listener, then gave up the connection instead of leaving it open.
            try (Socket s = accepted.get(5, TimeUnit.SECONDS)) {
                s.setSoTimeout(5000);
                int last;
                try {
                    // Whatever the client wrote (its own handshake) is drained; then its end must be closed.
                    do last = s.getInputStream().read(new byte[1 << 16]);
                    while (last > 0);
                } catch (SocketException reset) {
                    last = -1; // closed with a reset: hung up all the same
                }
                assertThat(last).as("the client closed its end").isEqualTo(-1);
            }
        }
    }

    @Test
    void aClosedClientSaysSoWhenUsed() {
        try (LocalCluster cluster =
                LocalCluster.builder().workers(1).processes(false).build()) {
            Client client = Client.connect(cluster);
            client.close();
            assertThatThrownBy(() -> client.submit(Ops::inc, 1))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("the client was closed");
        }
    }

    @Test
    void connectWithoutArgumentsStartsAClusterSizedToTheMachineAndClosingStopsIt() throws Exception {
        List<Long> pids;
        try (Client client = Client.connect()) {
            assertThat(client.nthreads()).hasSize(Runtime.getRuntime().availableProcessors());
            assertThat(client.submit(Ops::inc, 1).result()).isEqualTo(2);
            pids = ProcessHandle.current().children().map(ProcessHandle::pid).toList();
            assertThat(pids).hasSizeGreaterThanOrEqualTo(Runtime.getRuntime().availableProcessors());
        }
        for (long pid : pids) {
            ProcessHandle.of(pid)
                    .ifPresent(h -> h.onExit().orTimeout(15, TimeUnit.SECONDS).join());
        }
        assertThat(ProcessHandle.current()
                        .children()
                        .filter(p -> pids.contains(p.pid()))
                        .count())
                .isZero();
    }

    @Test
    void uploadJarMakesItsClassesAvailableOnWorkers(@TempDir Path dir) throws Exception {
        // A class that exists only in a jar: not on the workers' class path and unknown to this client's loaders.
        Path src = dir.resolve("src/up/Greeter.java");
        Files.createDirectories(src.getParent());
        Files.writeString(
                src, "package up; public class Greeter { public static String hi() { return \"hi from jar\"; } }");
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes);
        assertThat(ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(), src.toString()))
                .isZero();
        Path jar = dir.resolve("greeter.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("up/Greeter.class"));
            out.write(Files.readAllBytes(classes.resolve("up/Greeter.class")));
            out.closeEntry();
        }
        try (LocalCluster cluster = LocalCluster.builder()
                        .workers(1)
                        .processes(true)
                        .memoryLimit("128MB")
                        .build();
                Client client = Client.connect(cluster)) {
            // The warm-up this JVM ran while the worker started must end with the start, not keep a core busy.
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> Thread.getAllStackTraces().keySet().stream()
                            .noneMatch(t -> t.getName().equals("jdask-cluster-warmup")));
            assertThatThrownBy(() ->
                            client.submit(Reflect::callStatic, "up.Greeter").result())
                    .hasMessageContaining("up.Greeter");
            client.uploadJar(jar);
            assertThat(client.submit(Reflect::callStatic, "up.Greeter").result(Duration.ofSeconds(30)))
                    .isEqualTo("hi from jar");
        }
    }

    /** Calls {@code hi()} of a class known only by name, through the task's context class loader. */
    public static final class Reflect {
        public static String callStatic(String className) throws Exception {
            Class<?> c = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
            return (String) c.getMethod("hi").invoke(null);
        }
    }
}
