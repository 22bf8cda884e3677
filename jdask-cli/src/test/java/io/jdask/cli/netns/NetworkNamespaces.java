package io.jdask.cli.netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Private networks on this machine for multi-host tests: network namespaces joined by a bridge, made with {@code ip
 * netns} and {@code ip link} (root only), and removed again by {@link #close()}.
 *
 * <p>Layout: a hub namespace holds a bridge; each member namespace ({@code jdask-t<pid>-<name>}) has an {@code eth0}
 * whose veth peer is a port of that bridge, with the address {@code 10.201.<k>.<10+i>/24}; the test JVM's own
 * namespace gets one veth end, {@code jd<pid>r}, with {@code 10.201.<k>.1/24}, whose peer is another bridge port. So
 * the test JVM reaches every member, every member every other, and no address is added anywhere else. {@code k}
 * comes from the test JVM's pid, so concurrent runs use different subnets; names carry the pid, so namespaces left by
 * a killed run are recognised and removed by the next one.
 */
public final class NetworkNamespaces implements AutoCloseable {
    private static final String PREFIX = "jdask-t";
    private static final Pattern OURS = Pattern.compile(PREFIX + "(\\d+)-\\S+");

    private final long pid = ProcessHandle.current().pid();
    private final int subnet = (int) (pid % 200) + 20;
    private final String hub = PREFIX + pid + "-hub";
    private final String rootEnd = "jd" + (pid % 1_000_000) + "r";
    private final List<String> members = new ArrayList<>();
    private boolean closed;

    private NetworkNamespaces() {}

    /**
     * Makes the hub and the test JVM's link, after removing what killed runs left.
     *
     * @throws IllegalStateException saying why, when this machine cannot (not root, no {@code ip}); multi-host tests
     *     then fail, never skip
     */
    public static NetworkNamespaces create() {
        requireRootAndIp();
        removeLeftovers();
        NetworkNamespaces n = new NetworkNamespaces();
        try {
            n.ip("netns", "add", n.hub);
            n.ip("-n", n.hub, "link", "add", "br0", "type", "bridge");
            n.ip("-n", n.hub, "link", "set", "br0", "up");
            n.ip("link", "add", n.rootEnd, "type", "veth", "peer", "name", n.rootEnd + "b");
            n.ip("link", "set", n.rootEnd + "b", "netns", n.hub);
            n.ip("-n", n.hub, "link", "set", n.rootEnd + "b", "master", "br0", "up");
            n.ip("addr", "add", n.clientAddress() + "/24", "dev", n.rootEnd);
            n.ip("link", "set", n.rootEnd, "up");
            return n;
        } catch (RuntimeException e) {
            n.close();
            throw e;
        }
    }

    /** Adds a member namespace called {@code name}; returns its address. */
    public String addMember(String name) {
        int i = members.size();
        String ns = namespace(name);
        String inner = "jd" + (pid % 1_000_000) + "n" + i;
        String outer = "jd" + (pid % 1_000_000) + "b" + i;
        ip("netns", "add", ns);
        members.add(name);
        ip("link", "add", inner, "type", "veth", "peer", "name", outer);
        ip("link", "set", outer, "netns", hub);
        ip("-n", hub, "link", "set", outer, "master", "br0", "up");
        ip("link", "set", inner, "netns", ns);
        ip("-n", ns, "link", "set", inner, "name", "eth0");
        ip("-n", ns, "addr", "add", address(name) + "/24", "dev", "eth0");
        ip("-n", ns, "link", "set", "eth0", "up");
        ip("-n", ns, "link", "set", "lo", "up");
        return address(name);
    }

    /** The address of member {@code name}. */
    public String address(String name) {
        int i = members.indexOf(name);
        if (i < 0) throw new IllegalArgumentException("no member " + name + " in " + members);
        return "10.201." + subnet + "." + (10 + i);
    }

    /** The test JVM's address on the private network. */
    public String clientAddress() {
        return "10.201." + subnet + ".1";
    }

    /** The namespace of member {@code name}, for {@code ip netns exec}. */
    public String namespace(String name) {
        return PREFIX + pid + "-" + name;
    }

    /** The command that runs {@code command} inside member {@code name}'s namespace. */
    public List<String> inside(String name, List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace(name)));
        cmd.addAll(command);
        return cmd;
    }

    /** Takes member {@code name}'s link down (true) or up again (false): a pulled cable. */
    public void cut(String name, boolean down) {
        ip("-n", namespace(name), "link", "set", "eth0", down ? "down" : "up");
    }

    /** Takes the test JVM's link down (true) or up again (false): the client on the other side of a cut. */
    public void cutClient(boolean down) {
        ip("link", "set", rootEnd, down ? "down" : "up");
    }

    /** Removes every namespace and link made here; safe to call twice. Processes inside must be stopped first. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        List<String> errors = new ArrayList<>();
        for (String m : members) {
            tryIp(errors, "netns", "del", namespace(m));
        }
        tryIp(errors, "netns", "del", hub);
        if (linkExists(rootEnd)) {
            tryIp(errors, "link", "del", rootEnd);
        }
        if (!errors.isEmpty()) {
            throw new IllegalStateException("could not remove everything: " + errors);
        }
    }

    private static void requireRootAndIp() {
        String why = null;
        try {
            String uid = run(List.of("id", "-u")).trim();
            if (!uid.equals("0")) {
                why = "they must run as root (uid 0), this JVM runs as uid " + uid;
            }
        } catch (RuntimeException e) {
            why = "cannot tell the user id: " + e.getMessage();
        }
        if (why == null) {
            try {
                run(List.of("ip", "netns", "list"));
            } catch (RuntimeException e) {
                why = "the ip command (iproute2) with network namespaces is not usable: " + e.getMessage();
            }
        }
        if (why != null) {
            throw new IllegalStateException("the multi-host tests create network namespaces, and " + why + ". They"
                    + " are not skipped: run them as root on Linux with iproute2 (CI does).");
        }
    }

    /** Namespaces of test JVMs that are gone (killed before they could clean up), and their root-side links. */
    private static void removeLeftovers() {
        for (String line : run(List.of("ip", "netns", "list")).split("\n")) {
            Matcher m = OURS.matcher(line.trim());
            if (m.lookingAt() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                String ns = line.trim().split("\\s+")[0];
                run(List.of("ip", "netns", "del", ns));
                String link = "jd" + (Long.parseLong(m.group(1)) % 1_000_000) + "r";
                if (linkExists(link)) run(List.of("ip", "link", "del", link));
            }
        }
    }

    private static boolean linkExists(String link) {
        try {
            run(List.of("ip", "link", "show", link));
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void tryIp(List<String> errors, String... args) {
        try {
            ip(args);
        } catch (RuntimeException e) {
            errors.add(e.getMessage());
        }
    }

    private void ip(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        run(cmd);
    }

    /** Runs a command to its end; its output, or an exception with its error output. */
    static String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish within 30 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(
                        String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + out.trim());
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", cmd), e);
        }
    }
}
