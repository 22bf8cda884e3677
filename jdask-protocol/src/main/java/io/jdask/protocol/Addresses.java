package io.jdask.protocol;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** Parsing and formatting of {@code scheme://...} addresses. */
final class Addresses {
    private Addresses() {}

    /** The part after {@code scheme://}, or an exception naming the expected scheme. */
    static String rest(String address, String scheme) {
        String prefix = scheme + "://";
        if (address == null || !address.startsWith(prefix)) {
            throw new IllegalArgumentException("expected an address like " + prefix
                    + (scheme.equals("inproc") ? "name" : "host:port") + ", got: " + address
                    + schemeHint(address, scheme));
        }
        return address.substring(prefix.length());
    }

    /**
     * {@code scheme://host:port} (IPv6 as {@code scheme://[::1]:port}; scheme {@code tcp} or {@code tls}) to an
     * unresolved socket address.
     */
    static InetSocketAddress socket(String address, String scheme) {
        String hostPort = rest(address, scheme);
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("expected " + scheme + "://host:port, got: " + address);
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port is not a number in " + address);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range [0, 65535] in " + address);
        }
        return new InetSocketAddress(host, port);
    }

    /** The {@code tcp://} form of a socket address. */
    static String format(SocketAddress a) {
        return format(a, "tcp");
    }

    static String format(SocketAddress a, String scheme) {
        if (a instanceof InetSocketAddress i) {
            String host = i.getAddress() != null ? i.getAddress().getHostAddress() : i.getHostString();
            if (host.indexOf(':') >= 0) {
                host = "[" + host + "]";
            }
            return scheme + "://" + host + ":" + i.getPort();
        }
        return String.valueOf(a);
    }

    private static String schemeHint(String address, String scheme) {
        if (address == null) {
            return "";
        }
        if (scheme.equals("tls") && address.startsWith("tcp://")) {
            return " (this process has TLS credentials, so it speaks tls:// only; the cluster must use them too)";
        }
        if (scheme.equals("tcp") && address.startsWith("tls://")) {
            return " (a tls:// address needs the cluster's credentials: Security.load(path), JDASK_SECURITY or"
                    + " --security FILE)";
        }
        return "";
    }
}
