package io.jdask.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where {@code jdask scheduler} and {@code jdask worker} may listen. A process without TLS runs code for anyone who
 * connects, so without {@code --security} it listens on loopback only: a wider {@code --host} is refused with how to
 * make credentials, unless {@code --insecure} says the user accepts the risk (logged as a warning). With credentials
 * the default host is every interface, as Dask's.
 */
final class ListenPolicy {
    private static final Logger LOG = LoggerFactory.getLogger(ListenPolicy.class);

    /** Exit status of a refused start (as for bad arguments). */
    static final int REFUSED = 2;

    private ListenPolicy() {}

    /** The host to listen on: the one asked for, else every interface with credentials and loopback without. */
    static String host(String asked, boolean secured) {
        if (asked != null && !asked.isBlank()) {
            return asked.trim();
        }
        return secured ? "0.0.0.0" : "127.0.0.1";
    }

    /** The credentials file given, or the one {@code JDASK_SECURITY} names; null when neither is set. */
    static Path credentialsFile(Path given) {
        if (given != null) {
            return given;
        }
        return io.jdask.Settings.current().get(io.jdask.Settings.SECURITY);
    }

    /**
     * Null if {@code what} may listen on {@code host}, else the message to print before exiting with {@link
     * #REFUSED}.
     */
    static String refusal(String what, String host, boolean secured, boolean insecure) {
        if (secured || isLoopback(host)) {
            return null;
        }
        if (insecure) {
            LOG.warn(
                    "{} listens on {} without TLS (--insecure): anyone who can reach it can run code on this"
                            + " cluster's workers",
                    what,
                    host);
            return null;
        }
        return "jdask " + what + ": refusing to listen on " + host + " without TLS: anyone who can reach that address"
                + " could run code on the cluster's workers. Make credentials with `jdask security init"
                + " cluster.jdask`, copy the file to the cluster's machines, and pass --security cluster.jdask to"
                + " `jdask scheduler` and `jdask worker` (clients use Security.load); or pass --insecure to accept"
                + " the risk.";
    }

    static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
