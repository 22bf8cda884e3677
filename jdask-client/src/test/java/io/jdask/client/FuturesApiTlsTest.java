package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.Actor;
import io.jdask.Client;
import io.jdask.Dask;
import io.jdask.Future;
import io.jdask.Security;
import io.jdask.protocol.DirectComm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The futures API on worker processes with mutual TLS everywhere ({@code Security.temporary()}): the client on the
 * scheduler's tls:// port, workers talking TLS to the scheduler, to each other and to clients; actors and tasks that
 * use a client of their own too. And the refusals: no credentials, or another cluster's, get a clear error quickly.
 */
class FuturesApiTlsTest extends FuturesApiContract {

    FuturesApiTlsTest() {
        super(ClusterExtension.processes(2).threadsPerWorker(2).clientOverTcp().withTemporarySecurity());
    }

    public static int submitFromTask(int x) {
        return Dask.client().submit(Ops::inc, x).result();
    }

    @Test
    void everyAddressIsTlsAndTheClientIsOnTheSocket() {
        assertThat(cluster.cluster().schedulerAddress()).startsWith("tls://127.0.0.1:");
        assertThat(cluster.cluster().workerAddresses()).hasSize(2).allMatch(a -> a.startsWith("tls://127.0.0.1:"));
        assertThat(((ClientImpl) cluster.client()).session().schedulerComm()).isNotInstanceOf(DirectComm.class);
        assertThat(cluster.client().submit(Ops::pid, 0).result())
                .isNotEqualTo(ProcessHandle.current().pid());
    }

    @Test
    void actorsAndTasksWithTheirOwnClientWorkOverTls() {
        Actor<CoordinationTest.Counter> counter =
                cluster.client().submitActor(CoordinationTest.Counter::new).result();
        List<Future<Integer>> fs = new ArrayList<>();
        for (int i = 0; i < 6; i++) fs.add(cluster.client().submit(CoordinationTest::incrementActor, counter));
        assertThat(new HashSet<>(cluster.client().gather(fs))).hasSize(6);
        assertThat(counter.call(CoordinationTest.Counter::getCount).result()).isEqualTo(6);
        assertThat(cluster.client()
                        .submit(FuturesApiTlsTest::submitFromTask, 41)
                        .result())
                .isEqualTo(42);
    }

    @Test
    void workerProcessesGetTheCredentialsInAPrivateFileNotOnTheCommandLine() throws Exception {
        // Worker JVMs are the descendants given --security (class-data-archive dumps also run WorkerMain, without it).
        List<List<String>> workerArgs = ProcessHandle.current()
                .descendants()
                .map(FuturesApiTlsTest::arguments)
                .filter(a -> a.contains("--security"))
                .toList();
        assertThat(workerArgs).hasSize(2).noneMatch(a -> String.join(" ", a).contains("PRIVATE KEY"));
        List<String> args = workerArgs.get(0);
        Path file = Path.of(args.get(args.indexOf("--security") + 1));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                .isEqualTo("rwx------");
        assertThat(Security.load(file).certificatePem())
                .isEqualTo(cluster.cluster().spec().security().certificatePem());
    }

    /** A process's full command line from /proc (ProcessHandle.Info may leave out or cut a long one). */
    private static List<String> arguments(ProcessHandle p) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline"));
            return List.of(new String(raw, java.nio.charset.StandardCharsets.UTF_8).split("\0"));
        } catch (java.io.IOException gone) {
            return List.of();
        }
    }

    @Test
    void aClientWithoutCredentialsIsToldHowToGetThem() {
        assertThatThrownBy(() -> Client.connect(cluster.cluster().schedulerAddress()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("uses TLS")
                .hasMessageContaining("Security.load");
    }

    @Test
    void aClientWithAnotherClustersCredentialsIsRefusedWithinSeconds() {
        Security other = Security.temporary();
        long start = System.nanoTime();
        assertThatThrownBy(() -> Client.connect(cluster.cluster().schedulerAddress(), other, Duration.ofSeconds(20)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(cluster.cluster().schedulerAddress())
                .hasMessageContaining("TLS handshake");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aPlainTcpClientOfTheTlsPortIsToldToUseTls() {
        String plain = "tcp://" + cluster.cluster().schedulerAddress().substring("tls://".length());
        assertThatThrownBy(() -> Client.connect(plain, Duration.ofSeconds(20)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(plain)
                .hasMessageContaining("tls://");
    }
}
