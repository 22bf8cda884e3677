package io.jdask.worker;

import io.jdask.protocol.CommOptions;
import io.jdask.protocol.Transport;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The worker's transports, one per address scheme, opened on first use. A worker listening on
 * {@code inproc://} may still reach a scheduler or peers over {@code tcp://} and the other way
 * round; each transport owns its I/O threads, so only the schemes in use cost threads.
 */
final class Transports implements AutoCloseable {
    private final CommOptions options;
    /** Scheme to its transport; an entry is never replaced, and is closed by {@link #close}. */
    private final ConcurrentHashMap<String, Transport> byScheme = new ConcurrentHashMap<>();
    /** Set once by close(); after that no transport is created. Guarded by {@link #byScheme}'s updates. */
    private volatile boolean closed;

    Transports(CommOptions options) {
        this.options = options;
    }

    /** The transport for {@code address}'s scheme ({@code tcp}, {@code tls} or {@code inproc}). */
    Transport forAddress(String address) {
        if (closed) {
            throw new IllegalStateException("the worker is closed; cannot reach " + address);
        }
        String scheme = scheme(address);
        return byScheme.computeIfAbsent(scheme, s -> switch (s) {
            case "tcp" -> Transport.tcp(options.toBuilder().tls(null).build());
            case "tls" -> {
                if (options.tls() == null) {
                    throw new IllegalArgumentException(
                            address + " is a tls:// address, but this worker has no credentials (--security FILE)");
                }
                yield Transport.tcp(options);
            }
            case "inproc" -> Transport.inproc(options);
            default ->
                throw new IllegalArgumentException(
                        "unsupported address " + address + ": use tcp://host:port, tls://host:port or inproc://name");
        });
    }

    static String scheme(String address) {
        int i = address.indexOf("://");
        if (i <= 0) {
            throw new IllegalArgumentException(
                    "not an address: " + address + " (expected tcp://host:port or inproc://name)");
        }
        return address.substring(0, i);
    }

    /**
     * The address to advertise: the bound address, except that a wildcard host (listening on all
     * interfaces) is replaced by the local address of the scheduler connection, the interface the
     * cluster evidently reaches this machine by.
     */
    static String advertisedAddress(String bound, String towardsScheduler) {
        String scheme = bound.startsWith("tcp://") ? "tcp://" : bound.startsWith("tls://") ? "tls://" : null;
        if (scheme == null) {
            return bound;
        }
        int colon = bound.lastIndexOf(':');
        String host = bound.substring(scheme.length(), colon);
        String port = bound.substring(colon + 1);
        boolean wildcard = host.equals("0.0.0.0") || host.equals("[::]") || host.equals("[0:0:0:0:0:0:0:0]");
        if (!wildcard) {
            return bound;
        }
        if (towardsScheduler != null
                && (towardsScheduler.startsWith("tcp://") || towardsScheduler.startsWith("tls://"))) {
            String local = towardsScheduler.substring("tcp://".length(), towardsScheduler.lastIndexOf(':'));
            return scheme + local + ":" + port;
        }
        try {
            return scheme + InetAddress.getLocalHost().getHostAddress() + ":" + port;
        } catch (UnknownHostException e) {
            return scheme + "127.0.0.1:" + port;
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Transport t : byScheme.values()) {
            t.close();
        }
    }
}
