package io.jdask.scheduler.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SmallOrderedSetTest {

    private static SmallOrderedSet<String> setOf(int n) {
        var s = new SmallOrderedSet<String>();
        for (int i = 0; i < n; i++) {
            s.add("e" + i);
        }
        return s;
    }

    private static List<String> names(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "e" + i).toList();
    }

    @Test
    void emptySetBehavesLikeAnEmptySet() {
        var s = new SmallOrderedSet<String>();
        assertThat(s).isEmpty();
        assertThat(s.size()).isZero();
        assertThat(s.contains("a")).isFalse();
        assertThat(s.remove("a")).isFalse();
        assertThat(s.iterator().hasNext()).isFalse();
        assertThatThrownBy(s::getFirst).isInstanceOf(NoSuchElementException.class);
        assertThatThrownBy(() -> s.iterator().next()).isInstanceOf(NoSuchElementException.class);
    }

    @Test
    void theSharedEmptySetNeverChangesAndWritableGivesAFreshOne() {
        SmallOrderedSet<String> shared = SmallOrderedSet.empty();
        assertThat(shared).isEmpty();
        assertThat(shared.remove("x")).isFalse();
        shared.clear();
        assertThatThrownBy(() -> shared.add("x"))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("SmallOrderedSet.writable");
        assertThat(SmallOrderedSet.<String>empty()).isSameAs(shared).isEmpty();

        SmallOrderedSet<String> own = SmallOrderedSet.writable(shared);
        assertThat(own).isNotSameAs(shared);
        assertThat(own.add("x")).isTrue();
        assertThat(SmallOrderedSet.writable(own)).isSameAs(own);
        assertThat(shared).isEmpty();
    }

    @Test
    void iteratesInInsertionOrderAndIgnoresDuplicates() {
        var s = new SmallOrderedSet<String>();
        assertThat(s.add("c")).isTrue();
        assertThat(s.add("a")).isTrue();
        assertThat(s.add("c")).isFalse();
        assertThat(s.add("b")).isTrue();
        assertThat(s).containsExactly("c", "a", "b");
        assertThat(s.getFirst()).isEqualTo("c");
        assertThat(s.remove("a")).isTrue();
        assertThat(s).containsExactly("c", "b");
        s.add("a");
        assertThat(s).containsExactly("c", "b", "a");
    }

    @Test
    void keepsOrderWhenGrowingPastTheInlineSizeAndAfter() {
        int n = SmallOrderedSet.INLINE_MAX * 3;
        var s = setOf(n);
        assertThat(s).hasSize(n).containsExactlyElementsOf(names(0, n));
        assertThat(s.add("e3")).isFalse();
        assertThat(s.remove("e0")).isTrue();
        assertThat(s.getFirst()).isEqualTo("e1");
        assertThat(s).containsExactlyElementsOf(names(1, n));
    }

    @Test
    void growsExactlyAtTheInlineLimit() {
        var s = setOf(SmallOrderedSet.INLINE_MAX);
        assertThat(s).containsExactlyElementsOf(names(0, SmallOrderedSet.INLINE_MAX));
        s.add("last");
        var expected = new ArrayList<>(names(0, SmallOrderedSet.INLINE_MAX));
        expected.add("last");
        assertThat(s).containsExactlyElementsOf(expected);
        assertThat(s.contains("last")).isTrue();
    }

    @Test
    void clearEmptiesBothForms() {
        for (int n : new int[] {1, SmallOrderedSet.INLINE_MAX, SmallOrderedSet.INLINE_MAX + 1}) {
            var s = setOf(n);
            s.clear();
            assertThat(s).isEmpty();
            s.add("x");
            assertThat(s).containsExactly("x");
        }
    }

    @Test
    void iteratorRemoveKeepsTheRestInOrder() {
        for (int n : new int[] {5, SmallOrderedSet.INLINE_MAX + 4}) {
            var s = setOf(n);
            for (var it = s.iterator(); it.hasNext(); ) {
                String e = it.next();
                if (Integer.parseInt(e.substring(1)) % 2 == 0) {
                    it.remove();
                }
            }
            assertThat(s)
                    .containsExactlyElementsOf(names(0, n).stream()
                            .filter(e -> Integer.parseInt(e.substring(1)) % 2 == 1)
                            .toList());
        }
    }

    @Test
    void iteratorRemoveTwiceOrBeforeNextIsRejected() {
        var s = setOf(3);
        var it = s.iterator();
        assertThatThrownBy(it::remove).isInstanceOf(IllegalStateException.class);
        it.next();
        it.remove();
        assertThatThrownBy(it::remove).isInstanceOf(IllegalStateException.class);
        assertThat(s).containsExactly("e1", "e2");
    }

    @Test
    void changingTheSetWhileIteratingFailsFastLikeLinkedHashSet() {
        var removing = setOf(3);
        assertThatThrownBy(() -> {
                    for (String e : removing) {
                        removing.remove("e2");
                    }
                })
                .isInstanceOf(ConcurrentModificationException.class);
        var adding = setOf(3);
        assertThatThrownBy(() -> {
                    for (String e : adding) {
                        adding.add(e + "x");
                    }
                })
                .isInstanceOf(ConcurrentModificationException.class);
        var growing = setOf(SmallOrderedSet.INLINE_MAX);
        assertThatThrownBy(() -> {
                    for (String e : growing) {
                        growing.add(e + "x"); // moves the elements to the large form under the iterator
                    }
                })
                .isInstanceOf(ConcurrentModificationException.class);
    }

    @Test
    void equalsAndHashCodeFollowTheSetContract() {
        var s = setOf(3);
        assertThat(s).isEqualTo(new LinkedHashSet<>(List.of("e2", "e1", "e0")));
        assertThat(s.hashCode()).isEqualTo(new LinkedHashSet<>(names(0, 3)).hashCode());
        assertThat(new ArrayList<>(s)).containsExactly("e0", "e1", "e2");
    }

    /** Random adds, removes, clears and iterator removes, checked step by step against a LinkedHashSet. */
    @Test
    void behavesLikeLinkedHashSetUnderRandomOperations() {
        long seed = 17;
        var random = new Random(seed);
        for (int round = 0; round < 200; round++) {
            var model = new LinkedHashSet<Integer>();
            var s = new SmallOrderedSet<Integer>();
            int universe = 1 + random.nextInt(3 * SmallOrderedSet.INLINE_MAX);
            for (int step = 0; step < 100; step++) {
                int x = random.nextInt(universe);
                int op = random.nextInt(20);
                String what = "seed " + seed + " round " + round + " step " + step + " op " + op + " x " + x;
                if (op < 10) {
                    assertThat(s.add(x)).as(what).isEqualTo(model.add(x));
                } else if (op < 16) {
                    assertThat(s.remove(x)).as(what).isEqualTo(model.remove(x));
                } else if (op < 17) {
                    s.clear();
                    model.clear();
                } else {
                    s.removeIf(e -> e % 3 == x % 3); // goes through Iterator.remove
                    model.removeIf(e -> e % 3 == x % 3);
                }
                assertThat(s).as(what).containsExactlyElementsOf(model);
                assertThat(s.size()).as(what).isEqualTo(model.size());
                assertThat(s.contains(x)).as(what).isEqualTo(model.contains(x));
                if (!model.isEmpty()) {
                    assertThat(s.getFirst()).as(what).isEqualTo(model.getFirst());
                }
            }
        }
    }
}
