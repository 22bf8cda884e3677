package io.jdask.scheduler.state;

import static io.jdask.scheduler.state.SchedulerTaskState.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.scheduler.state.GraphSpec.TaskOptions;
import io.jdask.scheduler.state.SchedulerEvent.UpdateGraph;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The columnar {@link GraphSpec} path of {@code UpdateGraph} (issue 17): dependencies as indices into the update or
 * into its known keys, options shared or per task, and the same outcomes as the spec-list path for duplicates, culling,
 * known and missing keys.
 */
class ColumnarUpdateGraphTest {
    static final String A = "tcp://a:1";
    private static final int[] NONE = new int[0];

    private final Sched s = SchedulerStateTest.cluster(A);

    /** A graph with the default options; run spec of task i is "run:" + its key. */
    private static GraphSpec graph(List<String> keys, int[] ends, int[] deps, List<String> known, int... wanted) {
        return new GraphSpec(
                keys, ends, deps, known, i -> "run:" + keys.get(i), List.of(TaskOptions.NONE), NONE, wanted);
    }

    private UpdateGraph update(GraphSpec g) {
        return new UpdateGraph("c1", g, s.sid(), s.tick());
    }

    @Test
    void dependenciesByIndexMayPointForwardAndBecomeLinks() {
        // total reads a and b, defined after it; a and b are leaves.
        var g = graph(List.of("total-1", "a-1", "b-1"), new int[] {2, 2, 2}, new int[] {1, 2}, List.of(), 0);

        // A worker of one thread takes two tasks (saturation).
        assertThat(s.run(update(g))).containsExactly("compute a-1@" + A, "compute b-1@" + A);
        assertThat(s.state.task("total-1").dependencies()).containsExactly("a-1", "b-1");
        assertThat(s.state.task("a-1").dependents()).containsExactly("total-1");
        assertThat(s.stateOf("total-1")).isEqualTo(WAITING);

        s.handle(s.finish(A, "a-1"));
        assertThat(s.run(s.finish(A, "b-1"))).containsExactly("compute total-1@" + A);
    }

    @Test
    void aKnownKeyIsReadNotRedefinedAndAMissingOneErrsItsDependents() {
        s.handle(s.submitAll("c1", Sched.spec("x-1")));
        s.handle(s.finish(A, "x-1"));
        // y reads the known x; z reads "gone-1", which exists nowhere; w reads z; v is reached by nothing.
        var g = graph(
                List.of("x-1", "y-1", "z-1", "w-1", "v-1"),
                new int[] {0, 1, 2, 3, 3},
                new int[] {-1, -2, 2},
                List.of("x-1", "gone-1"),
                1,
                3);

        var out = s.run(update(g));

        assertThat(out).containsExactly("erred w-1>[c1] blame=gone-1", "compute y-1@" + A);
        assertThat(s.state.task("y-1").dependencies()).containsExactly("x-1");
        assertThat(s.state.task("z-1"))
                .as("depends on a missing key: never made")
                .isNull();
        assertThat(s.state.task("w-1")).isNull();
        assertThat(s.state.task("v-1")).as("wanted by nothing: culled").isNull();
        assertThat(s.state.tasks())
                .as("culled tasks are not counted as forgotten")
                .containsEntry(FORGOTTEN, 0L);
        assertThat(s.state.taskCount()).isEqualTo(2);
    }

    @Test
    void aKeyGivenTwiceKeepsItsFirstDefinitionAndReferencesToEitherMeanIt() {
        // d-1 twice: the first has no dependencies, the second would read e-1. top reads the second index.
        var g = graph(List.of("d-1", "top-1", "d-1", "e-1"), new int[] {0, 1, 2, 2}, new int[] {2, 3}, List.of(), 1);

        assertThat(s.run(update(g))).containsExactly("compute d-1@" + A);
        assertThat(s.state.task("d-1").dependencies()).isEmpty();
        assertThat(s.state.task("e-1"))
                .as("only the second definition of d-1 read it")
                .isNull();
        assertThat(s.state.task("top-1").dependencies()).containsExactly("d-1");
        assertThat(s.state.task("d-1").priority().get(2)).isZero();
    }

    @Test
    void perTaskOptionsSetPriorityRetriesAndRestrictions() {
        var options = List.of(
                TaskOptions.NONE,
                new TaskOptions(10, 3, Restrictions.NONE),
                new TaskOptions(5, 0, Restrictions.NONE),
                new TaskOptions(0, 0, Restrictions.toWorkers("tcp://elsewhere:1")));
        var keys = List.of("low-1", "high-1", "mid-1", "pinned-1");
        int[] all = {0, 1, 2, 3};
        var g = new GraphSpec(keys, new int[] {0, 0, 0, 0}, NONE, List.of(), keys::get, options, all, all);

        // Two slots: the higher user priorities go first although they came later.
        assertThat(s.run(update(g))).containsExactly("compute high-1@" + A, "compute mid-1@" + A);
        assertThat(s.state.task("high-1").retriesLeft()).isEqualTo(3);
        assertThat(s.state.task("low-1").retriesLeft()).isZero();
        assertThat(s.stateOf("pinned-1")).isEqualTo(NO_WORKER);
        assertThat(s.state.queuedKeys()).containsExactly("low-1");
    }

