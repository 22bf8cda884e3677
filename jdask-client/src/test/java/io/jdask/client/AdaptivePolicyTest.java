package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The adaptive loop's decisions: bounds, scaling up at once, down only after consecutive looks. */
class AdaptivePolicyTest {

    @Test
    void scalesUpAtOnceWithinTheMaximum() {
        var p = new AdaptivePolicy(1, 3);
        assertThat(p.decide(1, 2, List.of())).isEqualTo(new AdaptivePolicy.Step(2, List.of()));
        assertThat(p.decide(1, 40, List.of())).isEqualTo(new AdaptivePolicy.Step(3, List.of()));
        assertThat(p.decide(3, 40, List.of())).isEqualTo(AdaptivePolicy.Step.NOTHING);
    }

    @Test
    void keepsTheMinimumEvenWithNoWork() {
        var p = new AdaptivePolicy(2, 5);
        assertThat(p.decide(0, 0, List.of())).isEqualTo(new AdaptivePolicy.Step(2, List.of()));
        for (int i = 0; i < 5; i++)
            assertThat(p.decide(2, 0, List.of("a", "b"))).isEqualTo(AdaptivePolicy.Step.NOTHING);
    }

    @Test
    void retiresOnlyAfterThreeConsecutiveLooksAndOnlyTheSurplus() {
        var p = new AdaptivePolicy(1, 4);
        assertThat(p.decide(4, 1, List.of("a", "b", "c", "d"))).isEqualTo(AdaptivePolicy.Step.NOTHING);
        assertThat(p.decide(4, 1, List.of("a", "b", "c", "d"))).isEqualTo(AdaptivePolicy.Step.NOTHING);
        assertThat(p.decide(4, 2, List.of("a", "b", "c", "d")))
                .isEqualTo(new AdaptivePolicy.Step(-1, List.of("a", "b")));
        // The streak starts over after a retirement.
        assertThat(p.decide(2, 1, List.of("a"))).isEqualTo(AdaptivePolicy.Step.NOTHING);
    }

    @Test
    void aLookThatWantsAsManyOrMoreBreaksTheStreak() {
        var p = new AdaptivePolicy(1, 4);
        p.decide(3, 1, List.of("a", "b"));
        p.decide(3, 1, List.of("a", "b"));
        assertThat(p.decide(3, 3, List.of())).isEqualTo(AdaptivePolicy.Step.NOTHING);
        assertThat(p.decide(3, 1, List.of("a", "b"))).isEqualTo(AdaptivePolicy.Step.NOTHING);
        assertThat(p.decide(3, 1, List.of("a", "b"))).isEqualTo(AdaptivePolicy.Step.NOTHING);
        assertThat(p.decide(3, 1, List.of("a", "b"))).isEqualTo(new AdaptivePolicy.Step(-1, List.of("a", "b")));
    }

    @Test
    void onlyWorkersTheSchedulerNamedAreRetired() {
        var p = new AdaptivePolicy(0, 4);
        for (int i = 0; i < 2; i++) p.decide(4, 0, List.of("a"));
        assertThat(p.decide(4, 0, List.of("a"))).isEqualTo(new AdaptivePolicy.Step(-1, List.of("a")));
    }

    @Test
    void badBoundsAreRefused() {
        assertThatThrownBy(() -> new AdaptivePolicy(3, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0 <= minimum <= maximum");
        assertThatThrownBy(() -> new AdaptivePolicy(-1, 2)).isInstanceOf(IllegalArgumentException.class);
    }
}
