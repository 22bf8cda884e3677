package io.jdask.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The columnar UpdateGraph as GraphMessage lays it out, and as it survives the codec. */
class GraphMessageTest {
    private static final ClientMsg.TaskOptions PINNED = new ClientMsg.TaskOptions(3, 1, List.of("w1"), true, Map.of());

    private static byte[] spec(int length, int fill) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) fill);
        return b;
    }

    /** Task i's run spec, sliced out of the block as the scheduler does. */
    private static byte[] runSpec(ClientMsg.UpdateGraph u, int i) {
        return Arrays.copyOfRange(u.runSpecs(), i == 0 ? 0 : u.runSpecEnds()[i - 1], u.runSpecEnds()[i]);
    }

    @Test
    void dependenciesAreIndicesOrKnownKeysWhicheverOrderTasksComeIn() {
        var g = new GraphMessage(ClientMsg.TaskOptions.NONE);
        g.add("total", List.of("a", "old-1", "b"), spec(3, 1)); // reads tasks added after it, and a known key
        g.add("a", List.of(), spec(2, 2));
        g.add("b", List.of("a", "old-1"), spec(1, 3));

        var u = g.build(List.of("total", "old-2"));

        assertThat(u.keys()).containsExactly("total", "a", "b");
        assertThat(u.knownKeys()).containsExactly("old-1", "old-2");
        assertThat(u.dependencyEnds()).containsExactly(3, 3, 5);
        assertThat(u.dependencies()).containsExactly(1, -1, 2, 1, -1);
        assertThat(u.wanted()).containsExactly(0, -2);
        assertThat(GraphMessage.dependencyLists(u))
                .containsExactly(
                        Map.entry("total", List.of("a", "old-1", "b")),
                        Map.entry("a", List.of()),
                        Map.entry("b", List.of("a", "old-1")));
        assertThat(runSpec(u, 0)).containsExactly(1, 1, 1);
        assertThat(runSpec(u, 1)).containsExactly(2, 2);
        assertThat(runSpec(u, 2)).containsExactly(3);
        assertThat(u.options()).containsExactly(ClientMsg.TaskOptions.NONE);
        assertThat(u.optionOf()).as("one set of options: none per task").isEmpty();
    }

    @Test
    void aKeyAddedTwiceKeepsItsFirstDefinition() {
        var g = new GraphMessage(ClientMsg.TaskOptions.NONE);
        assertThat(g.add("a", List.of(), spec(1, 1))).isTrue();
        assertThat(g.add("a", List.of("zzz"), spec(1, 9))).isFalse();
        assertThat(g.contains("a")).isTrue();

        var u = g.build(List.of("a"));

        assertThat(u.keys()).containsExactly("a");
        assertThat(u.knownKeys()).isEmpty();
        assertThat(runSpec(u, 0)).containsExactly(1);
    }

    @Test
    void optionsAreSentOnceAndPerTaskOnlyWhereTheyDiffer() {
        var g = new GraphMessage(ClientMsg.TaskOptions.NONE);
        g.add("a", List.of(), spec(1, 1));
        g.add("b", List.of(), spec(1, 1), PINNED);
        g.add("c", List.of(), spec(1, 1));
        g.add("d", List.of(), spec(1, 1), new ClientMsg.TaskOptions(3, 1, List.of("w1"), true, Map.of()));

        var u = g.build(List.of("a", "b", "c", "d"));

        assertThat(u.options()).containsExactly(ClientMsg.TaskOptions.NONE, PINNED);
        assertThat(u.optionOf()).containsExactly(0, 1, 0, 1);
    }

    @Test
    void runSpecsAcrossManyChunksComeBackWhole() {
        var g = new GraphMessage(ClientMsg.TaskOptions.NONE);
        int n = 3_000;
        for (int i = 0; i < n; i++) {
            g.add("t-" + i, List.of(), spec(700 + i % 13, i)); // about 2 MB in all, chunks of growing size
        }
        var u = g.build(List.of("t-0"));

        assertThat(u.runSpecs()).hasSize(u.runSpecEnds()[n - 1]);
        for (int i : new int[] {0, 1, 1_497, 1_498, n - 1}) {
            assertThat(runSpec(u, i)).hasSize(700 + i % 13).containsOnly((byte) i);
        }
    }

    @Test
    void aSingleTaskSendsOneExactArray() {
        var g = new GraphMessage(ClientMsg.TaskOptions.NONE);
        byte[] mine = spec(40, 7);
        g.add("a", List.of(), mine);

        var u = g.build(List.of("a"));

        assertThat(u.runSpecs()).hasSize(40).isNotSameAs(mine).containsOnly((byte) 7);
    }

    @Test
    void aTaskReadingItselfIsRefused() {
        var g = new GraphMessage(ClientMsg.TaskOptions.NONE);
        assertThatThrownBy(() -> g.add("a", List.of("a"), spec(1, 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("task 'a' depends on itself");
    }

    @Test
    void theColumnsSurviveTheCodec() {
        var g = new GraphMessage(ClientMsg.TaskOptions.NONE);
        for (int i = 0; i < 20_000; i++) { // arrays big enough to travel out of band
            g.add("t-" + i, i == 0 ? List.of("old-1") : List.of("t-" + (i - 1)), spec(3, i));
        }
        g.add("last", List.of("t-19999"), spec(5, 5), PINNED);
        var sent = g.build(List.of("last"));

        byte[] body = MessageCodec.messages().encodeBody(sent);
        var got = (ClientMsg.UpdateGraph) MessageCodec.messages().decode(body, 0, body.length);

        assertThat(got.keys()).isEqualTo(sent.keys());
        assertThat(got.dependencyEnds()).isEqualTo(sent.dependencyEnds());
        assertThat(got.dependencies()).isEqualTo(sent.dependencies());
        assertThat(got.knownKeys()).containsExactly("old-1");
        assertThat(got.runSpecs()).isEqualTo(sent.runSpecs());
        assertThat(got.runSpecEnds()).isEqualTo(sent.runSpecEnds());
        assertThat(got.options()).isEqualTo(sent.options());
        assertThat(got.optionOf()).isEqualTo(sent.optionOf());
        assertThat(got.wanted()).containsExactly(20_000);
    }
}
