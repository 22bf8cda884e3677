package io.jdask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class OptionsTest {

    @Test
    void submitOptionsAreImmutableAndValidated() {
        SubmitOptions.Values base = SubmitOptions.defaults();
        SubmitOptions.Values o = base.retries(3).priority(10).workers("w1").resources(Map.of("GPU", 1.0));
        assertThat(base.retries()).isZero();
        assertThat(o.retries()).isEqualTo(3);
        assertThat(o.priority()).isEqualTo(10);
        assertThat(o.workers()).containsExactly("w1");
        assertThat(o.allowOtherWorkers()).isFalse();
        assertThat(o.allowOtherWorkers(true).allowOtherWorkers()).isTrue();
        assertThatThrownBy(() -> base.retries(-1)).hasMessageContaining("retries must be >= 0, got -1");
        assertThatThrownBy(() -> base.resources(Map.of("GPU", 0.0)))
                .hasMessageContaining("GPU needs a positive amount");
    }

    @Test
    void theStaticStartersBeginFromTheDefaultsAndChainLikeTheSetters() {
        // API.md's spelling: client.with(SubmitOptions.retries(3).priority(10)).
        SubmitOptions o = SubmitOptions.retries(3).priority(10);
        assertThat(o).isEqualTo(SubmitOptions.defaults().retries(3).priority(10));
        assertThat(o.retries()).isEqualTo(3);
        assertThat(o.priority()).isEqualTo(10);
        assertThat(o.key()).isNull();
        assertThat(SubmitOptions.priority(-1).priority()).isEqualTo(-1);
        assertThat(SubmitOptions.key("k").key()).isEqualTo("k");
        assertThat(SubmitOptions.pure(true).pure()).isTrue();
        assertThat(SubmitOptions.workers("w1", "w2").workers()).containsExactly("w1", "w2");
        assertThat(SubmitOptions.workers("w1").allowOtherWorkers()).isFalse();
        assertThat(SubmitOptions.allowOtherWorkers(true).workers("w1").allowOtherWorkers())
                .isTrue();
        assertThat(SubmitOptions.resources(Map.of("GPU", 1.0)).resources()).containsEntry("GPU", 1.0);
        assertThatThrownBy(() -> SubmitOptions.retries(-2)).hasMessageContaining("retries must be >= 0, got -2");
    }

    @Test
    void memorySizesParseDecimalAndBinaryUnits() {
        assertThat(MemorySizes.parse("4GB")).isEqualTo(4_000_000_000L);
        assertThat(MemorySizes.parse("512MiB")).isEqualTo(512L << 20);
        assertThat(MemorySizes.parse("1.5 gb")).isEqualTo(1_500_000_000L);
        assertThat(MemorySizes.parse("1000")).isEqualTo(1000L);
        assertThatThrownBy(() -> MemorySizes.parse("4 parsecs")).hasMessageContaining("unknown memory unit 'parsecs'");
        assertThatThrownBy(() -> MemorySizes.parse("lots")).hasMessageContaining("not a memory size: 'lots'");
    }

    @Test
    void withoutTheClientModuleAClusterFailsClearly() {
        assertThatThrownBy(() -> Client.connect("tcp://127.0.0.1:1"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("io.jdask:jdask-client");
    }

    @Test
    void schedulersCompareByKindAndSize() {
        assertThat(Scheduler.threads(4)).isEqualTo(Scheduler.threads(4)).isNotEqualTo(Scheduler.THREADS);
        assertThat(Scheduler.SYNC.threadCount()).isEqualTo(1);
        assertThatThrownBy(() -> Scheduler.threads(0)).hasMessageContaining("n >= 1, got 0");
    }
}
