package io.jdask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.protocol.WorkerMsg.ProfileData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerGathersTest {
    static final ProfileData DATA = new ProfileData(List.of("all"), new int[] {-1}, new long[] {3});

    private final List<Map<String, ProfileData>> done = new ArrayList<>();
    private final WorkerGathers<ProfileData> g = new WorkerGathers<>();

    @Test
    void completesOnceEveryWorkerAnswered() {
        long id = g.start(List.of("a", "b"), 1_000, done::add);
        g.answered("a", id, DATA);
        assertThat(done).isEmpty();
        g.answered("a", id, DATA); // a repeat does not count twice
        assertThat(done).isEmpty();
        g.answered("b", id, DATA);
        assertThat(done).hasSize(1);
        assertThat(done.get(0)).containsOnlyKeys("a", "b");
        assertThat(g.openCount()).isZero();
        g.answered("b", id, DATA); // late: ignored
        assertThat(done).hasSize(1);
    }

    @Test
    void aWorkerThatLeavesIsNotWaitedFor() {
        long id = g.start(List.of("a", "b"), 1_000, done::add);
        g.answered("a", id, DATA);
        g.workerGone("b");
        assertThat(done).hasSize(1);
        assertThat(done.get(0)).containsOnlyKeys("a");
    }

    @Test
    void theDeadlineAnswersWithWhatArrived() {
        long id = g.start(List.of("a", "b"), 1_000, done::add);
        g.start(List.of("a"), 5_000, done::add);
        assertThat(g.nextDeadline()).isEqualTo(1_000);
        g.answered("a", id, DATA);
        g.expire(999);
        assertThat(done).isEmpty();
        g.expire(1_000);
        assertThat(done).hasSize(1);
        assertThat(done.get(0)).containsOnlyKeys("a");
        assertThat(g.nextDeadline()).isEqualTo(5_000);
        g.finishAll();
        assertThat(done).hasSize(2);
        assertThat(g.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void anyKindOfReplyIsGatheredInTheOrderTheAnswersArrived() {
        var runs = new WorkerGathers<String>();
        var got = new ArrayList<Map<String, String>>();
        long id = runs.start(List.of("b", "a", "c"), 1_000, got::add);
        runs.answered("a", id, "from a");
        runs.answered("c", id, null); // answered, with nothing to report
        runs.answered("b", id, "from b");
        assertThat(got).hasSize(1);
        assertThat(got.get(0).keySet()).containsExactly("a", "b");
        assertThat(runs.openCount()).isZero();
    }

    @Test
    void noWorkersAnswersAtOnce() {
        assertThat(g.start(List.of(), 1_000, done::add)).isEqualTo(-1);
        assertThat(done).containsExactly(Map.of());
    }
}
