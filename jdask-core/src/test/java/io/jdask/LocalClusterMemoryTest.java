package io.jdask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The memory settings of LocalCluster's builder, as they reach the spec. */
class LocalClusterMemoryTest {
    @Test
    void eachSettingLandsInTheSpecAndTheOthersStayAtTheWorkersDefault() {
        LocalCluster.Spec spec = LocalCluster.builder()
                .memoryLimit("256MB")
                .memoryTarget(0.5)
                .memoryPause(0)
                .localDirectory("/var/tmp/jdask")
                .spec();
        assertThat(spec.memory()).isEqualTo(new LocalCluster.Memory(0.5, -1, 0, -1, "/var/tmp/jdask"));
        assertThat(LocalCluster.builder().spec().memory()).isEqualTo(LocalCluster.Memory.DEFAULT);
    }

    @Test
    void aFractionOutsideZeroToOneIsRefusedByName() {
        assertThatThrownBy(() -> LocalCluster.builder().memorySpill(70))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("spill fraction")
                .hasMessageContaining("between 0 and 1");
    }
}
