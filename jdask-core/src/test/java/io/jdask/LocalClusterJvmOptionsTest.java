package io.jdask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** JVM options for worker processes, as they reach the spec. */
class LocalClusterJvmOptionsTest {
    @Test
    void optionsLandInTheSpecInOrderAndDefaultToNone() {
        assertThat(LocalCluster.builder()
                        .workerJvmOptions("-Xss8m", "-Dacme.flag=on")
                        .spec()
                        .workerJvmOptions())
                .containsExactly("-Xss8m", "-Dacme.flag=on");
        assertThat(LocalCluster.builder().spec().workerJvmOptions()).isEmpty();
        assertThat(new LocalCluster.Spec(1, 1, true, 0, -1, 0).workerJvmOptions())
                .isEmpty();
    }

    @Test
    void somethingThatIsNotAnOptionOrSetsTheClassPathIsRefusedSayingWhy() {
        assertThatThrownBy(() -> LocalCluster.builder().workerJvmOptions("Xss8m"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'Xss8m'")
                .hasMessageContaining("starts with '-'");
        assertThatThrownBy(() -> LocalCluster.builder().workerJvmOptions("-Xss8m -Dx=1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("one string");
        assertThatThrownBy(() -> LocalCluster.builder().workerJvmOptions("-cp", "/tmp/x.jar"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("uploadJar");
        assertThatThrownBy(() -> new LocalCluster.Spec(1, 1, true, 0, -1, 0, null, null, null, 3, List.of("-jar")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
