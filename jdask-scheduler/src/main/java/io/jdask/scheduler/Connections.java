package io.jdask.scheduler;

import io.jdask.protocol.Comm;
import io.jdask.protocol.CommClosedException;
import io.jdask.protocol.Message;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note. The scheduler's connections and their roles, and the one way to send on them. Loop-confined.
 *
 * Invariants: `workers` holds exactly the workers the state knows (by listening address), `clients` exactly the
 * clients it knows minus the pseudo-clients; both are subsets of `open`, which holds every connection accepted and
 * not yet closed.
 *
 * Sending. Whoever sends says whether the message may be held past the end of the turn: send() (the default) must
 * not be held and marks the connection urgent, so the turn's end flushes it; sendMayHold() is for client task
 * reports, which the turn's SendHold may keep for a moment while more are coming. The choice is made where the
 * message is made, not guessed from its type here.
 */
/** Every open connection, the workers and clients among them, and sending; loop-confined. */
final class Connections {
    private static final Logger LOG = LoggerFactory.getLogger(Connections.class);

    /** Every connection accepted and not closed yet. */
    private final Set<Connection> open = new HashSet<>();
    /** The same connections by their comm, to tell which ones a turn's send batch may keep holding. */
    private final IdentityHashMap<Comm, Connection> byComm = new IdentityHashMap<>();
    /** Registered workers by listening address; exactly the workers the state knows. */
    private final HashMap<String, Connection> workers = new HashMap<>();
    /** Connected clients by id; exactly the clients the state knows, minus the pseudo-clients. */
    private final HashMap<String, Connection> clients = new HashMap<>();
    /** Whether workers or clients changed since the loop last published its read-only views. */
    private boolean membershipChanged = true;

    void opened(Connection c) {
        open.add(c);
        byComm.put(c.comm, c);
    }

    /** Forgets a closed connection and marks it CLOSED; returns the role it had. */
    Connection.Role closed(Connection c) {
        open.remove(c);
        byComm.remove(c.comm);
        Connection.Role was = c.role;
        c.role = Connection.Role.CLOSED;
        return was;
    }

    void addClient(Connection c, String id) {
        c.role = Connection.Role.CLIENT;
        c.id = id;
        clients.put(id, c);
        membershipChanged = true;
    }

    /** Forgets a client connection; false if it was not the registered one (a rejected or stale connection). */
    boolean removeClient(Connection c) {
        if (c.id == null || clients.get(c.id) != c) {
            return false;
        }
        clients.remove(c.id);
        membershipChanged = true;
        return true;
    }

    void addWorker(Connection c, String address) {
        c.role = Connection.Role.WORKER;
        c.id = address;
        workers.put(address, c);
        membershipChanged = true;
    }

    /** Forgets a worker connection; false if it was not the registered one. */
    boolean removeWorker(Connection c) {
        if (c.id == null || workers.get(c.id) != c) {
            return false;
        }
        workers.remove(c.id);
        membershipChanged = true;
        return true;
    }

    Connection worker(String address) {
        return workers.get(address);
    }

    Connection client(String id) {
        return clients.get(id);
    }

    boolean hasWorker(String address) {
        return workers.containsKey(address);
    }

    boolean hasClient(String id) {
        return clients.containsKey(id);
    }

    /** The registered workers' connections (a live view). */
    Collection<Connection> workers() {
        return workers.values();
    }

    /** The registered workers' addresses (a live view). */
    Set<String> workerAddresses() {
        return workers.keySet();
    }

    /** The connected clients' connections (a live view). */
    Collection<Connection> clients() {
        return clients.values();
    }

    int clientCount() {
        return clients.size();
    }

    /** True once, after workers or clients changed. */
    boolean takeMembershipChange() {
        boolean changed = membershipChanged;
        membershipChanged = false;
        return changed;
    }

    /** Sends a message that must leave with this turn; ignores a connection that closed meanwhile. */
    void send(Connection c, Message m) {
        c.urgent = true;
        write(c, m);
    }

    /**
     * Sends a client task report (KeyInMemory, KeyRunning): unless something urgent goes to the same connection in
     * this turn, the turn's SendHold may keep it for a moment so that more reports share its write.
     */
    void sendMayHold(Connection c, Message m) {
        write(c, m);
    }

    /** {@link #send}, unless the connection has closed already. */
    void sendIfOpen(Connection c, Message m) {
        if (c.role != Connection.Role.CLOSED) {
            send(c, m);
        }
    }

    /** Whether the turn's send batch may keep holding what it has for {@code comm}: a client sent only reports. */
    boolean mayHold(Comm comm) {
        Connection c = byComm.get(comm);
        return c != null && c.role == Connection.Role.CLIENT && !c.urgent;
    }

    /** The turn's sends were closed: nothing is urgent any more. */
    void sendsClosed() {
        for (Connection c : open) {
            c.urgent = false;
        }
    }

    /** Closes every connection (the loop is exiting); their close notifications are not handled any more. */
    void closeAll() {
        for (Connection c : open) {
            c.comm.close();
        }
        open.clear();
        byComm.clear();
    }

    private static void write(Connection c, Message m) {
        try {
            c.comm.send(m);
        } catch (CommClosedException e) {
            LOG.debug("dropped {} to {}: {}", m.getClass().getSimpleName(), c.describe(), e.getMessage());
        }
    }
}
