package io.jdask.worker.state;

import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.TreeSet;

/**
 * What this worker knows about another worker it may fetch from.
 *
 * <p>A peer exists in {@code WorkerState.peers} while it holds a known key, or has a transfer in
 * flight; it is dropped as soon as none of these is true. Hash and equality by
 * address so {@code HashSet<Peer>} iterates the same way in every run.
 */
final class Peer {
    final String address;
    /** "host" part of the address; peers on our host are preferred for transfers. */
    final String host;
    /** Exactly the tasks whose {@code whoHas} contains this peer. */
    final HashSet<WorkerTask> hasWhat = new HashSet<>();
    /**
     * Exactly the FETCH tasks whose {@code whoHas} contains this peer, best first; a task chosen for
     * a transfer leaves the queue of every peer holding it.
     */
    final TreeSet<WorkerTask> dataNeeded = new TreeSet<>(WorkerTask.ORDER);
    /** The tasks of the outstanding GatherDep to this peer, or null if there is none. */
    LinkedHashSet<WorkerTask> inFlight;
    /** Bytes counted against the incoming limit for {@link #inFlight}; 0 when none. */
    long inFlightBytes;

    Peer(String address) {
        this.address = address;
        this.host = hostOf(address);
    }

    boolean isUnused() {
        return hasWhat.isEmpty() && inFlight == null;
    }

    /** "tcp://10.0.0.1:8786" -> "10.0.0.1"; anything unparseable is its own host. */
    static String hostOf(String address) {
        int start = address.indexOf("://");
        start = start < 0 ? 0 : start + 3;
        int end = address.lastIndexOf(':');
        return end > start ? address.substring(start, end) : address.substring(start);
    }

    @Override
    public int hashCode() {
        return address.hashCode();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Peer p && p.address.equals(address);
    }

    @Override
    public String toString() {
        return address;
    }
}
