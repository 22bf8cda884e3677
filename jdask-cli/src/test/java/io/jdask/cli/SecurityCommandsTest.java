package io.jdask.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.Client;
import io.jdask.Security;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jdask security init}, and the safe defaults of {@code jdask scheduler} and {@code jdask worker} as real
 * processes: loopback without credentials, a wider host refused unless {@code --insecure}, TLS with them.
 */
class SecurityCommandsTest {
    private final List<Process> processes = new ArrayList<>();

    @TempDir
    Path dir;

    private Process jdask(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx128m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectError(dir.resolve("stderr-" + processes.size()).toFile());
        pb.environment().remove(Security.ENVIRONMENT_VARIABLE);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private String stderrOf(Process p) throws Exception {
        return Files.readString(dir.resolve("stderr-" + processes.indexOf(p)));
    }

    private static String firstLine(Process p) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        assertThat(line).as("the process printed a line").isNotNull();
        return line;
    }

    private static int exitOf(Process p) throws Exception {
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the process exits").isTrue();
        return p.exitValue();
    }

    @AfterEach
    void stopAll() throws Exception {
        for (Process p : processes) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
        }
    }

    @Test
    void initWritesAPrivateCredentialsFileOnceAndTheClusterRunsOnItOverTls() throws Exception {
        Path file = dir.resolve("cluster.jdask");
        Process init = jdask("security", "init", file.toString());
        assertThat(exitOf(init)).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(Files.readString(file)).startsWith(Security.HEADER + "\n");
        Security security = Security.load(file);

        Process again = jdask("security", "init", file.toString());
        assertThat(exitOf(again)).isEqualTo(1);
        assertThat(stderrOf(again)).contains("exists already");
        assertThat(Security.load(file).privateKeyPem()).isEqualTo(security.privateKeyPem());

        Process scheduler = jdask("scheduler", "--security", file.toString(), "--host", "127.0.0.1", "--port", "0");
        String line = firstLine(scheduler);
        assertThat(line).startsWith("jdask scheduler listening at tls://127.0.0.1:");
        String address = line.substring(line.indexOf("tls://"));
        Process worker = jdask("worker", address, "--security", file.toString(), "--name", "tls-worker");
        assertThat(firstLine(worker))
                .startsWith("jdask worker tls://127.0.0.1:")
                .endsWith("registered with " + address);
        try (Client client = Client.connect(address, security)) {
            assertThat(client.submit(ClusterCommandsTest::triple, 5).result()).isEqualTo(15);
        }
        assertThatThrownBy(() -> Client.connect(address, Security.temporary(), Duration.ofSeconds(20)))
                .hasMessageContaining("TLS handshake");
    }

    @Test
    void withoutCredentialsTheSchedulerListensOnLoopbackByDefault() throws Exception {
        Process scheduler = jdask("scheduler", "--port", "0", "--dashboard-port", "-1");
        assertThat(firstLine(scheduler)).startsWith("jdask scheduler listening at tcp://127.0.0.1:");
    }

    @Test
    void aWiderHostWithoutCredentialsIsRefusedNamingTheWayOut() throws Exception {
        Process scheduler = jdask("scheduler", "--host", "0.0.0.0", "--port", "0", "--dashboard-port", "-1");
        assertThat(exitOf(scheduler)).isEqualTo(2);
        assertThat(stderrOf(scheduler))
                .contains("refusing to listen on 0.0.0.0 without TLS")
                .contains("jdask security init")
                .contains("--insecure");

        Process worker = jdask("worker", "tcp://127.0.0.1:1", "--host", "0.0.0.0");
        assertThat(exitOf(worker)).isEqualTo(2);
        assertThat(stderrOf(worker)).contains("jdask security init").contains("--insecure");
    }

    @Test
    void insecureAcceptsTheRiskWithAWarning() throws Exception {
        Process scheduler =
                jdask("scheduler", "--host", "0.0.0.0", "--port", "0", "--dashboard-port", "0", "--insecure");
        BufferedReader out =
                new BufferedReader(new InputStreamReader(scheduler.getInputStream(), StandardCharsets.UTF_8));
        // Every interface: 0.0.0.0, or [::] where the socket is dual-stack (epoll).
        assertThat(out.readLine())
                .matches("jdask scheduler listening at tcp://(0\\.0\\.0\\.0|\\[0:0:0:0:0:0:0:0\\]):\\d+");
        assertThat(out.readLine())
                .as("the dashboard stays on loopback unless --dashboard-host says otherwise")
                .startsWith("jdask dashboard at http://127.0.0.1:");
        assertThat(stderrOf(scheduler)).contains("without TLS (--insecure)");
    }

    @Test
    void aWorkerOfATlsSchedulerWithoutCredentialsSaysWhatToPass() throws Exception {
        Process worker = jdask("worker", "tls://127.0.0.1:1");
        assertThat(exitOf(worker)).isEqualTo(2);
        assertThat(stderrOf(worker)).contains("--security FILE");
    }

    @Test
    void aCredentialsFileOthersCanReadIsRefused() throws Exception {
        Path file = dir.resolve("open.jdask");
        Security.temporary().write(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        Process scheduler = jdask("scheduler", "--security", file.toString(), "--port", "0");
        assertThat(exitOf(scheduler)).isEqualTo(2);
        assertThat(stderrOf(scheduler)).contains("chmod 600");
    }
}
