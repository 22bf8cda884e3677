package io.jdask.client;

import io.jdask.Client;
import io.jdask.Future;
import io.jdask.TaskRecord;
import java.time.Duration;
import java.util.List;

/** Task functions and look-ups for tests that need to know which worker process did what. */
public final class Probes {
    private Probes() {}

    /** The pid of the worker process running the task. */
    public static long pid(int ignored) {
        return ProcessHandle.current().pid();
    }

    /** A value too big to travel inline with its report (64 KB), made slowly so that a recomputation is seen. */
    public static byte[] slowBytes(int n, int ms) throws InterruptedException {
        Thread.sleep(ms);
        byte[] b = new byte[n];
        b[n - 1] = 42;
        return b;
    }

    /** The pid of the worker process at {@code address}, asked of that worker by a task pinned to it. */
    static long pidOf(Client client, String address) {
        return client.with(o -> o.workers(address)).submit(Probes::pid, 0).result(Duration.ofSeconds(30));
    }

    /** The only worker holding a future's result. */
    static String onlyHolder(Client client, Future<?> f) {
        List<String> holders = client.whoHas(List.of(f)).get(f.key());
        if (holders == null || holders.size() != 1) {
            throw new AssertionError("expected one holder of " + f.key() + ", got " + holders);
        }
        return holders.get(0);
    }

    /** The runs of a key the scheduler's task stream remembers, oldest first. */
    static List<TaskRecord> runsOf(Client client, String key) {
        return client.taskStream().stream().filter(r -> r.key().equals(key)).toList();
    }
}
