package io.jdask.protocol;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * The TLS set-up of a cluster member: its certificate and private key, and the cluster's CA as the only trust
 * anchor. A {@link TcpTransport} given one (through {@link CommOptions.Builder#tls}) speaks {@code tls://}: every
 * connection it accepts or opens runs mutual TLS 1.3 before the jdask handshake, and a peer whose certificate was
 * not signed by this CA is refused during the TLS handshake.
 *
 * <p>Host names are not checked: every member of a cluster holds the same kind of credential, whatever machine it
 * runs on, so the question a connection answers is "does the peer hold this cluster's credentials", not "is it the
 * host I named". The JDK's TLS implementation does the work, through Netty's {@code SslHandler}.
 */
public final class Tls {
    private final SslContext server;
    private final SslContext client;

    private Tls(SslContext server, SslContext client) {
        this.server = server;
        this.client = client;
    }

    /**
     * The TLS set-up from PEM texts: the cluster CA's certificate, this member's certificate (signed by that CA) and
     * its PKCS#8 private key ({@code -----BEGIN PRIVATE KEY-----}).
     *
     * @throws IllegalArgumentException naming which part could not be used, and why
     */
    public static Tls fromPem(String caCertificatePem, String certificatePem, String privateKeyPem) {
        Objects.requireNonNull(caCertificatePem, "caCertificatePem");
        Objects.requireNonNull(certificatePem, "certificatePem");
        Objects.requireNonNull(privateKeyPem, "privateKeyPem");
        try {
            SslContext server = SslContextBuilder.forServer(stream(certificatePem), stream(privateKeyPem))
                    .trustManager(stream(caCertificatePem))
                    .clientAuth(ClientAuth.REQUIRE)
                    .sslProvider(provider())
                    .protocols("TLSv1.3")
                    .build();
            SslContext client = SslContextBuilder.forClient()
                    .keyManager(stream(certificatePem), stream(privateKeyPem))
                    .trustManager(stream(caCertificatePem))
                    .sslProvider(provider())
                    .protocols("TLSv1.3")
                    .endpointIdentificationAlgorithm(null)
                    .build();
            return new Tls(server, client);
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "cannot set up TLS from these credentials (" + e.getMessage()
                            + "); make new ones with `jdask security init FILE`",
                    e);
        }
    }

    /**
     * The TLS implementation: the JDK's by default; {@code -Djdask.tls.provider=openssl} takes the statically linked
     * BoringSSL of {@code netty-tcnative-boringssl-static} (an error if it does not load here). Both speak the same
     * TLS, so processes on either can talk.
     */
    static SslProvider provider() {
        String asked = io.jdask.Settings.current().get(io.jdask.Settings.TLS_PROVIDER);
        return switch (asked) {
            case "jdk", "" -> SslProvider.JDK;
            case "openssl" -> {
                if (!io.netty.handler.ssl.OpenSsl.isAvailable()) {
                    throw new IllegalStateException("jdask.tls.provider=openssl, but Netty's BoringSSL build does not"
                            + " load here: " + io.netty.handler.ssl.OpenSsl.unavailabilityCause()
                            + "; use jdask.tls.provider=jdk");
                }
                yield SslProvider.OPENSSL;
            }
            default ->
                throw new IllegalArgumentException(
                        "jdask.tls.provider=" + asked + " is not a TLS provider; use jdk or openssl");
        };
    }

    SslContext server() {
        return server;
    }

    SslContext client() {
        return client;
    }

    private static InputStream stream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public String toString() {
        return "Tls[mutual, TLSv1.3, " + server.getClass().getSimpleName() + "]";
    }
}
