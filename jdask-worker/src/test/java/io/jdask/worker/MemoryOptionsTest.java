package io.jdask.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The memory settings on the worker's command line. */
class MemoryOptionsTest {
    @Test
    void fractionsAndTheLocalDirectoryAreRead() {
        WorkerConfig c = WorkerOptions.parse(List.of(
                "--scheduler", "tcp://h:1",
                "--memory-limit", "268435456",
                "--memory-target", "0.5",
                "--memory-spill", "0.65",
                "--memory-pause", "0",
                "--memory-terminate", "0.9",
                "--local-directory", "/var/tmp/jdask"));
        assertThat(c.memoryFractions()).isEqualTo(new MemoryFractions(0.5, 0.65, 0, 0.9));
        assertThat(c.localDirectory()).isEqualTo(Path.of("/var/tmp/jdask"));
        assertThat(c.ownsProcess()).isTrue();
    }

    @Test
    void withoutOptionsTheDefaultsHold() {
        WorkerConfig c = WorkerOptions.parse(List.of("--scheduler", "tcp://h:1"));
        assertThat(c.memoryFractions()).isEqualTo(MemoryFractions.DEFAULT);
        assertThat(c.localDirectory()).isNull();
        assertThat(WorkerConfig.builder("tcp://h:1").build().ownsProcess()).isFalse();
    }

    @Test
    void aBadFractionSaysWhichOptionAndWhatItWants() {
        assertThatThrownBy(() -> WorkerOptions.parse(List.of("--scheduler", "tcp://h:1", "--memory-pause", "80%")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--memory-pause")
                .hasMessageContaining("fraction such as 0.6")
                .hasMessageContaining("80%");
        assertThatThrownBy(() -> WorkerOptions.parse(List.of("--scheduler", "tcp://h:1", "--memory-target", "1.5")))
                .hasMessageContaining("--memory-target")
                .hasMessageContaining("between 0 and 1");
    }
}
