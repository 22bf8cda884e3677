package io.jdask.scheduler;

import io.jdask.protocol.CloseReason;
import io.jdask.protocol.Comm;
import io.jdask.protocol.CommHandler;
import io.jdask.protocol.Message;
import java.util.ArrayList;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * One connection to the scheduler. The handler half runs on the connection's I/O thread and only queues what it
 * gets for the loop; every field is loop-confined.
 */
final class Connection implements CommHandler {
    /** What a connection is to the scheduler; it only moves forward (NEW -> CLIENT or WORKER -> CLOSED). */
    enum Role {
        /** Accepted; a non-client that has not registered as a worker yet. */
        NEW,
        CLIENT,
        WORKER,
        /** Closed (or rejected and waiting for its close). */
        CLOSED
    }

    final Comm comm;
    /** Where the handler half puts what arrives: the loop's inbox. */
    private final Consumer<SchedulerLoop.Item> inbox;

    Role role = Role.NEW;
    /** The client id, or the worker's listening address; null while NEW. */
    String id;
    /** The worker process's id as it registered (0 for other connections). */
    long pid;
    /** Keys of FreeKeys instructions not sent yet in this routing pass; null when none (see Router). */
    ArrayList<String> freeKeys;
    /** The stimulus id of the first buffered FreeKeys. */
    String freeStimulus;
    /** When the loop last received a message on it (the loop's clock); the client time-to-live counts from here. */
    long lastHeardNanos;
    /** Closed by us for a protocol violation; its messages are dropped until its close arrives. */
    boolean rejected;
    /**
     * Was sent, in this turn, something whose sender said it must not be held (see Connections.send); cleared when
     * the turn's sends are closed.
     */
    boolean urgent;

    Connection(Comm comm, Consumer<SchedulerLoop.Item> inbox) {
        this.comm = comm;
        this.inbox = inbox;
    }

    @Override
    public void onMessage(Comm c, Message message) {
        inbox.accept(new SchedulerLoop.Received(this, message));
    }

    @Override
    public void onClose(Comm c, CloseReason reason) {
        inbox.accept(new SchedulerLoop.Closed(this, reason));
    }

    String describe() {
        return (id != null ? role.name().toLowerCase(Locale.ROOT) + " " + id : "connection") + " from "
                + comm.remoteAddress();
    }
}
