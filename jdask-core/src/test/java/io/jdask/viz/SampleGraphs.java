package io.jdask.viz;

import java.util.ArrayList;
import java.util.List;

/** Graphs shaped like the ones {@code delayed} builds, for the viz tests. */
final class SampleGraphs {

    private SampleGraphs() {}

    /** Dask's tutorial: {@code add(inc(1), inc(2))}, calls as boxes, results as circles. */
    static GraphPicture.Builder incIncAdd() {
        return GraphPicture.builder()
                .function("inc-1", "inc")
                .data("r-inc-1", "inc-1")
                .function("inc-2", "inc")
                .data("r-inc-2", "inc-2")
                .function("add-3", "add")
                .data("r-add-3", "add-3")
                .edge("inc-1", "r-inc-1")
                .edge("inc-2", "r-inc-2")
                .edge("r-inc-1", "add-3")
                .edge("r-inc-2", "add-3")
                .edge("add-3", "r-add-3");
    }

    /**
     * {@code k} chains {@code a = inc(i); b = dec(a); c = add(a, b)}, then a pairwise tree sum of
     * all the {@code c}. With k = 256 that is 2,046 nodes. The graph is planar.
     */
    static GraphPicture.Builder chainsThenTreeSum(int k) {
        GraphPicture.Builder b = GraphPicture.builder();
        List<String> level = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            b.function("inc-" + i, "inc")
                    .data("a-" + i, "")
                    .function("dec-" + i, "dec")
                    .data("b-" + i, "")
                    .function("add-" + i, "add")
                    .data("c-" + i, "");
            b.edge("inc-" + i, "a-" + i)
                    .edge("a-" + i, "dec-" + i)
                    .edge("dec-" + i, "b-" + i)
                    .edge("a-" + i, "add-" + i)
                    .edge("b-" + i, "add-" + i)
                    .edge("add-" + i, "c-" + i);
            level.add("c-" + i);
        }
        int n = 0;
        while (level.size() > 1) {
            List<String> next = new ArrayList<>();
            for (int i = 0; i < level.size(); i += 2) {
                if (i + 1 == level.size()) {
                    next.add(level.get(i));
                    continue;
                }
                String call = "sum-" + n;
                String result = "s-" + n;
                n++;
                b.function(call, "sum").data(result, "");
                b.edge(level.get(i), call).edge(level.get(i + 1), call).edge(call, result);
                next.add(result);
            }
            level = next;
        }
        return b;
    }

    /** One value used by {@code width} calls whose results all go to one final call, plus a constant. */
    static GraphPicture.Builder fanOutFanIn(int width) {
        GraphPicture.Builder b = GraphPicture.builder()
                .function("load", "load")
                .data("x", "x")
                .edge("load", "x")
                .function("total", "total")
                .data("out", "out")
                .edge("total", "out")
                .data("const", "42")
                .edge("const", "total");
        for (int i = 0; i < width; i++) {
            b.function("f" + i, "f")
                    .data("r" + i, "r" + i)
                    .edge("x", "f" + i)
                    .edge("f" + i, "r" + i)
                    .edge("r" + i, "total");
        }
        return b;
    }
}
