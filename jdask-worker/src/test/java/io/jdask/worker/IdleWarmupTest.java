package io.jdask.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.protocol.Serializer;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The idle warm-up's rounds on the calling thread: what they check and when they stop. */
class IdleWarmupTest {
    private final Serializer serializer = Serializer.create();

    @Test
    void runsTheRequestedRoundsEachCheckingItsValue() {
        IdleWarmup w = new IdleWarmup(serializer, new FnDecoder(serializer), 50, () -> false);
        w.run();
        assertThat(w.finished()).isCompletedWithValue(50);
    }

    @Test
    void stopsAsSoonAsItIsToldTo() {
        AtomicInteger asked = new AtomicInteger();
        IdleWarmup w = new IdleWarmup(serializer, new FnDecoder(serializer), 1_000, () -> asked.incrementAndGet() > 3);
        w.run();
        assertThat(w.finished()).isCompletedWithValue(3);
    }

    @Test
    void aWorkerThatIsAlreadyBusyRunsNoRoundAtAll() {
        IdleWarmup w = new IdleWarmup(serializer, new FnDecoder(serializer), 1_000, () -> true);
        w.run();
        assertThat(w.finished()).isCompletedWithValue(0);
    }

    @Test
    void rejectsANegativeRoundCount() {
        assertThatThrownBy(() -> new IdleWarmup(serializer, new FnDecoder(serializer), -1, () -> false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rounds must be >= 0");
    }
}
