package io.jdask.cli.netns;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Hosts reachable over SSH for tests: network namespaces ({@link NetworkNamespaces}), each running Debian's real
 * {@code sshd} with a host key and an authorised client key generated for this run. The test JVM reaches them at their
 * namespace addresses with {@link #identityFile()} and {@link #knownHostsFile()}. {@link #close()} stops every sshd
 * (after checking nothing still runs under it) and removes the namespaces, keys and configuration.
 *
 * <p>Needs root, iproute2, {@code ssh-keygen}, {@code ssh} and {@code /usr/sbin/sshd} (package openssh-server, which
 * {@code .ci/run} installs); without them it fails saying which is missing.
 */
public final class SshHosts implements AutoCloseable {
    static final String SSHD = "/usr/sbin/sshd";

    private final NetworkNamespaces net;
    private final Path dir;
    private final List<String> names = new ArrayList<>();
    private final List<Process> daemons = new ArrayList<>();

    private SshHosts(NetworkNamespaces net, Path dir) {
        this.net = net;
        this.dir = dir;
    }

    /** Starts {@code count} hosts, named {@code h0, h1, ...}. */
    public static SshHosts start(int count) throws IOException {
        for (String tool : List.of(SSHD, "/usr/bin/ssh", "/usr/bin/ssh-keygen")) {
            if (!Files.isExecutable(Path.of(tool))) {
                throw new IllegalStateException("the SSH tests need " + tool + " (Debian packages openssh-server and"
                        + " openssh-client; .ci/run installs them as root). They are not skipped.");
            }
        }
        NetworkNamespaces net = NetworkNamespaces.create();
        SshHosts hosts = null;
        try {
            Path dir = Files.createTempDirectory(
                    "jdask-sshd-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            hosts = new SshHosts(net, dir);
            hosts.generateKeys();
            Files.createDirectories(Path.of("/run/sshd"));
            for (int i = 0; i < count; i++) hosts.startHost("h" + i);
            hosts.writeKnownHosts();
            for (String name : hosts.names) hosts.awaitListening(name);
            return hosts;
        } catch (IOException | RuntimeException | Error e) {
            if (hosts != null) {
                hosts.closeQuietly(e);
            } else {
                net.close();
            }
            throw e;
        }
    }

    private void generateKeys() {
        NetworkNamespaces.run(List.of(
                "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey().toString()));
        NetworkNamespaces.run(List.of(
                "ssh-keygen",
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-f",
                identityFile().toString()));
        try {
            Files.copy(Path.of(identityFile() + ".pub"), dir.resolve("authorized_keys"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void startHost(String name) throws IOException {
        net.addMember(name);
        names.add(name);
        Path config = dir.resolve("sshd_config-" + name);
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "Port 22",
                        "ListenAddress " + net.address(name),
                        "HostKey " + hostKey(),
                        "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                        "PidFile " + dir.resolve("sshd-" + name + ".pid"),
                        "PermitRootLogin prohibit-password",
                        "PasswordAuthentication no",
                        "KbdInteractiveAuthentication no",
                        "UsePAM no",
                        "StrictModes no",
                        ""));
        Process p = new ProcessBuilder(net.inside(name, List.of(SSHD, "-D", "-e", "-f", config.toString())))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("sshd-" + name + ".log").toFile())
                .start();
        daemons.add(p);
    }

    private void writeKnownHosts() throws IOException {
        String key = Files.readString(Path.of(hostKey() + ".pub")).trim();
        StringBuilder lines = new StringBuilder();
        for (String name : names)
            lines.append(net.address(name)).append(' ').append(key).append('\n');
        Files.writeString(knownHostsFile(), lines);
    }

    private void awaitListening(String name) {
        await("sshd in namespace " + net.namespace(name) + " accepts connections")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .failFast(
                        "sshd exited; its log: " + dir.resolve("sshd-" + name + ".log"),
                        () -> !daemons.get(names.indexOf(name)).isAlive())
                .until(() -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(net.address(name), 22), 1000);
                        return true;
                    } catch (IOException e) {
                        return false;
                    }
                });
    }

    /** Host {@code i}'s address, as SshCluster is given it. */
    public String address(int i) {
        return net.address(names.get(i));
    }

    public List<String> addresses() {
        return names.stream().map(net::address).toList();
    }

    public Path identityFile() {
        return dir.resolve("client_key");
    }

    public Path knownHostsFile() {
        return dir.resolve("known_hosts");
    }

    private Path hostKey() {
        return dir.resolve("host_key");
    }

    /** The processes sshd runs now for its connections (its sessions and what they started). */
    public List<ProcessHandle> sessions() {
        return daemons.stream()
                .flatMap(d -> d.toHandle().descendants())
                .filter(ProcessHandle::isAlive)
                .toList();
    }

    /** Stops sshd everywhere and removes the namespaces and files; fails if a session was still running. */
    @Override
    public void close() {
        List<ProcessHandle> left = sessions();
        left.forEach(ProcessHandle::destroyForcibly);
        for (Process d : daemons) {
            d.destroy();
            try {
                if (!d.waitFor(10, TimeUnit.SECONDS)) d.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            net.close();
        } finally {
            deleteDirectory();
        }
        if (!left.isEmpty()) {
            throw new IllegalStateException("processes still ran under sshd and were killed: "
                    + left.stream()
                            .map(h -> h.pid() + " " + h.info().commandLine().orElse("?"))
                            .toList());
        }
    }

    private void closeQuietly(Throwable cause) {
        try {
            close();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    private void deleteDirectory() {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
