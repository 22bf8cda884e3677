package io.jdask.cli.netns;

import io.jdask.Client;
import io.jdask.Security;
import io.jdask.cli.Main;
import io.jdask.client.ClusterExtension;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * A TLS cluster across network namespaces, started with the jdask command as a user would: {@code jdask security
 * init}, then {@code jdask scheduler --security} in namespace {@code s} and {@code jdask worker --security} in
 * namespaces {@code w0, w1, ...}, each listening on its namespace's address; the client runs in the test JVM and
 * connects over the test JVM's own link. {@link #close()} stops the processes and removes every namespace and link,
 * also after a failed start.
 */
public final class NetnsCluster implements ClusterExtension.External {
    public static final int SCHEDULER_PORT = 8786;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final int workers;
    private final int threadsPerWorker;
    private final List<Process> processes = new ArrayList<>();
    private NetworkNamespaces net;
    private Path dir;
    private Security security;
    private String schedulerAddress;
    private final List<String> workerAddresses = new ArrayList<>();

    public NetnsCluster(int workers, int threadsPerWorker) {
        this.workers = workers;
        this.threadsPerWorker = threadsPerWorker;
    }

    @Override
    public Client start() throws Exception {
        try {
            net = NetworkNamespaces.create();
            dir = Files.createTempDirectory(
                    "jdask-netns-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path credentials = dir.resolve("cluster.jdask");
            int status = new CommandLine(new Main()).execute("security", "init", credentials.toString());
            if (status != 0) throw new IllegalStateException("jdask security init exited with " + status);
            security = Security.load(credentials);

            String host = net.addMember("s");
            String line = launch(
                    "s",
                    List.of(
                            "scheduler",
                            "--security",
                            credentials.toString(),
                            "--host",
                            host,
                            "--port",
                            Integer.toString(SCHEDULER_PORT),
                            "--dashboard-port",
                            "-1"));
            schedulerAddress = "tls://" + host + ":" + SCHEDULER_PORT;
            if (!line.endsWith(schedulerAddress)) {
                throw new IllegalStateException("the scheduler said '" + line + "', expected " + schedulerAddress);
            }
            for (int i = 0; i < workers; i++) {
                String name = "w" + i;
                String workerHost = net.addMember(name);
                String registered = launch(
                        name,
                        List.of(
                                "worker",
                                schedulerAddress,
                                "--security",
                                credentials.toString(),
                                "--host",
                                workerHost,
                                "--nthreads",
                                Integer.toString(threadsPerWorker),
                                "--name",
                                "ns-" + name));
                workerAddresses.add(registered.split(" ")[2]);
            }
            return connect(Duration.ofSeconds(30));
        } catch (Exception | Error e) {
            try {
                close();
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** A new client of this cluster with its credentials. */
    public Client connect(Duration timeout) {
        return Client.connect(schedulerAddress, security, timeout);
    }

    public String schedulerAddress() {
        return schedulerAddress;
    }

    /** Worker {@code i}'s address as it registered ({@code tls://10.201.k.x:port}). */
    public String workerAddress(int i) {
        return workerAddresses.get(i);
    }

    public NetworkNamespaces network() {
        return net;
    }

    public Security security() {
        return security;
    }

    /** Stops every process, then removes the namespaces, links and the credentials. */
    @Override
    public void close() {
        for (Process p : processes) p.destroy();
        for (Process p : processes) {
            try {
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(15, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
        try {
            if (net != null) net.close();
        } finally {
            net = null;
            deleteDirectory();
        }
    }

    /** Starts {@code jdask args} in member {@code name}'s namespace and returns the first line it prints. */
    private String launch(String name, List<String> args) throws Exception {
        List<String> java = new ArrayList<>();
        java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        java.add("-Xmx256m");
        // The flags of this JVM that let Netty use epoll and Fory use Unsafe without warnings (see the parent pom).
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--enable-native-access") || a.startsWith("--sun-misc-unsafe"))
                .forEach(java::add);
        java.add("-cp");
        java.add(System.getProperty("java.class.path"));
        java.add(Main.class.getName());
        java.addAll(args);
        Path stderr = dir.resolve(name + ".stderr");
        ProcessBuilder pb = new ProcessBuilder(net.inside(name, java)).redirectError(stderr.toFile());
        pb.environment().remove(Security.ENVIRONMENT_VARIABLE);
        Process p = pb.start();
        processes.add(p);
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
            try {
                return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
            } catch (java.io.IOException e) {
                return null;
            }
        });
        String line;
        try {
            line = first.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            line = null;
        }
        if (line == null) {
            throw new IllegalStateException("jdask " + args.get(0) + " in namespace " + net.namespace(name)
                    + " printed nothing within " + START_TIMEOUT + "; its error output:\n" + Files.readString(stderr));
        }
        return line;
    }

    private void deleteDirectory() {
        if (dir == null) return;
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            dir = null;
        }
    }

    @Override
    public String toString() {
        return "NetnsCluster[" + schedulerAddress + ", workers " + workerAddresses + "]";
    }
}