    @Test
    void wantingKnownKeysAgainMakesNoTask() {
        s.handle(s.submitAll("c1", Sched.spec("x-1")));
        s.handle(s.finish(A, "x-1"));
        s.handle(s.client("c2"));

        var out = s.run(new UpdateGraph("c2", GraphSpec.wanting(List.of("x-1", "nope-1")), s.sid(), s.tick()));

        assertThat(out).containsExactly("memory x-1>[c2]", "erred nope-1>[c2] blame=nope-1");
        assertThat(s.state.task("x-1").whoWants()).containsExactly("c1", "c2");
        assertThat(s.state.taskCount()).isEqualTo(1);
    }

    @Test
    void aGraphOfSpecsConvertsToTheSameColumns() {
        var g = GraphSpec.of(
                List.of(Sched.spec("a-1"), Sched.spec("b-1", "a-1", "old-1"), Sched.spec("a-1", "zzz")),
                List.of("b-1", "old-1"));

        assertThat(g.keys()).containsExactly("a-1", "b-1", "a-1");
        assertThat(g.dependencyKeys(1)).containsExactly("a-1", "old-1");
        assertThat(g.dependencyKeys(2)).containsExactly("zzz");
        assertThat(g.wantedKeys()).containsExactly("b-1", "old-1");
        assertThat(g.runSpec(1)).isEqualTo("run:b-1");
    }

    @Test
    void aMalformedGraphIsRejectedWithWhatIsWrong() {
        assertThatThrownBy(() -> graph(List.of("a-1"), new int[] {1}, new int[] {0}, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("task 'a-1' depends on itself");
        assertThatThrownBy(() -> graph(List.of("a-1", "b-1"), new int[] {1, 0}, new int[] {1}, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dependencyEnds[1] = 0 is out of order");
        assertThatThrownBy(() -> graph(List.of("a-1"), new int[] {1}, new int[] {-2}, List.of("k")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "a dependency of task 'a-1' is reference -2, outside the 1 tasks and 1 known keys");
        assertThatThrownBy(() ->
                        new GraphSpec(List.of("a-1"), new int[] {0}, NONE, List.of(), i -> "x", List.of(), NONE, NONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("options is empty");
        assertThatThrownBy(() -> new GraphSpec(
                        List.of("a-1"),
                        new int[] {0},
                        NONE,
                        List.of(),
                        i -> "x",
                        List.of(TaskOptions.NONE),
                        new int[] {1},
                        NONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("optionOf[0] = 1 is not an index of the 1 options");
    }

    @Test
    void aWideTwoLevelGraphLinksByIndex() {
        // The benchmark's shape, small: leaves, one sum per 100 of them, a total; validated after the handle.
        int leaves = 10_000;
        int sums = leaves / 100;
        var keys = new java.util.ArrayList<String>();
        int[] ends = new int[leaves + sums + 1];
        int[] deps = new int[leaves + sums];
        int k = 0;
        for (int i = 0; i < leaves; i++) {
            keys.add("leaf-" + i);
            ends[i] = 0;
        }
        for (int j = 0; j < sums; j++) {
            keys.add("sum-" + j);
            for (int i = 0; i < 100; i++) {
                deps[k++] = j * 100 + i;
            }
            ends[leaves + j] = k;
        }
        keys.add("total-1");
        for (int j = 0; j < sums; j++) {
            deps[k++] = leaves + j;
        }
        ends[leaves + sums] = k;
        var g = graph(keys, ends, deps, List.of(), leaves + sums);

        var out = s.handle(update(g));

        assertThat(Sched.render(out)).containsExactly("compute leaf-0@" + A, "compute leaf-1@" + A);
        assertThat(s.state.taskCount()).isEqualTo(leaves + sums + 1);
        assertThat(s.state.task("sum-7").dependencies()).hasSize(100).contains("leaf-700", "leaf-799");
        assertThat(s.state.task("total-1").dependencies()).hasSize(sums);
        assertThat(s.state.tasks())
                .containsEntry(WAITING, (long) sums + 1)
                .containsEntry(QUEUED, leaves - 2L)
                .containsEntry(PROCESSING, 2L);
        assertThat(s.state
                        .task("leaf-0")
                        .priority()
                        .compareTo(s.state.task("leaf-1").priority()))
                .isNegative();
    }
}
