package io.jdask.worker;

import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The worker's values by key.
 *
 * <p>Contract with {@link io.jdask.worker.state.WorkerState} (see that package's overview): the
 * store holds exactly the keys of MEMORY tasks once the event announcing a value has been
 * handled. To keep that simple, only the event-loop thread mutates the store, always right
 * before handing in the event that announces the value, and on {@code DropData}. Any thread may
 * read: data-plane handlers answer {@code GetData} from their I/O threads, and task threads
 * read the values of their dependencies (captured on the loop when the task started, so a later
 * drop does not pull a value from under a running task).
 */
final class DataStore {
    /** Key to value. Written by the loop thread only; read by any thread. */
    private final ConcurrentHashMap<String, StoredValue> values = new ConcurrentHashMap<>();

    void put(String key, StoredValue value) {
        values.put(key, value);
    }

    StoredValue get(String key) {
        return values.get(key);
    }

    void remove(String key) {
        values.remove(key);
    }

    boolean contains(String key) {
        return values.containsKey(key);
    }

    /** A sorted snapshot of the keys (for tests and logs). */
    Set<String> keys() {
        return new TreeSet<>(values.keySet());
    }

    int size() {
        return values.size();
    }

    void clear() {
        values.clear();
    }
}
