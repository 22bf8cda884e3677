package io.jdask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.protocol.CloseReason;
import io.jdask.protocol.Comm;
import io.jdask.protocol.CommHandler;
import io.jdask.protocol.DirectComm;
import io.jdask.protocol.Handshake;
import io.jdask.protocol.Message;
import io.jdask.protocol.Protocol;
import io.jdask.protocol.SchedulerMsg;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Restarts waiting for workers to leave, on the calling thread: in-process comms deliver as they are sent. */
class RestartsTest {
    private final List<Message> toClient = new ArrayList<>();
    private final Connections connections = new Connections();
    private final Restarts restarts = new Restarts(Duration.ofNanos(1_000), connections);
    private final Connection client = client();

    @Test
    void answersOnceEveryWorkerLeft() {
        restarts.start(client, 7, List.of("a", "b"), 0);
        assertThat(restarts.nextDeadline()).isEqualTo(1_000);
        restarts.workerGone("a");
        restarts.workerGone("x"); // not waited for
        assertThat(toClient).isEmpty();
        restarts.workerGone("b");
        assertThat(toClient).containsExactly(new SchedulerMsg.Ack(7, null));
        assertThat(restarts.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void answersWithAnErrorAtTheDeadline() {
        restarts.start(client, 7, List.of("a"), 0);
        restarts.expire(999);
        assertThat(toClient).isEmpty();
        restarts.expire(1_000);
        assertThat(toClient)
                .singleElement()
                .satisfies(m -> assertThat(((SchedulerMsg.Ack) m).error())
                        .contains("[a]")
                        .contains("did not leave"));
        restarts.workerGone("a"); // answered already
        assertThat(toClient).hasSize(1);
    }

    @Test
    void withNoWorkersAnswersAtOnce() {
        restarts.start(client, 7, List.of(), 0);
        assertThat(toClient).containsExactly(new SchedulerMsg.Ack(7, null));
        assertThat(restarts.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    private Connection client() {
        DirectComm[] ends = DirectComm.pair(
                new Handshake(Protocol.VERSION, 0, "client", "c"), "direct://c",
                new Handshake(Protocol.VERSION, 0, "scheduler", "s"), "direct://s");
        ends[0].setHandler(new CommHandler() {
            @Override
            public void onMessage(Comm c, Message message) {
                toClient.add(message);
            }

            @Override
            public void onClose(Comm c, CloseReason reason) {}
        });
        var c = new Connection(ends[1], item -> {});
        connections.opened(c);
        connections.addClient(c, "c1");
        return c;
    }
}
