package io.jdask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.spi.ProfileArrays;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileTest {

    static Profile sample() {
        return Profile.builder()
                .add(List.of("inc", "Work.inc", "Thread.sleep"), 6)
                .add(List.of("inc", "Work.inc"), 1)
                .add(List.of("add", "Work.add", "Work.spin"), 3)
                .build();
    }

    @Test
    void stacksMergeIntoACallTreeWithCounts() {
        Profile p = sample();
        assertThat(p.frame()).isEqualTo(Profile.ROOT);
        assertThat(p.samples()).isEqualTo(10);
        assertThat(p.children()).extracting(Profile::frame).containsExactly("inc", "add"); // hottest first
        Profile inc = p.children().get(0);
        assertThat(inc.count()).isEqualTo(7);
        Profile workInc = inc.children().get(0);
        assertThat(workInc.count()).isEqualTo(7);
        assertThat(workInc.selfCount()).isEqualTo(1);
        assertThat(workInc.children().get(0).frame()).isEqualTo("Thread.sleep");
        assertThat(p.contains("Work.spin")).isTrue();
        assertThat(p.contains("Work.nothing")).isFalse();
        assertThat(p.count("Work.spin")).isEqualTo(3);
    }

    @Test
    void sinceKeepsOnlyTheSamplesTakenBetweenTwoProfiles() {
        Profile before = sample();
        Profile after = Profile.builder()
                .add(before)
                .add(List.of("add", "Work.add", "Work.spin"), 5) // more of an existing path
                .add(List.of("mul", "Work.mul"), 2) // a new path
                .build();
        Profile between = after.since(before);
        assertThat(between.samples()).isEqualTo(7);
        assertThat(between.children()).extracting(Profile::frame).containsExactly("add", "mul");
        assertThat(between.count("Work.spin")).isEqualTo(5);
        assertThat(between.contains("Thread.sleep"))
                .as("no new samples there: dropped")
                .isFalse();
        assertThat(after.since(after).samples()).isZero();
        assertThat(after.since(after).children()).isEmpty();
        // A worker that restarted counts from zero again: its smaller counts are taken as they are.
        Profile restarted = Profile.builder().add(List.of("inc", "Work.inc"), 2).build();
        assertThat(restarted.since(before).count("Work.inc")).isEqualTo(2);
    }

    @Test
    void recursionCountsASampleOnce() {
        Profile p = Profile.builder()
                .add(List.of("fib", "M.fib", "M.fib", "M.fib"), 4)
                .build();
        assertThat(p.count("M.fib")).isEqualTo(4);
    }

    @Test
    void mergingAddsCountsOfTheSamePaths() {
        Profile a = sample();
        Profile b = Profile.builder()
                .add(List.of("inc", "Work.inc", "Thread.sleep"), 4)
                .build();
        Profile m = a.merge(b);
        assertThat(m.samples()).isEqualTo(14);
        assertThat(m.children().get(0).children().get(0).children().get(0).count())
                .isEqualTo(10);
        assertThat(m).isEqualTo(b.merge(a)); // order does not matter
    }

    @Test
    void textShowsTheHottestPathsIndentedAndHidesSmallFrames() {
        Profile p = Profile.builder()
                .add(List.of("inc", "Work.inc"), 990)
                .add(List.of("inc", "Work.rare"), 5)
                .build();
        String text = p.toString();
        assertThat(text).startsWith("all  995 samples\n");
        assertThat(text).contains("\n  inc  995 (100.0%)\n    Work.inc  990 (99.5%)\n");
        assertThat(text).doesNotContain("Work.rare").contains("... 5 in smaller frames");
        assertThat(p.text(10, 0)).contains("Work.rare  5");
        assertThat(p.text(2, 0)).doesNotContain("Work.inc").contains("    ...");
    }

    @Test
    void svgDrawsOneBoxPerVisibleFrameWithItsShare() {
        String svg = sample().svg();
        assertThat(svg).startsWith("<svg").endsWith("</svg>");
        assertThat(svg).contains("<title>all: 10 samples (100.0%)</title>");
        assertThat(svg).contains("<title>Work.spin: 3 samples (30.0%)</title>");
        assertThat(svg.split("<rect", -1)).hasSize(1 + 7); // all, inc, Work.inc, Thread.sleep, add, Work.add, Work.spin
        assertThat(Profile.empty().svg()).contains("no samples");
        assertThat(sample().html()).contains("10 samples").contains("<svg");
    }

    @Test
    void frameNamesAreEscapedInPictures() {
        Profile p = Profile.builder().add(List.of("a<b>&\"c"), 1).build();
        assertThat(p.svg()).contains("a&lt;b&gt;&amp;&quot;c").doesNotContain("a<b>");
    }

    @Test
    void saveWritesHtmlSvgOrText(@TempDir Path dir) throws Exception {
        Profile p = sample();
        assertThat(Files.readString(p.save(dir.resolve("p.html")) == p ? dir.resolve("p.html") : null))
                .contains("<svg")
                .contains("<pre>all  10 samples");
        p.save(dir.resolve("p.svg"));
        assertThat(Files.readString(dir.resolve("p.svg"))).startsWith("<svg");
        p.save(dir.resolve("p.txt"));
        assertThat(Files.readString(dir.resolve("p.txt"))).isEqualTo(p.toString());
    }

    @Test
    void builderCapsTheNumberOfFramesButKeepsCounting() {
        Profile.Builder b = Profile.builder().maxNodes(3);
        b.add(List.of("f", "A.a", "B.b", "C.c"), 1);
        b.add(List.of("g"), 1);
        assertThat(b.nodeCount()).isEqualTo(3);
        Profile p = b.build();
        assertThat(p.samples()).isEqualTo(2);
        assertThat(p.contains("B.b")).isFalse();
        assertThat(p.count("A.a")).isEqualTo(1);
    }

    @Test
    void negativeCountsAreRejected() {
        assertThatThrownBy(() -> Profile.of("x", -1, List.of())).hasMessageContaining("-1");
        assertThatThrownBy(() -> Profile.builder().add(List.of("x"), -2)).hasMessageContaining("-2");
    }

    @Test
    void wireFormRoundTripsRandomTrees() {
        Random r = new Random(42);
        for (int round = 0; round < 200; round++) {
            Profile.Builder b = Profile.builder();
            int stacks = r.nextInt(20);
            for (int i = 0; i < stacks; i++) {
                List<String> s = new ArrayList<>();
                int depth = r.nextInt(6);
                for (int d = 0; d < depth; d++) {
                    s.add("F" + r.nextInt(4));
                }
                b.add(s, 1 + r.nextInt(5));
            }
            Profile p = b.build();
            ProfileArrays a = ProfileArrays.of(p);
            assertThat(a.parents()[0]).isEqualTo(-1);
            assertThat(a.toProfile()).as("seed 42 round %d", round).isEqualTo(p);
        }
        assertThat(new ProfileArrays(List.of(), new int[0], new long[0]).toProfile())
                .isEqualTo(Profile.empty());
    }

    @Test
    void wireFormRejectsAParentAfterItsChild() {
        var bad = new ProfileArrays(List.of("all", "a", "b"), new int[] {-1, 2, 0}, new long[] {2, 1, 1});
        assertThatThrownBy(bad::toProfile).hasMessageContaining("node 1 (a) has parent 2");
        assertThatThrownBy(() -> new ProfileArrays(List.of("all"), new int[0], new long[] {1}))
                .hasMessageContaining("differ in length");
    }

    @Test
    void mergingWireFormsOfSeveralWorkers() {
        Profile w1 = Profile.builder().add(List.of("inc", "A.a"), 2).build();
        Profile w2 = Profile.builder()
                .add(List.of("inc", "A.a"), 3)
                .add(List.of("add"), 1)
                .build();
        Profile m = ProfileArrays.merge(List.of(ProfileArrays.of(w1), ProfileArrays.of(w2)));
        assertThat(m.samples()).isEqualTo(6);
        assertThat(m.count("A.a")).isEqualTo(5);
    }
}
