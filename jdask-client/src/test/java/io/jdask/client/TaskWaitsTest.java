package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.spi.TaskContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** When a blocking wait secedes and rejoins the calling task, against a recording worker host. */
class TaskWaitsTest {
    /** A worker host that records the calls and tracks whether the task seceded, as TaskThreads does. */
    static final class RecordingHost implements TaskContext.Host {
        final List<String> calls = new ArrayList<>();
        boolean seceded;

        @Override
        public String schedulerAddress() {
            return "tcp://127.0.0.1:1";
        }

        @Override
        public void secede(String key) {
            calls.add("secede " + key);
            seceded = true;
        }

        @Override
        public void rejoin(String key) {
            calls.add("rejoin " + key);
            seceded = false;
        }

        @Override
        public boolean seceded(String key) {
            return seceded;
        }
    }

    @AfterEach
    void leaveTask() {
        TaskContext.exit();
    }

    @Test
    void aTaskThreadSecedesForTheWaitAndRejoinsAfter() {
        var host = new RecordingHost();
        TaskContext.enter("t-1", host);
        try (TaskWaits w = TaskWaits.secede()) {
            assertThat(w.seceded()).isTrue();
            assertThat(host.calls).containsExactly("secede t-1");
        }
        assertThat(host.calls).containsExactly("secede t-1", "rejoin t-1");
    }

    @Test
    void aTaskThatSecededItselfIsNeitherSecededAgainNorRejoined() {
        var host = new RecordingHost();
        TaskContext.enter("t-1", host);
        host.secede("t-1"); // Dask.secede()
        try (TaskWaits w = TaskWaits.secede()) {
            assertThat(w.seceded()).isFalse();
        }
        assertThat(host.calls).containsExactly("secede t-1");
        assertThat(host.seceded).isTrue(); // its own rejoin() is still to come
    }

    @Test
    void aThreadThatRunsNoTaskNeverSecedes() {
        try (TaskWaits w = TaskWaits.secede()) {
            assertThat(w.seceded()).isFalse();
        }
    }
}
