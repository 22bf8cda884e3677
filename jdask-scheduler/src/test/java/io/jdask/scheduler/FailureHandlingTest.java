package io.jdask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.scheduler.FakePeer.Client;
import io.jdask.scheduler.FakePeer.Worker;
import io.jdask.scheduler.state.SchedulerEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A failure inside the state machine is logged with the story and never kills the loop silently. */
class FailureHandlingTest {
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger loopLogger = (Logger) LoggerFactory.getLogger(SchedulerLoop.class);

    @BeforeEach
    void captureLogs() {
        logs.start();
        loopLogger.addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        loopLogger.detachAppender(logs);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static boolean wants(List<SchedulerEvent> events, String key) {
        return events.stream()
                .anyMatch(e -> e instanceof SchedulerEvent.UpdateGraph u
                        && u.wantedKeys().contains(key));
    }

    @Test
    void anExceptionInHandleIsLoggedWithTheStoryAndTheSchedulerServesOn() throws Exception {
        var config = SchedulerServerTest.config()
                .beforeHandle(events -> {
                    if (wants(events, "poison-1")) {
                        throw new IllegalStateException("simulated bug");
                    }
                })
                .build();
        try (SchedulerServer server = SchedulerServer.start(config);
                Worker w = new Worker(server.address(), 1);
                Client c = new Client(server.address())) {
            c.submit("ok-1", bytes("ok"));
            w.finish(w.awaitCompute("ok-1"), null);
            c.await(SchedulerMsg.KeyInMemory.class);
            c.submit("poison-1", bytes("p"), "ok-1");
            c.clusterInfo();

            c.submit("after-1", bytes("a"));
            w.finish(w.awaitCompute("after-1"), bytes("1"));
            assertThat(c.await(SchedulerMsg.KeyInMemory.class).key()).isEqualTo("after-1");
            assertThat(server.isClosed()).isFalse();

            ILoggingEvent error = logs.list.stream()
                    .filter(e -> e.getLevel() == Level.ERROR)
                    .findFirst()
                    .orElseThrow();
            assertThat(error.getFormattedMessage())
                    .contains("simulated bug")
                    .contains("story of 'poison-1'")
                    .containsPattern("(?s)story of 'ok-1'.*ok-1: PROCESSING -> MEMORY")
                    .contains("serving on");
        }
    }

    @Test
    void anInconsistentStateStopsTheSchedulerWithAFatalLog() throws Exception {
        var broken = new AtomicBoolean();
        var config = SchedulerServerTest.config()
                .beforeHandle(events -> {
                    if (wants(events, "poison-1")) {
                        broken.set(true);
                        throw new IllegalStateException("simulated corruption");
                    }
                })
                .validator(state -> {
                    if (broken.get()) {
                        throw new IllegalStateException("invariant violated");
                    }
                })
                .build();
        SchedulerServer server = SchedulerServer.start(config);
        try (Client c = new Client(server.address())) {
            c.send(Client.graph(List.of(Client.spec("poison-1", bytes("p"))), List.of("poison-1")));
            assertThat(c.awaitClosed()).as("every connection is closed").isTrue();
            server.join();
            assertThat(server.isClosed()).isTrue();
            assertThat(logs.list)
                    .anySatisfy(e -> assertThat(e.getFormattedMessage())
                            .startsWith("FATAL")
                            .contains("simulated corruption")
                            .contains("invariant violated"));
        } finally {
            server.close();
        }
    }
}
