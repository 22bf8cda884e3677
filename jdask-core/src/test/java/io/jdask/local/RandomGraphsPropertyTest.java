package io.jdask.local;

import static io.jdask.Dask.all;
import static io.jdask.Dask.delayed;
import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.Dask;
import io.jdask.Delayed;
import io.jdask.Scheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random DAGs give the same results on THREADS as on the SYNC reference. A seeded loop: a failure names the seed,
 * which reproduces the graph exactly.
 */
class RandomGraphsPropertyTest {

    static long mixNode(long id, List<Long> inputs) {
        long h = id * 0x9E3779B97F4A7C15L;
        for (long x : inputs) h = Long.rotateLeft(h ^ x, 17) * 31 + 7;
        return h;
    }

    static long leaf(long id) {
        return id * 1_000_003L;
    }

    @Test
    void threadsAgreeWithSync() {
        long base = Long.getLong("jdask.test.seed", System.nanoTime());
        for (int trial = 0; trial < 80; trial++) {
            long seed = base + trial;
            Random random = new Random(seed);
            int size = 1 + random.nextInt(300);
            int threads = 1 + random.nextInt(4);
            List<Delayed<Long>> nodes = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                int fanIn = nodes.isEmpty() ? 0 : random.nextInt(Math.min(5, nodes.size()) + 1);
                if (fanIn == 0) {
                    nodes.add(delayed(RandomGraphsPropertyTest::leaf).call((long) i));
                } else {
                    List<Delayed<Long>> inputs = new ArrayList<>();
                    for (int k = 0; k < fanIn; k++) inputs.add(nodes.get(random.nextInt(nodes.size())));
                    nodes.add(delayed(RandomGraphsPropertyTest::mixNode).call((long) i, all(inputs)));
                }
            }
            List<Delayed<Long>> outputs = new ArrayList<>();
            for (int k = 0; k < 1 + random.nextInt(4); k++) outputs.add(nodes.get(random.nextInt(nodes.size())));
            List<Long> expected = Dask.compute(outputs, o -> o.scheduler(Scheduler.SYNC));
            List<Long> actual = Dask.compute(outputs, o -> o.scheduler(Scheduler.threads(threads)));
            assertThat(actual)
                    .as("seed %d (rerun with -Djdask.test.seed=%d): %d nodes, %d threads", seed, seed, size, threads)
                    .isEqualTo(expected);
        }
    }
}
