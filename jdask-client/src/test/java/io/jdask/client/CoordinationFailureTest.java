package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.Actor;
import io.jdask.ActorLostException;
import io.jdask.Client;
import io.jdask.DQueue;
import io.jdask.Dask;
import io.jdask.Future;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Leases and actors when a worker process dies: 2 worker processes (restarted by their nannies). */
class CoordinationFailureTest {
    @RegisterExtension
    static final ClusterExtension cluster = ClusterExtension.processes(2).memoryLimit("128MB");

    /** Takes a lock and a semaphore lease, reports its pid, and blocks without ever releasing them. */
    public static String holdForever(String lock, String sem, String report) {
        Client c = Dask.client();
        c.lock(lock).acquire();
        c.semaphore(sem, 1).acquire();
        c.<Long>queue(report).put(ProcessHandle.current().pid());
        c.event("never-" + report).await();
        return "unreachable";
    }

    public static final class Pid implements java.io.Serializable {
        public long pid() {
            return ProcessHandle.current().pid();
        }
    }

    private static void kill(long pid) {
        ProcessHandle p = ProcessHandle.of(pid).orElseThrow();
        p.destroyForcibly();
        p.onExit().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join();
    }

    @Test
    void leasesHeldByATaskAreReleasedWhenItsWorkerDies() {
        Future<String> holder = cluster.client().submit(CoordinationFailureTest::holdForever, "L", "S", "held");
        DQueue<Long> report = cluster.client().queue("held");
        long pid = report.get(Duration.ofSeconds(30));
        // Cancelling the task ends it, but its worker's connection (which took the lease) lives on: still held.
        cluster.client().cancel(List.of(holder));
        assertThat(cluster.client().lock("L").isLocked()).isTrue();
        assertThat(cluster.client().lock("L").tryAcquire(Duration.ofMillis(200)))
                .isFalse();
        assertThat(cluster.client().semaphore("S", 1).leasesInUse()).isOne();
        kill(pid);
        var lock = cluster.client().lock("L");
        assertThat(lock.tryAcquire(Duration.ofSeconds(30))).isTrue();
        lock.release();
        var sem = cluster.client().semaphore("S", 1);
        assertThat(sem.acquire(Duration.ofSeconds(30))).isTrue();
        sem.release();
    }

    @Test
    void callsToAnActorWhoseWorkerDiedFailClearly() {
        Actor<Pid> actor = cluster.client().submitActor(Pid::new).result();
        long pid = actor.call(Pid::pid).result();
        kill(pid);
        assertThatThrownBy(() -> actor.call(Pid::pid).result(Duration.ofSeconds(30)))
                .isInstanceOf(ActorLostException.class)
                .hasMessageContaining(actor.worker());
    }
}
