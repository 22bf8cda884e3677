package io.jdask.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
    @Test
    void readsTheFormsDaskSettingsUse() {
        assertThat(Durations.parse("--worker-ttl", "30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("--worker-ttl", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("--worker-ttl", "5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("--worker-ttl", "1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("--worker-ttl", "2.5")).isEqualTo(Duration.ofMillis(2500));
        assertThat(Durations.parse("--worker-ttl", "0")).isEqualTo(Duration.ZERO);
    }

    @Test
    void badTextSaysWhatWasWrongAndWhatIsAccepted() {
        assertThatThrownBy(() -> Durations.parse("--worker-ttl", "thirty"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--worker-ttl")
                .hasMessageContaining("'thirty'")
                .hasMessageContaining("30s");
        assertThatThrownBy(() -> Durations.parse("--worker-ttl", "-1s")).hasMessageContaining("'-1s'");
    }
}
