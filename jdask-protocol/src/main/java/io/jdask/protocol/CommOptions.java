package io.jdask.protocol;

import java.time.Duration;
import java.util.Objects;

/**
 * Immutable settings of a {@link Transport}: who we are (sent in the handshake) and limits.
 * Built with {@link #builder()}; {@link #toBuilder()} derives a variant.
 */
public final class CommOptions {
    private final String role;
    private final String name;
    private final int maxFrameBytes;
    private final Duration handshakeTimeout;
    private final int ioThreads;

    private CommOptions(Builder b) {
        this.role = b.role;
        this.name = b.name;
        this.maxFrameBytes = b.maxFrameBytes;
        this.handshakeTimeout = b.handshakeTimeout;
        this.ioThreads = b.ioThreads;
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
                .ioThreads(ioThreads);
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

    @Override
    public String toString() {
        return "CommOptions[role=" + role + ", name=" + name + ", maxFrameBytes=" + maxFrameBytes
                + ", handshakeTimeout=" + handshakeTimeout + ", ioThreads=" + ioThreads + "]";
    }

    /** Builder for {@link CommOptions}. */
    public static final class Builder {
        private String role = "peer";
        private String name = "";
        private int maxFrameBytes = Protocol.DEFAULT_MAX_FRAME_BYTES;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private int ioThreads = Math.min(4, Math.max(1, Runtime.getRuntime().availableProcessors()));

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

        /** How long an accepted connection may take to send its handshake. Default 10 s. */
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

        public CommOptions build() {
            return new CommOptions(this);
        }
    }
}
