package io.jdask.worker;

import io.jdask.protocol.CommOptions;
import io.jdask.protocol.Transport;
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

    /** The transport for {@code address}'s scheme ({@code tcp} or {@code inproc}). */
    Transport forAddress(String address) {
        if (closed) {
            throw new IllegalStateException("the worker is closed; cannot reach " + address);
        }
        String scheme = scheme(address);
        return byScheme.computeIfAbsent(scheme, s -> switch (s) {
            case "tcp" -> Transport.tcp(options);
            case "inproc" -> Transport.inproc(options);
            default ->
                throw new IllegalArgumentException(
                        "unsupported address " + address + ": use tcp://host:port or inproc://name");
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

    @Override
    public void close() {
        closed = true;
        for (Transport t : byScheme.values()) {
            t.close();
        }
    }
}
