package io.jdask.worker;

import io.jdask.protocol.Comm;
import io.jdask.protocol.CommClosedException;
import io.jdask.protocol.Message;
import io.jdask.protocol.Ping;
import io.jdask.protocol.Pong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every connection handler of a worker does with the messages that carry no work: a {@link Ping} is answered
 * (liveness needs no state, so on the I/O thread that read it), and a message that has no business on that
 * connection is logged, naming why, and dropped: a peer's bug must not take the worker down.
 */
final class Misplaced {
    private static final Logger LOG = LoggerFactory.getLogger(Misplaced.class);

    private Misplaced() {}

    static void answer(Comm comm, Ping p) {
        try {
            comm.send(Pong.answering(p));
        } catch (CommClosedException e) {
            LOG.debug("{} left before its Pong", comm.remoteAddress());
        }
    }

    static void ignore(String worker, Comm c, Message m, String why) {
        LOG.warn(
                "worker {}: unexpected {} from {} ({}): {}; ignored",
                worker,
                m.getClass().getSimpleName(),
                c.remoteAddress(),
                c.peer().role(),
                why);
    }
}
