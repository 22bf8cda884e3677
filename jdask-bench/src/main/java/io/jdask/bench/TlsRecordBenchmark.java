package io.jdask.bench;

import io.jdask.Security;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What TLS itself costs for bulk data, without sockets or Netty's pipeline: 1 MiB (the size of the slices a big value
 * is written in, {@code MessageCodec.CHUNK_BYTES}) encrypted into TLS 1.3 records by one {@link SSLEngine} and
 * decrypted by its peer, as {@code SslHandler} has them do, per provider ({@code @Param provider}: the JDK's, or
 * Netty's statically linked BoringSSL) and per buffer kind ({@code @Param direct}: heap or direct network buffers).
 * The engines come from the same {@code SslContextBuilder} settings as {@code io.jdask.protocol.Tls} (mutual TLS 1.3,
 * ECDSA P-256 credentials from {@code Security.temporary()}); the cipher suite is whatever they negotiate
 * ({@code TLS_AES_128_GCM_SHA256} here).
 *
 * <p>Figures: microseconds per MiB for encrypting and decrypting it (one side each); {@code 1e6 / score / 1024} is
 * GiB/s. Compare it with the 100 MB gather of {@code run-tls-bench.sh}: if one MiB costs about as much here as the
 * TLS gather adds per MiB over TCP, the cipher is where the time goes, not the copies around it.
 *
 * <p>Run, from the repository root, after {@code ./mvnw -pl jdask-bench -am package -DskipTests}:
 *
 * <pre>{@code
 * java --enable-native-access=ALL-UNNAMED -jar jdask-bench/target/benchmarks.jar TlsRecordBenchmark
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx512m", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class TlsRecordBenchmark {
    static final int MIB = 1 << 20;

    @Param({"JDK", "OPENSSL"})
    public String provider;

    @Param({"false", "true"})
    public boolean direct;

    private SSLEngine sender;
    private SSLEngine receiver;
    private final byte[] data = new byte[MIB];
    private ByteBuffer net;
    private ByteBuffer plain;

    @Setup(Level.Trial)
    public void handshake() throws Exception {
        Security s = Security.temporary();
        SslProvider p = SslProvider.valueOf(provider);
        SslContext server = SslContextBuilder.forServer(pem(s.certificatePem()), pem(s.privateKeyPem()))
                .trustManager(pem(s.caCertificatePem()))
                .clientAuth(ClientAuth.REQUIRE)
                .sslProvider(p)
                .protocols("TLSv1.3")
                .build();
        SslContext client = SslContextBuilder.forClient()
                .keyManager(pem(s.certificatePem()), pem(s.privateKeyPem()))
                .trustManager(pem(s.caCertificatePem()))
                .sslProvider(p)
                .protocols("TLSv1.3")
                .endpointIdentificationAlgorithm(null)
                .build();
        sender = client.newEngine(ByteBufAllocator.DEFAULT);
        receiver = server.newEngine(ByteBufAllocator.DEFAULT);
        net = allocate(sender.getSession().getPacketBufferSize() * 2);
        plain = allocate(receiver.getSession().getApplicationBufferSize() * 2);
        ByteBuffer toReceiver = allocate(64 * 1024);
        ByteBuffer toSender = allocate(64 * 1024);
        sender.beginHandshake();
        receiver.beginHandshake();
        for (int i = 0; i < 100 && !(idle(sender) && idle(receiver)); i++) {
            step(sender, toReceiver, toSender);
            step(receiver, toSender, toReceiver);
        }
        if (!(idle(sender) && idle(receiver))) throw new IllegalStateException("the TLS handshake did not finish");
    }

    private ByteBuffer allocate(int n) {
        return direct ? ByteBuffer.allocateDirect(n) : ByteBuffer.allocate(n);
    }

    /** One MiB through both engines, a record at a time; returns a byte of the result so nothing is optimised away. */
    @Benchmark
    @OperationsPerInvocation(1)
    public byte encryptAndDecryptOneMib() throws SSLException {
        ByteBuffer in = ByteBuffer.wrap(data);
        byte last = 0;
        while (in.hasRemaining()) {
            net.clear();
            sender.wrap(in, net);
            net.flip();
            plain.clear();
            receiver.unwrap(net, plain);
            if (plain.position() > 0) last = plain.get(plain.position() - 1);
        }
        return last;
    }

    private static boolean idle(SSLEngine e) {
        SSLEngineResult.HandshakeStatus h = e.getHandshakeStatus();
        return h == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING || h == SSLEngineResult.HandshakeStatus.FINISHED;
    }

    /** Moves one engine's handshake on as far as it can: tasks, its records out, the peer's records in. */
    private void step(SSLEngine e, ByteBuffer out, ByteBuffer in) throws SSLException {
        ByteBuffer none = ByteBuffer.allocate(0);
        ByteBuffer sink = allocate(e.getSession().getApplicationBufferSize());
        for (int guard = 0; guard < 50; guard++) {
            switch (e.getHandshakeStatus()) {
                case NEED_TASK -> {
                    Runnable task;
                    while ((task = e.getDelegatedTask()) != null) task.run();
                }
                case NEED_WRAP -> e.wrap(none, out);
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    in.flip();
                    SSLEngineResult r = e.unwrap(in, sink);
                    in.compact();
                    if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW || r.bytesConsumed() == 0) return;
                }
                default -> {
                    return;
                }
            }
        }
    }

    private static InputStream pem(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII));
    }
}
