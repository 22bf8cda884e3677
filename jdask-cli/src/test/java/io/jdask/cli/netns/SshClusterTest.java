package io.jdask.cli.netns;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jdask.Client;
import io.jdask.Future;
import io.jdask.deploy.SshCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@link SshCluster} against real sshd: three network namespaces, each running Debian's sshd with keys made for this
 * run; the scheduler starts on the first, a worker on each of the others, over SSH and with TLS between them all, and
 * the client is this JVM on its own link. One cluster for the class; the last test closes it and checks that nothing
 * it started still runs. Runs as root only, and fails (never skips) elsewhere.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SshClusterTest {
    static SshHosts hosts;
    static SshCluster cluster;
    static Client client;

    public static int square(int x) {
        return x * x;
    }

    public static long sum(double[] values) {
        long s = 0;
        for (double v : values) s += (long) v;
        return s;
    }

    public static int fail(int x) {
        throw new IllegalArgumentException("bad input " + x);
    }

    @BeforeAll
    static void start() throws IOException {
        hosts = SshHosts.start(3);
        cluster = builder().hosts(hosts.addresses()).nthreads(2).build();
        client = Client.connect(cluster);
    }

    static SshCluster.Builder builder() {
        return SshCluster.builder()
                .user("root")
                .identityFile(hosts.identityFile())
                .knownHostsFile(hosts.knownHostsFile())
                .javaOptions("-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    }

    @AfterAll
    static void stop() {
        try {
            if (client != null) client.close();
            if (cluster != null) cluster.close();
        } finally {
            if (hosts != null) hosts.close();
        }
    }

    @Test
    @Order(1)
    void theSchedulerAndAWorkerPerHostRunOverTlsWithPrivateCredentials() throws IOException {
        assertThat(cluster.schedulerAddress()).isEqualTo("tls://" + hosts.address(0) + ":8786");
        assertThat(cluster.workerAddresses())
                .hasSize(2)
                .anyMatch(a -> a.startsWith("tls://" + hosts.address(1) + ":"))
                .anyMatch(a -> a.startsWith("tls://" + hosts.address(2) + ":"));
        assertThat(client.nthreads())
                .containsOnlyKeys(cluster.workerAddresses())
                .containsValues(2, 2);
        // The hosts share this machine's file system, so the copy sshd wrote (as root, under /root) is visible here.
        Path credentials = Path.of(System.getProperty("user.home")).resolve(cluster.remoteCredentialsPath());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(credentials)))
                .isEqualTo("rw-------");
        assertThat(Files.readString(credentials)).isEqualTo(cluster.security().toFileText());
    }

    @Test
    @Order(2)
    void submitMapGatherScatterAndErrorsAcrossTheHosts() {
        assertThat(client.submit(SshClusterTest::square, 7).result()).isEqualTo(49);
        List<Future<Integer>> squares = client.map(
                SshClusterTest::square, IntStream.range(0, 40).boxed().toList());
        assertThat(client.gather(squares))
                .isEqualTo(IntStream.range(0, 40).map(x -> x * x).boxed().toList());
        assertThat(client.whoHas(squares).values().stream()
                        .flatMap(List::stream)
                        .distinct())
                .as("both workers ran some")
                .hasSize(2);
        Future<double[]> data = client.scatter(new double[] {1, 2, 3, 4});
        assertThat(client.submit(SshClusterTest::sum, data).result()).isEqualTo(10L);
        assertThatThrownBy(() -> client.submit(SshClusterTest::fail, 3).result())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bad input 3");
    }

    @Test
    @Order(3)
    void scaleStartsAndStopsWorkersOverSshRoundRobin() {
        cluster.scale(3);
        assertThat(cluster.workerAddresses()).hasSize(3);
        assertThat(cluster.workerAddresses().stream().filter(a -> a.startsWith("tls://" + hosts.address(1) + ":")))
                .as("the third worker goes to the first worker host again")
                .hasSize(2);
        await().atMost(Duration.ofSeconds(30)).until(() -> client.nthreads().size() == 3);
        assertThat(client.gather(client.map(SshClusterTest::square, List.of(1, 2, 3))))
                .containsExactly(1, 4, 9);

        cluster.scale(1);
        assertThat(cluster.workerAddresses()).hasSize(1);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> client.nthreads().keySet().equals(java.util.Set.copyOf(cluster.workerAddresses())));
        assertThat(client.submit(SshClusterTest::square, 12).result()).isEqualTo(144);
    }

    @Test
    @Order(4)
    void aRemoteStartThatFailsNamesTheHostAndShowsTheRemoteOutput() {
        assertThatThrownBy(() -> builder()
                        .hosts(hosts.address(1))
                        .javaCommand("/opt/no-such-jdk/bin/java")
                        .schedulerPort(8790)
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the jdask scheduler on " + hosts.address(1) + " exited")
                .hasMessageContaining("/opt/no-such-jdk/bin/java")
                .hasMessageContaining("No such file or directory");
    }

    @Test
    @Order(5)
    void killingTheClientJvmStopsWhatItStartedOnTheHosts() throws Exception {
        String dir = ".jdask/ssh-killed-" + ProcessHandle.current().pid();
        List<String> java = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m"));
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--enable-native-access") || a.startsWith("--sun-misc-unsafe"))
                .forEach(java::add);
        java.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                SshClusterChild.class.getName(),
                hosts.address(2),
                hosts.identityFile().toString(),
                hosts.knownHostsFile().toString(),
                dir));
        Process child = new ProcessBuilder(java).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8));
            CompletableFuture<String> ready = CompletableFuture.supplyAsync(() ->
                    out.lines().filter(l -> l.startsWith("ready ")).findFirst().orElse("exited"));
            assertThat(ready.get(90, TimeUnit.SECONDS)).startsWith("ready tls://" + hosts.address(2) + ":8786");
            assertThat(processesMentioning(dir))
                    .as("the remote scheduler and its ssh")
                    .isNotEmpty();

            child.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: no shutdown hook runs
            await("the remote scheduler stops once its client JVM is gone")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> processesMentioning(dir).isEmpty());
        } finally {
            child.destroyForcibly();
            // Killed, the client could not remove its credentials: this test does.
            deleteRecursively(Path.of(System.getProperty("user.home")).resolve(dir));
        }
    }

    @Test
    @Order(6)
    void closeLeavesNoProcessAndNoCredentialsBehind() {
        String remote = cluster.remoteCredentialsPath();
        cluster.close();
        assertThat(hosts.sessions()).as("processes under sshd").isEmpty();
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive))
                .as("local ssh processes")
                .allMatch(h -> !h.info().command().orElse("").endsWith("/ssh"));
        assertThat(processesMentioning(remote)).isEmpty();
        assertThat(Path.of(System.getProperty("user.home")).resolve(remote).getParent())
                .doesNotExist();
    }

    /** Pids of processes on this machine whose command line contains {@code text} (all namespaces share pids). */
    private static List<Long> processesMentioning(String text) {
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            return all.filter(h -> commandLine(h).contains(text))
                    .map(ProcessHandle::pid)
                    .toList();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        }
    }

    private static String commandLine(ProcessHandle h) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(h.pid()), "cmdline"))
                    .replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }
}
