package io.jdask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.protocol.SchedulerMsg.TaskStreamEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TaskStreamBufferTest {

    static TaskStreamEntry entry(int i) {
        return new TaskStreamEntry("inc-" + i, "tcp://w:1", i % 2, i * 10L, i * 10L + 5, false);
    }

    @Test
    void keepsTheNewestEntriesOldestFirstOnceFull() {
        var b = new TaskStreamBuffer(3);
        for (int i = 1; i <= 5; i++) {
            b.add(entry(i));
        }
        assertThat(b.size()).isEqualTo(3);
        assertThat(b.added()).isEqualTo(5);
        assertThat(b.all()).extracting(TaskStreamEntry::key).containsExactly("inc-3", "inc-4", "inc-5");
    }

    @Test
    void sinceReturnsTheWindowAndAtMostMaxNewest() {
        var b = new TaskStreamBuffer(100);
        for (int i = 1; i <= 10; i++) {
            b.add(entry(i)); // stops at 15, 25, ..., 105
        }
        assertThat(b.since(75, 100))
                .extracting(TaskStreamEntry::key)
                .containsExactly("inc-7", "inc-8", "inc-9", "inc-10");
        assertThat(b.since(0, 2)).extracting(TaskStreamEntry::key).containsExactly("inc-9", "inc-10");
        assertThat(b.since(1_000, 100)).isEmpty();
    }

    @Test
    void matchesAListModelUnderRandomUse() {
        Random r = new Random(7);
        for (int cap = 1; cap < 20; cap++) {
            var b = new TaskStreamBuffer(cap);
            List<TaskStreamEntry> model = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                TaskStreamEntry e = entry(r.nextInt(1000));
                b.add(e);
                model.add(e);
                List<TaskStreamEntry> expected = model.subList(Math.max(0, model.size() - cap), model.size());
                assertThat(b.all())
                        .as("capacity %d after %d adds (seed 7)", cap, i + 1)
                        .isEqualTo(expected);
            }
        }
    }

    @Test
    void needsRoomForOneEntry() {
        assertThatThrownBy(() -> new TaskStreamBuffer(0)).hasMessageContaining("at least one");
    }
}
