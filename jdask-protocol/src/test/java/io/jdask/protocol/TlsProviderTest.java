package io.jdask.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The choice of TLS implementation ({@code jdask.tls.provider}). */
class TlsProviderTest {
    private final String before = System.getProperty("jdask.tls.provider");

    @AfterEach
    void restore() {
        if (before == null) System.clearProperty("jdask.tls.provider");
        else System.setProperty("jdask.tls.provider", before);
    }

    @Test
    void theJdkByDefaultBoringSslWhenAskedAndAnUnknownNameIsRefused() {
        System.clearProperty("jdask.tls.provider");
        assertThat(Tls.provider()).isEqualTo(SslProvider.JDK);
        if (System.getProperty("os.name").startsWith("Linux") && "amd64".equals(System.getProperty("os.arch"))) {
            // The static BoringSSL ships for linux-x86_64: if it stops loading, this says why.
            assertThat(OpenSsl.isAvailable())
                    .as("%s", OpenSsl.unavailabilityCause())
                    .isTrue();
            System.setProperty("jdask.tls.provider", "openssl");
            assertThat(Tls.provider()).isEqualTo(SslProvider.OPENSSL);
        }
        System.setProperty("jdask.tls.provider", "carrier-pigeon");
        assertThatThrownBy(Tls::provider)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jdask.tls.provider")
                .hasMessageContaining("jdk, openssl");
    }
}
