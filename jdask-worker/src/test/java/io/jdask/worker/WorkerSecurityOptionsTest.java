package io.jdask.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.Security;
import io.jdask.protocol.CredentialsMaker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A worker's credentials from the command line, and what they do to its addresses. */
class WorkerSecurityOptionsTest {
    @TempDir
    Path dir;

    private Path credentials() {
        CredentialsMaker.Pem pem = CredentialsMaker.newCluster(Duration.ofDays(1));
        Path file = dir.resolve("cluster.jdask");
        Security.of(pem.caCertificate(), pem.certificate(), pem.privateKey(), "test")
                .write(file);
        return file;
    }

    @Test
    void securityMakesEveryPortTls() {
        Path file = credentials();
        WorkerConfig c = WorkerOptions.parse(List.of(
                "--scheduler", "tls://10.0.0.1:8786", "--listen", "tcp://10.0.0.2:0", "--security", file.toString()));
        assertThat(c.tls()).isNotNull();
        assertThat(c.security().origin()).isEqualTo(file.toString());
        assertThat(c.listenAddress()).isEqualTo("tls://10.0.0.2:0");
    }

    @Test
    void aTlsSchedulerWithoutCredentialsSaysWhatToPass() {
        assertThatThrownBy(() -> WorkerOptions.parse(List.of("--scheduler", "tls://10.0.0.1:8786")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--security FILE");
        assertThatThrownBy(() -> WorkerConfig.builder("tls://10.0.0.1:8786").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("credentials");
    }

    @Test
    void aMissingCredentialsFileNamesTheInitCommand() {
        Path missing = dir.resolve("nope.jdask");
        assertThatThrownBy(() -> WorkerOptions.parse(
                        List.of("--scheduler", "tls://10.0.0.1:8786", "--security", missing.toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jdask security init " + missing);
    }

    @Test
    void aWildcardTlsListenAddressIsAdvertisedAsTls() {
        assertThat(Transports.advertisedAddress("tls://0.0.0.0:4000", "tls://10.1.2.3:55555"))
                .isEqualTo("tls://10.1.2.3:4000");
        assertThat(Transports.advertisedAddress("tls://10.9.9.9:4000", "tls://10.1.2.3:55555"))
                .isEqualTo("tls://10.9.9.9:4000");
    }
}
