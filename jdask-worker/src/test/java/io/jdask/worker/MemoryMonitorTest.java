package io.jdask.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.protocol.Serializer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory monitor's decisions, with a heap made of numbers. */
class MemoryMonitorTest {
    private static final long LIMIT = 1000;
    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path dir;

    private final AtomicLong heap = new AtomicLong();
    /** The heap a collection leaves (what is live). */
    private final AtomicLong live = new AtomicLong();

    private final AtomicInteger collections = new AtomicInteger();

    private MemoryMonitor monitor(DataStore store, boolean ownsProcess) {
        return new MemoryMonitor(
                new SpillPolicy(LIMIT, MemoryFractions.DEFAULT),
                store,
                ownsProcess,
                heap::get,
                () -> {
                    collections.incrementAndGet();
                    heap.set(live.get());
                },
                SECOND);
    }

    private static DataStore storeWith(Path dir, int values) {
        DataStore store = new DataStore(
                new SpillPolicy(LIMIT, MemoryFractions.DEFAULT), SpillFiles.under(dir, "w"), Serializer.shared());
        for (int i = 0; i < values; i++) {
            byte[] a = new byte[99]; // 100 bytes serialized
            store.put("k" + i, StoredValue.computed(a, Serializer.shared().serializeValue(a)));
        }
        return store;
    }

    @Test
    void aHighReadingMadeOfGarbageIsClearedByACollectionAndChangesNothing() {
        var m = monitor(storeWith(dir, 2), true);
        heap.set(900);
        live.set(300);
        assertThat(m.check(0)).isEqualTo(SpillPolicy.Status.RUNNING);
        assertThat(collections).hasValue(1);
    }

    @Test
    void aLiveHeapPastTheSpillFractionSpillsBackToTheTargetWithOneCollection() {
        DataStore store = storeWith(dir, 5); // 500 bytes managed, under the 600 target
        var m = monitor(store, true);
        heap.set(850);
        live.set(850);
        // past pause (800) after a collection: spill 250 bytes (3 values, back to 600); the 300 bytes written out are
        // garbage now, so the heap without them (550) decides, with no second collection to confirm it
        SpillPolicy.Status status = m.check(0);
        assertThat(store.sizes().spilledCount()).isEqualTo(3);
        assertThat(collections).hasValue(1);
        assertThat(status).isEqualTo(SpillPolicy.Status.RUNNING);
    }

    @Test
    void aLiveHeapStillPastThePauseFractionAfterSpillingPausesUntilALowConfirmedReading() {
        DataStore store = storeWith(dir, 1); // 100 bytes managed: all that spilling can free
        var m = monitor(store, true);
        heap.set(940);
        live.set(940);
        // spilling frees 100 bytes: 840 left, past pause (800)
        assertThat(m.check(0)).isEqualTo(SpillPolicy.Status.PAUSED);
        assertThat(store.sizes().spilledCount()).isEqualTo(1);
        assertThat(collections).hasValue(1);

        // within a second no new collection: the decision holds
        assertThat(m.check(SECOND / 2)).isEqualTo(SpillPolicy.Status.PAUSED);
        assertThat(collections).hasValue(1);

        // the next confirmed reading is low: running again
        live.set(500);
        assertThat(m.check(2 * SECOND)).isEqualTo(SpillPolicy.Status.RUNNING);
        assertThat(collections).hasValue(2);
    }

    @Test
    void aLiveHeapPastTheTerminateFractionSaysTerminate() {
        var m = monitor(storeWith(dir, 0), true);
        heap.set(990);
        live.set(990);
        assertThat(m.check(0)).isEqualTo(SpillPolicy.Status.TERMINATE);
    }

    @Test
    void aLowReadingNeedsNoCollection() {
        var m = monitor(storeWith(dir, 1), true);
        heap.set(600);
        assertThat(m.check(0)).isEqualTo(SpillPolicy.Status.RUNNING);
        assertThat(collections).hasValue(0);
    }

    @Test
    void aWorkerSharingItsJvmNeverPausesOrCollects() {
        var m = monitor(storeWith(dir, 1), false);
        heap.set(999);
        live.set(999);
        assertThat(m.check(0)).isEqualTo(SpillPolicy.Status.RUNNING);
        assertThat(collections).hasValue(0);
        assertThat(m.heapBytes()).isEqualTo(-1);
    }
}
