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
                    + (scheme.equals("tcp") ? "host:port" : "name") + ", got: " + address);
        }
        return address.substring(prefix.length());
    }

    /** {@code tcp://host:port} (IPv6 as {@code tcp://[::1]:port}) to an unresolved socket address. */
    static InetSocketAddress tcp(String address) {
        String hostPort = rest(address, "tcp");
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("expected tcp://host:port, got: " + address);
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

    static String format(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            String host = i.getAddress() != null ? i.getAddress().getHostAddress() : i.getHostString();
            if (host.indexOf(':') >= 0) {
                host = "[" + host + "]";
            }
            return "tcp://" + host + ":" + i.getPort();
        }
        return String.valueOf(a);
    }
}
