package io.jdask.protocol;

import java.time.Duration;
import java.util.Objects;

/**
 * Immutable settings of a {@link Transport}: who we are (sent in the handshake) and limits.
 * Built with {@link #builder()}; {@link #toBuilder()} derives a variant.
 */
public final class CommOptions {
    /**
     * How long a new connection may take to complete its handshakes: enough for a TLS handshake across a loaded
     * machine or a slow link (tens of milliseconds normally), short enough that idle connections of a stranger do not
     * hold resources for long.
     */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);

    /**
     * Accepted connections of one listener still in their handshake at once. A cluster's members connect in bursts
     * (a worker's peers, many clients) but each finishes within milliseconds, so 256 is far above real need.
     */
    public static final int DEFAULT_MAX_HANDSHAKING = 256;

    /** See {@link Builder#deadPeerTimeout}. */
    public static final Duration DEFAULT_DEAD_PEER_TIMEOUT = Duration.ofSeconds(30);

    private final String role;
    private final String name;
    private final int maxFrameBytes;
    private final Duration handshakeTimeout;
    private final int ioThreads;
    private final Tls tls;
    private final int maxHandshaking;
    private final Duration deadPeerTimeout;

    private CommOptions(Builder b) {
        this.role = b.role;
        this.name = b.name;
        this.maxFrameBytes = b.maxFrameBytes;
        this.handshakeTimeout = b.handshakeTimeout;
        this.ioThreads = b.ioThreads;
        this.tls = b.tls;
        this.maxHandshaking = b.maxHandshaking;
        this.deadPeerTimeout = b.deadPeerTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Role {@code "peer"}, empty name, default limits. */
    public static CommOptions defaults() {
        return builder().build();
    }

    public Builder toBuilder() {
        return new Builder()
                .role(role)
                .name(name)
                .maxFrameBytes(maxFrameBytes)
                .handshakeTimeout(handshakeTimeout)
                .ioThreads(ioThreads)
                .tls(tls)
                .maxHandshaking(maxHandshaking)
                .deadPeerTimeout(deadPeerTimeout);
    }

    public String role() {
        return role;
    }

    public String name() {
        return name;
    }

    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    public int ioThreads() {
        return ioThreads;
    }

    /** The TLS set-up of a {@code tls://} transport, or null for plain {@code tcp://}. */
    public Tls tls() {
        return tls;
    }

    public int maxHandshaking() {
        return maxHandshaking;
    }

    public Duration deadPeerTimeout() {
        return deadPeerTimeout;
    }

    @Override
    public String toString() {
        return "CommOptions[role=" + role + ", name=" + name + ", maxFrameBytes=" + maxFrameBytes
                + ", handshakeTimeout=" + handshakeTimeout + ", ioThreads=" + ioThreads + ", tls=" + (tls != null)
                + ", maxHandshaking=" + maxHandshaking + "]";
    }

    /** Builder for {@link CommOptions}. */
    public static final class Builder {
        private String role = "peer";
        private String name = "";
        private int maxFrameBytes = Protocol.DEFAULT_MAX_FRAME_BYTES;
        // Defaults from the settings (io.jdask.Settings: file, JDASK_*, -Djdask.*); the setters override them.
        private Duration handshakeTimeout = io.jdask.Settings.current().get(io.jdask.Settings.COMM_HANDSHAKE_TIMEOUT);
        private int ioThreads = Math.min(4, Math.max(1, Runtime.getRuntime().availableProcessors()));
        private Tls tls;
        private int maxHandshaking = io.jdask.Settings.current().get(io.jdask.Settings.COMM_MAX_HANDSHAKING);
        private Duration deadPeerTimeout = io.jdask.Settings.current().get(io.jdask.Settings.COMM_DEAD_PEER_TIMEOUT);

        private Builder() {}

        /** What this process is ({@code "scheduler"}, {@code "worker"}, {@code "client"}); sent in the handshake. */
        public Builder role(String role) {
            this.role = Objects.requireNonNull(role, "role");
            return this;
        }

        /** This process's name for the peer's logs; sent in the handshake. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Largest frame accepted from a peer; a bigger one closes that connection. Default
         * {@link Protocol#DEFAULT_MAX_FRAME_BYTES} (see there for why).
         */
        public Builder maxFrameBytes(int maxFrameBytes) {
            if (maxFrameBytes < 1024 || maxFrameBytes > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException(
                        "maxFrameBytes must be between 1024 and 2^31-17, was " + maxFrameBytes);
            }
            this.maxFrameBytes = maxFrameBytes;
            return this;
        }

        /**
         * How long a connection may take from opening to a completed handshake (TLS, then jdask's), on either side;
         * after that it is closed. Default {@link #DEFAULT_HANDSHAKE_TIMEOUT}.
         */
        public Builder handshakeTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("handshakeTimeout must be positive, was " + timeout);
            }
            this.handshakeTimeout = timeout;
            return this;
        }

        /** Netty event-loop threads of a TCP transport. Default min(4, cores). */
        public Builder ioThreads(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("ioThreads must be at least 1, was " + n);
            }
            this.ioThreads = n;
            return this;
        }

        /**
         * Speak {@code tls://} with these credentials (mutual TLS on every connection, see {@link Tls}); null (the
         * default) for plain {@code tcp://}.
         */
        public Builder tls(Tls tls) {
            this.tls = tls;
            return this;
        }

        /**
         * How many accepted connections of one listener may be handshaking at once; a connection beyond that is
         * closed at once, so that strangers opening connections and saying nothing cannot pile them up. Default
         * {@link #DEFAULT_MAX_HANDSHAKING}.
         */
        public Builder maxHandshaking(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxHandshaking must be at least 1, was " + n);
            }
            this.maxHandshaking = n;
            return this;
        }

        /**
         * How long a TCP connection may go without a sign of life from the peer's machine before it counts as lost
         * and closes: sent data unacknowledged for this long (TCP_USER_TIMEOUT), or an idle connection whose
         * keepalive probes go unanswered (probes from a third of it on). Without it a peer cut off the network (a
         * pulled cable, a partition) holds its connection for the kernel's defaults: hours when idle, a quarter of an
         * hour with data in flight. Default {@link #DEFAULT_DEAD_PEER_TIMEOUT}. The kernel answers these probes, so a
         * peer busy in a long garbage collection stays alive. Epoll sets all of it; NIO only the keepalive part.
         */
        public Builder deadPeerTimeout(Duration timeout) {
            if (timeout.toSeconds() < 6) {
                throw new IllegalArgumentException("deadPeerTimeout must be at least 6 s, was " + timeout);
            }
            this.deadPeerTimeout = timeout;
            return this;
        }

        public CommOptions build() {
            return new CommOptions(this);
        }
    }
}
