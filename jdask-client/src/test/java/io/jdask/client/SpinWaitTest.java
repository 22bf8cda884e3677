package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The bounded spin a waiting caller does before it parks. */
class SpinWaitTest {

    @Test
    void aDoneFutureIsSeenAtOnce() {
        assertThat(SpinWait.briefly(CompletableFuture.completedFuture(1))).isTrue();
    }

    @Test
    void givesUpAfterTheBoundWhenNothingCompletes() {
        CompletableFuture<Void> never = new CompletableFuture<>();
        long start = System.nanoTime();
        assertThat(SpinWait.briefly(never)).isFalse();
        long spent = System.nanoTime() - start;
        assertThat(spent).isGreaterThanOrEqualTo(SpinWait.SPIN_NANOS); // it did wait, but then returned
        assertThat(never).isNotDone();
    }
}
