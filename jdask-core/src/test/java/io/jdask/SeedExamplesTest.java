package io.jdask;

import static io.jdask.Dask.all;
import static io.jdask.Dask.delayed;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The delayed examples of seeds 003 and 002, in Java, with their results. */
class SeedExamplesTest {

    @Test
    void seed003IncIncAdd() {
        Delayed<Integer> x = delayed(Tutorial::inc).call(1);
        Delayed<Integer> y = delayed(Tutorial::inc).call(2);
        Delayed<Integer> z = delayed(Tutorial::add).call(x, y);
        assertThat(z.compute()).isEqualTo(5);
        assertThat(z.graph().size()).isEqualTo(3);
    }

    @Test
    void seed003ParallelForLoop() {
        List<Integer> data = List.of(1, 2, 3, 4, 5, 6, 7, 8);
        List<Delayed<Integer>> results = new ArrayList<>();
        for (int x : data) results.add(delayed(Tutorial::inc).call(x));
        Delayed<Integer> total = delayed(Tutorial::sum).call(all(results));
        assertThat(total.compute()).isEqualTo(44);
        // "delayed(inc)(1) + delayed(inc)(2)": the sum of two delayed values is itself delayed.
        assertThat(delayed(Tutorial::inc)
                        .call(1)
                        .combine(delayed(Tutorial::inc).call(2), Integer::sum)
                        .compute())
                .isEqualTo(5);
    }

    @Test
    void seed003ForLoopWithControlFlow() {
        List<Integer> data = List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        List<Delayed<Integer>> results = new ArrayList<>();
        for (int x : data) {
            if (Tutorial.isEven(x)) results.add(delayed(Tutorial::doubleIt).call(x));
            else results.add(delayed(Tutorial::inc).call(x));
        }
        Delayed<Integer> total = delayed(Tutorial::sum).call(all(results));
        assertThat(total.compute()).isEqualTo(90);
        assertThat(total.graph().tasks())
                .extracting(t -> t.functionName())
                .containsOnly("doubleIt", "inc", "list", "sum");
    }

    @Test
    void seed002LoopOf256ThenTreeSummation() {
        var inc = delayed(Tutorial::inc);
        var dec = delayed(Tutorial::dec);
        var add = delayed(Tutorial::add);
        List<Delayed<Integer>> zs = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            Delayed<Integer> x = inc.call(i);
            Delayed<Integer> y = dec.call(x);
            zs.add(add.call(x, y));
        }
        List<Delayed<Integer>> persisted = Dask.persist(zs);
        assertThat(persisted.get(10).compute()).isEqualTo(21);
        List<Delayed<Integer>> level = persisted;
        while (level.size() > 1) {
            List<Delayed<Integer>> next = new ArrayList<>();
            for (int i = 0; i < level.size(); i += 2) next.add(add.call(level.get(i), level.get(i + 1)));
            level = next;
        }
        // sum over i of (i + 1) + i = 2 * (0 + ... + 255) + 256
        assertThat(Dask.compute(level)).containsExactly(65_536);
        assertThat(level.get(0).graph().size()).isEqualTo(256 + 255);
    }

    @Test
    void seed002TreeWithoutPersistHasEveryStep() {
        var add = delayed(Tutorial::add);
        List<Delayed<Integer>> level = new ArrayList<>();
        for (int i = 0; i < 8; i++) level.add(delayed(Tutorial::inc).call(i));
        while (level.size() > 1) {
            List<Delayed<Integer>> next = new ArrayList<>();
            for (int i = 0; i < level.size(); i += 2) next.add(add.call(level.get(i), level.get(i + 1)));
            level = next;
        }
        assertThat(level.get(0).graph().size()).isEqualTo(8 + 7);
        assertThat(level.get(0).compute(Scheduler.SYNC)).isEqualTo(36);
    }
}
