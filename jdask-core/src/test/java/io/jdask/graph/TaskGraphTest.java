package io.jdask.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.Fn1;
import io.jdask.Fn2;
import io.jdask.local.LocalScheduler;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskGraphTest {
    static final Fn1<Integer, Integer> INC = x -> x + 1;
    static final Fn2<Integer, Integer, Integer> ADD = Integer::sum;

    @Test
    void handBuiltGraphIsOrderedByDependencies() {
        TaskGraph g = TaskGraph.of(
                new Task("z", ADD, new TaskRef("x"), new TaskRef("y")),
                new Task("x", INC, 1),
                new Task("y", INC, new TaskRef("a")),
                new DataNode("a", 10));
        List<String> order = List.copyOf(g.keys());
        assertThat(order.indexOf("x")).isLessThan(order.indexOf("z"));
        assertThat(order.indexOf("a")).isLessThan(order.indexOf("y"));
        assertThat(order.indexOf("y")).isLessThan(order.indexOf("z"));
        assertThat(g.dependents("a")).containsExactly("y");
        assertThat(g.outputs()).containsExactly("z");
        assertThat(g.tasks()).hasSize(3);
        assertThat(LocalScheduler.compute(g, List.of("z"), true, 1, 0)).containsExactly(13);
    }

    @Test
    void aMissingDependencyIsNamed() {
        assertThatThrownBy(() -> TaskGraph.of(new Task("y", INC, new TaskRef("nowhere"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("task y depends on nowhere, which is not in the graph");
    }

    @Test
    void aCycleIsListedInOrder() {
        assertThatThrownBy(() -> TaskGraph.of(
                        new Task("a", INC, new TaskRef("c")),
                        new Task("b", INC, new TaskRef("a")),
                        new Task("c", INC, new TaskRef("b"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the graph has a cycle: a -> c -> b -> a");
        assertThatThrownBy(() -> TaskGraph.of(new Task("self", INC, new TaskRef("self"))))
                .hasMessageContaining("cycle: self -> self");
    }

    @Test
    void aKeyDefinedTwiceIsRejected() {
        assertThatThrownBy(() -> TaskGraph.of(new DataNode("a", 1), new DataNode("a", 2)))
                .hasMessageContaining("key a is defined twice");
    }

    @Test
    void cullKeepsOnlyWhatTheOutputsNeed() {
        TaskGraph g = TaskGraph.of(
                new DataNode("a", 1),
                new Task("b", INC, new TaskRef("a")),
                new Task("c", INC, new TaskRef("b")),
                new Task("unrelated", INC, 5),
                new Task("d", INC, new TaskRef("a")));
        TaskGraph culled = g.cull(List.of("c"));
        assertThat(culled.keys()).containsExactly("a", "b", "c");
        assertThatThrownBy(() -> g.cull(List.of("nope"))).hasMessageContaining("no key nope");
    }

    @Test
    void mergeJoinsGraphsAndRejectsConflicts() {
        DataNode a = new DataNode("a", 1);
        TaskGraph g1 = TaskGraph.of(a, new Task("b", INC, new TaskRef("a")));
        TaskGraph g2 = TaskGraph.of(a, new Task("c", INC, new TaskRef("a")));
        TaskGraph merged = TaskGraph.merge(g1, g2);
        assertThat(merged.keys()).containsExactlyInAnyOrder("a", "b", "c");
        TaskGraph g3 = TaskGraph.of(new DataNode("a", 2));
        assertThatThrownBy(() -> TaskGraph.merge(g1, g3)).hasMessageContaining("key a has two definitions");
    }

    @Test
    void nestedReferencesAreDependencies() {
        Task t = new Task(
                "t", (Fn1<Object, Object>) o -> o, List.of(new TaskRef("a"), java.util.Map.of("k", new TaskRef("b"))));
        assertThat(t.dependencies()).containsExactlyInAnyOrder("a", "b");
        assertThat(t.isNestedRef(0)).isTrue();
        assertThat(t.isRef(0)).isFalse();
    }

    @Test
    void dotHasABoxPerCallAndACirclePerValue() {
        TaskGraph g = TaskGraph.of(new DataNode("a", 1), new Task("b", INC, new TaskRef("a")));
        String dot = g.toDot();
        assertThat(dot)
                .startsWith("digraph")
                .contains("\"call:b\"")
                .contains("\"a\" -> \"call:b\"")
                .contains("\"call:b\" -> \"b\"")
                .contains("shape=box")
                .contains("shape=circle");
    }
}
