package io.jdask.client;

import io.jdask.Client;
import io.jdask.spi.TaskContext;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code Dask.client()} inside a task: one client per scheduler per worker JVM, connected on first use and shared
 * by every task of that worker, as Dask's {@code get_client()} does.
 */
final class TaskClients {
    private TaskClients() {}

    private static final ConcurrentHashMap<String, ClientImpl> CLIENTS = new ConcurrentHashMap<>();

    static Client current() {
        TaskContext.Current task = TaskContext.current()
                .orElseThrow(() -> new IllegalStateException(
                        "Dask.client() works inside a task running on a cluster; elsewhere use Client.connect(...)"));
        String address = task.host().schedulerAddress();
        return CLIENTS.compute(
                address,
                (a, c) -> c != null && c.session().isOpen()
                        ? c
                        : RuntimeImpl.open(a, task.host().security(), Duration.ofSeconds(30)));
    }

    static void secede() {
        TaskContext.Current task = TaskContext.current()
                .orElseThrow(
                        () -> new IllegalStateException("Dask.secede() works only inside a task running on a cluster"));
        task.host().secede(task.key());
    }

    static void rejoin() {
        TaskContext.Current task = TaskContext.current()
                .orElseThrow(
                        () -> new IllegalStateException("Dask.rejoin() works only inside a task running on a cluster"));
        task.host().rejoin(task.key());
    }
}
