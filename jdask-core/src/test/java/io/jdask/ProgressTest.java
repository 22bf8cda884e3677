package io.jdask;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProgressTest {

    static List<TestFuture<Integer>> futures(String name, int n) {
        List<TestFuture<Integer>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            fs.add(new TestFuture<>(name + "-" + Integer.toHexString(0xabc0 + i)));
        }
        return fs;
    }

    @Test
    void textCountsDoneAndErredFutures() {
        List<TestFuture<Integer>> fs = futures("inc", 4);
        assertThat(Progress.text(fs)).isEqualTo("[" + "-".repeat(40) + "] 0/4 done");
        fs.get(0).finish(1);
        fs.get(1).fail(new IllegalStateException("boom"));
        assertThat(Progress.text(fs)).isEqualTo("[" + "#".repeat(20) + "-".repeat(20) + "] 2/4 done (1 erred)");
        fs.get(2).finish(3);
        fs.get(3).finish(4);
        assertThat(Progress.text(fs)).isEqualTo("[" + "#".repeat(40) + "] 4/4 done (1 erred)");
        assertThat(Progress.text(List.of())).isEqualTo("[" + "#".repeat(40) + "] 0/0 done");
    }

    @Test
    void showDrawsInPlaceAndReturnsWhenAllAreDone() throws Exception {
        List<TestFuture<Integer>> fs = futures("inc", 10);
        var bytes = new ByteArrayOutputStream();
        var out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        CompletableFuture<Void> shown = CompletableFuture.runAsync(() -> Progress.show(fs, out));
        for (int i = 0; i < fs.size(); i++) {
            fs.get(i).finish(i);
        }
        shown.get(10, TimeUnit.SECONDS);
        String text = bytes.toString(StandardCharsets.UTF_8);
        String[] frames = text.split("\r");
        String last = frames[frames.length - 1];
        assertThat(last).startsWith("[" + "#".repeat(40) + "] 10/10 done").endsWith(System.lineSeparator());
        assertThat(text).doesNotContain("11/10");
    }

    @Test
    void htmlHasOneBarPerFunctionAndATotal() {
        List<TestFuture<Integer>> incs = futures("inc", 2);
        List<TestFuture<Integer>> adds = futures("add", 3);
        incs.get(0).finish(1);
        adds.get(0).fail(new RuntimeException());
        List<Future<?>> all = new ArrayList<>(incs);
        all.addAll(adds);
        String html = Progress.html(all).toString();
        assertThat(html)
                .contains(">inc</td>")
                .contains("1/2")
                .contains(">add</td>")
                .contains("1/3 (1 erred)")
                .contains(">total</td>")
                .contains("2/5 (1 erred)");
        assertThat(html.indexOf(">add<")).isLessThan(html.indexOf(">inc<")); // sorted by name
    }

    @Test
    void outsideANotebookTheTextBarIsUsed() {
        assertThat(Progress.inNotebook()).isFalse();
    }
}
