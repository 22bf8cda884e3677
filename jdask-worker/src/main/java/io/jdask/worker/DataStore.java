package io.jdask.worker;

import io.jdask.protocol.Serializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's values by key, with their sizes, and the spill buffer: values in memory are kept in least recently
 * used order, and when their sizes pass the target ({@link SpillPolicy#managedExcess}) or the memory monitor asks
 * ({@link #evict}) the least recently used go to disk ({@link SpillFiles}). A spilled value stays in the store; its
 * uses read the file (see {@link StoredValue}). Dask's {@code SpillBuffer} in {@code distributed/spill.py} does the
 * same with its fast and slow mappings.
 *
 * <p>Contract with {@link io.jdask.worker.state.WorkerState} (see that package's overview): the store holds exactly
 * the keys of MEMORY tasks once the event announcing a value has been handled. To keep that simple, only the event-loop
 * thread mutates the store (put, remove, spill), always right before handing in the event that announces the value,
 * and on {@code DropData}. Any thread may read: data-plane handlers answer {@code GetData} from their I/O threads, and
 * task threads read the values of their dependencies (captured on the loop when the task started, so a later drop
 * does not pull a value from under a running task). A read marks the value as recently used.
 *
 * <p>Spilling writes files on the loop thread, as Dask's worker does on its event loop: a 32 MB value costs tens of
 * milliseconds there. A file that cannot be written (a full disk) leaves the value in memory and stops this round of
 * spilling; the worker runs on, and the memory monitor pauses it if the heap fills.
 */
final class DataStore {
    private static final Logger LOG = LoggerFactory.getLogger(DataStore.class);

    /** Key to value. Written by the loop thread only; read by any thread. */
    private final ConcurrentHashMap<String, StoredValue> values = new ConcurrentHashMap<>();
    /** Keys of the values in memory and their sizes, least recently used first. Guarded by itself. */
    private final LinkedHashMap<String, Long> inMemory = new LinkedHashMap<>(64, 0.75f, true);

    private final SpillPolicy policy;
    /** Where values go; null when this store never spills. */
    private final SpillFiles files;

    private final Serializer serializer;
    // Sizes; guarded by inMemory.
    private long memoryBytes;
    private long spilledBytes;
    private int spilledCount;
    /** Loop only: whether the last spill failed (logged once per streak). */
    private boolean spillFailing;

    /** A store that keeps every value in memory. */
    DataStore() {
        this(new SpillPolicy(0, MemoryFractions.DEFAULT), null, Serializer.shared());
    }

    /**
     * @param files where spilled values go; null keeps everything in memory
     */
    DataStore(SpillPolicy policy, SpillFiles files, Serializer serializer) {
        this.policy = policy;
        this.files = files;
        this.serializer = serializer;
    }

    /** Stores a value (loop thread), then spills least recently used values if memory is now above the target. */
    void put(String key, StoredValue value) {
        StoredValue old = values.put(key, value);
        long size = Math.max(0, value.nbytes());
        long excess;
        synchronized (inMemory) {
            if (old != null) forget(key, old);
            if (value.isSpilled()) {
                spilledBytes += size;
                spilledCount++;
            } else {
                inMemory.put(key, size);
                memoryBytes += size;
            }
            excess = policy.managedExcess(memoryBytes);
        }
        if (old != null && old != value) old.discard();
        if (excess > 0) evict(excess);
    }

    /** The value of {@code key} or null; marks it as recently used. Any thread. */
    StoredValue get(String key) {
        StoredValue v = values.get(key);
        if (v != null) {
            synchronized (inMemory) {
                inMemory.get(key); // access order: now the most recently used
            }
        }
        return v;
    }

    /** Drops a value (loop thread); its spill file goes with it. */
    void remove(String key) {
        StoredValue v = values.remove(key);
        if (v == null) return;
        synchronized (inMemory) {
            forget(key, v);
        }
        v.discard();
    }

    boolean contains(String key) {
        return values.containsKey(key);
    }

    /**
     * Writes least recently used values to disk until {@code bytes} of memory are freed or none are left (loop
     * thread).
     *
     * @return the bytes freed
     */
    long evict(long bytes) {
        if (files == null || bytes <= 0) return 0;
        long freed = 0;
        while (freed < bytes) {
            String key;
            long size;
            synchronized (inMemory) {
                Iterator<Map.Entry<String, Long>> it = inMemory.entrySet().iterator();
                if (!it.hasNext()) break;
                Map.Entry<String, Long> e = it.next();
                key = e.getKey();
                size = e.getValue();
                it.remove();
                memoryBytes -= size;
            }
            StoredValue v = values.get(key);
            try {
                if (v != null && v.spill(key, files, serializer)) {
                    synchronized (inMemory) {
                        spilledBytes += size;
                        spilledCount++;
                    }
                    freed += size;
                    spillFailing = false;
                }
            } catch (IOException | RuntimeException e) {
                synchronized (inMemory) {
                    inMemory.put(key, size); // back in memory, now as the most recently used
                    memoryBytes += size;
                }
                if (!spillFailing) {
                    LOG.warn(
                            "cannot spill {} ({} bytes) to {}; keeping it in memory: {}",
                            key,
                            size,
                            files.where(),
                            e.toString());
                }
                spillFailing = true;
                break;
            }
        }
        return freed;
    }

    /** Removes a value's size from the counts; caller holds the lock of inMemory. */
    private void forget(String key, StoredValue v) {
        Long size = inMemory.remove(key);
        if (size != null) {
            memoryBytes -= size;
        } else if (v.isSpilled()) {
            spilledBytes -= Math.max(0, v.nbytes());
            spilledCount--;
        }
    }

    /** The sizes now, for reports and tests. */
    Sizes sizes() {
        synchronized (inMemory) {
            return new Sizes(
                    memoryBytes,
                    inMemory.size(),
                    spilledBytes,
                    spilledCount,
                    files == null ? 0 : files.bytesWritten(),
                    files == null ? 0 : files.bytesRead());
        }
    }

    /**
     * @param memoryBytes the sizes of the values kept in memory (Dask's "managed" memory)
     * @param spilledBytes the sizes of the values on disk
     * @param bytesWritten bytes written to spill files since the worker started
     * @param bytesRead bytes read back from spill files since the worker started
     */
    record Sizes(
            long memoryBytes,
            int memoryCount,
            long spilledBytes,
            int spilledCount,
            long bytesWritten,
            long bytesRead) {}

    /** The keys in memory, least recently used first (for tests). */
    List<String> inMemoryOrder() {
        synchronized (inMemory) {
            return new ArrayList<>(inMemory.keySet());
        }
    }

    /** A sorted snapshot of the keys (for tests and logs). */
    Set<String> keys() {
        return new TreeSet<>(values.keySet());
    }

    int size() {
        return values.size();
    }

    /** Drops every value (loop thread, or shutdown); the spill directory itself stays until {@link #close}. */
    void clear() {
        List<String> keys = new ArrayList<>(values.keySet());
        for (String key : keys) remove(key);
    }

    /** Drops every value and removes the spill directory. */
    void close() {
        clear();
        if (files != null) files.close();
    }
}
