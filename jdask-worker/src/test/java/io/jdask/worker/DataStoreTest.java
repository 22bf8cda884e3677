package io.jdask.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.protocol.Serialized;
import io.jdask.protocol.Serializer;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spill buffer with real files: which values go to disk, in what order, and what happens when disk fails. */
class DataStoreTest {
    private static final Serializer SERIALIZER = Serializer.shared();
    /** Each value below is 100 bytes of array, 101 bytes as reported; the target is 600 of 1000. */
    private static final long LIMIT = 1000;

    @TempDir
    Path dir;

    private DataStore store(SpillFiles files) {
        return new DataStore(new SpillPolicy(LIMIT, MemoryFractions.DEFAULT), files, SERIALIZER);
    }

    private static StoredValue computed(int fill) {
        byte[] a = new byte[100];
        java.util.Arrays.fill(a, (byte) fill);
        return StoredValue.computed(a, SERIALIZER.serializeValue(a));
    }

    @Test
    void leastRecentlyUsedValuesGoToDiskAboveTheTarget() throws Exception {
        SpillFiles files = SpillFiles.under(dir, "w");
        DataStore store = store(files);
        for (int i = 0; i < 5; i++) store.put("k" + i, computed(i));
        assertThat(store.sizes().spilledCount()).isZero();
        store.get("k0"); // k0 is now recently used: k1 is the oldest
        store.put("k5", computed(5)); // 606 bytes > 600
        assertThat(store.sizes().spilledCount()).isEqualTo(1);
        assertThat(store.get("k1").isSpilled()).isTrue();
        assertThat(store.get("k0").isSpilled()).isFalse();
        assertThat(store.sizes().memoryBytes()).isEqualTo(505);
        assertThat(store.sizes().spilledBytes()).isEqualTo(101);
        assertThat(store.inMemoryOrder()).doesNotContain("k1");
        try (Stream<Path> spilled = Files.list(files.directory())) {
            assertThat(spilled).hasSize(1);
        }

        // read back for a task and for a peer, with the same contents; it stays on disk
        byte[] value = (byte[]) store.get("k1").value(getClass().getClassLoader(), SERIALIZER);
        assertThat(value).hasSize(100).containsOnly((byte) 1);
        Serialized bytes = store.get("k1").bytes(SERIALIZER);
        assertThat(bytes.bytes()).containsOnly((byte) 1);
        assertThat(store.get("k1").isSpilled()).isTrue();
        assertThat(store.sizes().bytesRead()).isEqualTo(200);
        assertThat(store.sizes().bytesWritten()).isEqualTo(100);

        // dropping a spilled value removes its file and its size
        store.remove("k1");
        assertThat(store.sizes().spilledBytes()).isZero();
        try (Stream<Path> spilled = Files.list(files.directory())) {
            assertThat(spilled).isEmpty();
        }

        Path d = files.directory();
        store.close();
        assertThat(d).doesNotExist();
    }

    @Test
    void aValueLargerThanTheTargetGoesToDiskAtOnce() {
        DataStore store = store(SpillFiles.under(dir, "w"));
        byte[] big = new byte[700];
        store.put("big", StoredValue.computed(big, SERIALIZER.serializeValue(big)));
        assertThat(store.get("big").isSpilled()).isTrue();
        assertThat(store.sizes().memoryBytes()).isZero();
        assertThat(store.sizes().spilledBytes()).isEqualTo(701);
        store.close();
    }

    @Test
    void aValueThatCannotBeWrittenStaysInMemoryAndTheWorkerGoesOn() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        DataStore store = store(SpillFiles.under(notADirectory, "w"));
        for (int i = 0; i < 7; i++) store.put("k" + i, computed(i));
        assertThat(store.sizes().spilledCount()).isZero();
        assertThat(store.sizes().memoryBytes()).isEqualTo(707);
        assertThat((byte[]) store.get("k0").value(getClass().getClassLoader(), SERIALIZER))
                .containsOnly((byte) 0);
        store.close();
    }

    @Test
    void aSpillFileThatIsGoneFailsItsUseWithTheKeyAndTheFile() throws Exception {
        SpillFiles files = SpillFiles.under(dir, "w");
        DataStore store = store(files);
        for (int i = 0; i < 7; i++) store.put("k" + i, computed(i));
        assertThat(store.get("k0").isSpilled()).isTrue();
        try (Stream<Path> spilled = Files.list(files.directory())) {
            for (Path p : spilled.toList()) Files.delete(p);
        }
        assertThatThrownBy(() -> store.get("k0").value(getClass().getClassLoader(), SERIALIZER))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("k0")
                .hasMessageContaining(files.directory().toString())
                .hasMessageContaining("cannot be read back");
        store.close();
    }

    @Test
    void withoutALimitNothingSpills() {
        DataStore store = new DataStore(new SpillPolicy(0, MemoryFractions.DEFAULT), null, SERIALIZER);
        for (int i = 0; i < 20; i++) store.put("k" + i, computed(i));
        assertThat(store.sizes().memoryBytes()).isEqualTo(2020);
        assertThat(store.evict(1000)).isZero();
    }

    @Test
    void evictFreesAtLeastWhatIsAskedOldestFirst() {
        DataStore store = store(SpillFiles.under(dir, "w"));
        for (int i = 0; i < 5; i++) store.put("k" + i, computed(i));
        assertThat(store.evict(150)).isEqualTo(202);
        assertThat(store.inMemoryOrder()).containsExactly("k2", "k3", "k4");
        store.close();
    }
}
