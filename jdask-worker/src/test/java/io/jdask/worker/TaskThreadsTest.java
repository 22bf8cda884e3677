package io.jdask.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/**
 * The task threads' run line, places and cancels on the calling thread: a manual executor starts "threads" when the
 * test says so, and the loop is a list of posted jobs. No real threads.
 */
class TaskThreadsTest {
    /** Thread starts the pool was asked for, run when the test says. */
    final ArrayDeque<Runnable> starts = new ArrayDeque<>();

    final Executor executor = starts::add;
    /** Jobs posted to the loop, in order. */
    final List<Runnable> loop = new ArrayList<>();
    /** What happened, in order: "ran K", "skipped K". */
    final List<String> log = new ArrayList<>();

    final TaskThreads threads = new TaskThreads(
            2,
            executor,
            job -> {
                log.add("ran " + job.key());
                return () -> log.add("outcome " + job.key());
            },
            job -> () -> log.add("skipped " + job.key()),
            loop::add);

    static TaskThreads.Job job(String key) {
        return new TaskThreads.Job(key, null, Map.of());
    }

    void runLoop() {
        List<Runnable> jobs = new ArrayList<>(loop);
        loop.clear();
        jobs.forEach(Runnable::run);
    }

    @Test
    void atMostNthreadsThreadsTakeFromTheLine() {
        threads.submit(job("a"));
        threads.submit(job("b"));
        threads.submit(job("c"));
        assertThat(starts).as("two places").hasSize(2);
        starts.poll().run(); // the first thread takes the whole line
        assertThat(log).containsExactly("ran a", "ran b", "ran c");
        runLoop();
        assertThat(log).endsWith("outcome a", "outcome b", "outcome c");
        starts.poll().run(); // the second finds the line empty and leaves
        assertThat(log).hasSize(6);
    }

    @Test
    void aCancelledTaskStillInLineIsSkipped() {
        threads.submit(job("a"));
        threads.cancel("a");
        starts.poll().run();
        runLoop();
        assertThat(log).containsExactly("skipped a");
    }

    @Test
    void aCancelOfATaskThatRanChangesNothing() {
        threads.submit(job("a"));
        starts.poll().run();
        threads.cancel("a");
        runLoop();
        assertThat(log).containsExactly("ran a", "outcome a");
    }

    @Test
    void aRunningTaskIsInterruptedOnceAndItsThreadForgotten() {
        Thread self = Thread.currentThread();
        threads.started("a", self);
        assertThat(threads.runningThreads()).containsEntry("a", self);
        threads.cancel("a");
        assertThat(Thread.interrupted()).as("interrupted").isTrue();
        threads.cancel("a");
        assertThat(Thread.interrupted()).as("not twice").isFalse();
        assertThat(threads.runningThreads()).isEmpty();
    }

    @Test
    void runningCountsHandedOverTasksUntilTheirOutcomeLessSecededOnes() {
        threads.submit(job("a"));
        threads.submit(job("b"));
        starts.poll().run(); // both ran; their outcomes wait for the loop
        log.clear();
        assertThat(threads.anyRunning()).isTrue();
        threads.ended("a");
        assertThat(threads.anyRunning()).isTrue();
        threads.secede("b", () -> log.add("seceded b"));
        runLoop();
        assertThat(log).contains("seceded b");
        assertThat(threads.anyRunning()).as("b waits on other tasks").isFalse();
        threads.ended("b");
        assertThat(threads.anyRunning()).isFalse();
        assertThat(threads.perKeyEntries()).as("nothing left per key").isZero();
    }

    @Test
    void startsAreReportedOnlyForTasksWhoseFunctionRuns() {
        threads.submit(job("a"));
        threads.submit(job("b"));
        threads.started("a", Thread.currentThread());
        assertThat(threads.takeUnreportedRunning()).containsExactly("a");
        assertThat(threads.takeUnreportedRunning()).as("reported once").isEmpty();
        assertThat(threads.hasUnreportedStarts()).as("b is still in line").isTrue();
        threads.ended("b");
        assertThat(threads.hasUnreportedStarts()).isFalse();
        threads.stopped("a", Thread.currentThread());
    }

    @Test
    void aSecededTaskGivesItsPlaceToTheTasksBehindIt() {
        TaskThreads[] one = new TaskThreads[1];
        one[0] = new TaskThreads(
                1,
                executor,
                job -> {
                    log.add("ran " + job.key());
                    if (job.key().equals("a")) {
                        one[0].secede("a", () -> log.add("a seceded")); // on a's thread, while it runs
                    }
                    return null;
                },
                job -> null,
                loop::add);
        one[0].submit(job("a"));
        one[0].submit(job("b"));
        assertThat(starts).as("one place").hasSize(1);
        starts.poll().run();
        assertThat(log).as("a's thread left the line to b").containsExactly("ran a");
        assertThat(starts).as("a thread for the task behind the seceded one").hasSize(1);
        starts.poll().run();
        runLoop();
        assertThat(log).containsExactly("ran a", "ran b", "a seceded");
    }
}
