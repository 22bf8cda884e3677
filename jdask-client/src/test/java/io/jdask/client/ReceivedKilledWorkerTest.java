package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.KilledWorkerException;
import io.jdask.protocol.Serializer;
import io.jdask.scheduler.state.KilledWorker;
import org.junit.jupiter.api.Test;

/** The scheduler's KilledWorker verdict reaches user code as a KilledWorkerException with the key and the cause. */
class ReceivedKilledWorkerTest {
    @Test
    void theSchedulersVerdictBecomesAKilledWorkerExceptionCarryingTheCause() {
        KilledWorker verdict = new KilledWorker("bomb-1", "tcp://w:1", 3, "exit code 3, out of memory");
        Throwable t = Received.exception(
                Serializer.shared(),
                null,
                getClass().getClassLoader(),
                KilledWorker.class.getName(),
                verdict.message(),
                null,
                "bomb-1");
        assertThat(t)
                .isInstanceOfSatisfying(
                        KilledWorkerException.class, e -> assertThat(e.key()).isEqualTo("bomb-1"))
                .hasMessageContaining("tcp://w:1, which died: exit code 3, out of memory");
        assertThat(Received.KILLED_WORKER_TYPE).isEqualTo(KilledWorker.class.getName());
    }
}
