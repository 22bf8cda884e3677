package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.Future;
import io.jdask.FutureStatus;
import io.jdask.SubmitOptions;
import io.jdask.TaskFailedException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Failing tasks on a worker process: an {@link Error} is rethrown as itself, as a {@link RuntimeException} is (both
 * are unchecked), except one of the worker's JVM; the worker goes on; retries run a failing task again.
 */
class TaskErrorsTest {
    @RegisterExtension
    static final ClusterExtension cluster = ClusterExtension.processes(1);

    static int failAssertion(int x) {
        throw new AssertionError("expected a positive number, got " + x);
    }

    @Test
    void anErrorThrownByATaskIsRethrownAsItselfByResultAndGather() {
        Future<Integer> f = cluster.client().submit(TaskErrorsTest::failAssertion, -1);
        assertThatThrownBy(f::result)
                .isExactlyInstanceOf(AssertionError.class)
                .hasMessage("expected a positive number, got -1");
        assertThat(f.status()).isEqualTo(FutureStatus.ERROR);
        assertThat(f.exception()).isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> cluster.client().gather(List.of(f))).isExactlyInstanceOf(AssertionError.class);
    }

    static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }

    @Test
    void anErrorOfTheWorkersJvmStaysWrappedSoItIsNotTakenForTheClientsOwn() {
        // A StackOverflowError or OutOfMemoryError thrown here would claim this JVM is failing (JUnit, for one,
        // then aborts the whole run): it comes as the cause of a TaskFailedException naming the key.
        Future<Integer> f = cluster.client().submit(TaskErrorsTest::recurse, 0);
        assertThatThrownBy(f::result)
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining(f.key())
                .cause()
                .isInstanceOf(StackOverflowError.class);
        assertThat(cluster.client().submit(Ops::inc, 1).result()).isEqualTo(2);
    }

    @Test
    void getWrapsTheErrorInAnExecutionExceptionAndTheWorkerGoesOn() {
        Future<Integer> f = cluster.client().submit(TaskErrorsTest::failAssertion, -2);
        assertThatThrownBy(f::get)
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isExactlyInstanceOf(AssertionError.class)
                .hasMessageContaining("got -2");
        assertThat(cluster.client().submit(Ops::inc, 41).result()).isEqualTo(42);
    }

    @Test
    void retriesSpelledAsInTheApiContractRunAFailingTaskAgain() {
        String id = Flaky.newPath("retried"); // Flaky keeps its state in files: a fresh path of the test JVM
        Future<Integer> f =
                cluster.client().with(SubmitOptions.retries(2).priority(10)).submit(Flaky::failOnce, id);
        assertThat(f.result()).isEqualTo(1);

        Future<Integer> once =
                cluster.client().with(SubmitOptions.retries(0)).submit(Flaky::failOnce, id + "-no-retry");
        assertThatThrownBy(once::result)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("first attempt");
    }
}
