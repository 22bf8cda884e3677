package io.jdask.viz;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A layered (Sugiyama-style) layout of a {@link VizGraph}.
 *
 * <p>Design note. The phases, each a method below:
 * <ol>
 *   <li><b>Cycle breaking</b>: task graphs are acyclic, but a picture of a broken graph is how a
 *       user finds the cycle, so back edges found by a depth-first search are laid out reversed
 *       and drawn pointing the right way. Self-loops are drawn as a loop beside their node.
 *   <li><b>Layering</b> by longest path from the sources; then each source moves down to just
 *       above its highest consumer, so a constant used only by the final sum does not drag a
 *       long edge across the whole picture.
 *   <li><b>Dummy vertices</b> split every edge that spans several layers, so each layered
 *       segment joins adjacent layers; long edges then bend around nodes instead of through them.
 *   <li><b>Crossing reduction</b>: a depth-first initial order (keeps chains together), then
 *       alternating barycenter sweeps; crossings are counted exactly after every sweep
 *       (inversion counting with a Fenwick tree, O(E log V)) and the best order is kept.
 *   <li><b>Coordinates</b>: each layer is placed by {@link Isotonic} at the mean position of
 *       its neighbours in the previous (down sweep) or next (up sweep) layer, keeping order and
 *       gaps; sizes come from {@link TextMetrics}, not fonts. The last sweep goes down, so every
 *       node ends centred under its inputs: pulling toward both sides at the end made fan-in
 *       trees (a tree sum over 256 chains) collapse toward their root and drag long sideways
 *       edges across the picture.
 *   <li><b>Routing</b>: an edge leaves its source at a port on the facing side (ports are spread
 *       and ordered by where the other end lies), runs straight to the edge of the source's band,
 *       bends only in the gaps between bands (S-shaped cubics), crosses each intermediate band
 *       straight at its dummy's position and enters the target's band straight. As dummies keep
 *       the same gaps as nodes, no edge passes through a node it does not touch. The gap after
 *       a layer grows when its edges travel far sideways, so those curves stay legible.
 * </ol>
 * Everything is computed in abstract (breadth, depth) coordinates: breadth runs along a layer,
 * depth across layers. {@link Rankdir#TB} maps them to (x, y), {@link Rankdir#LR} to (y, x).
 *
 * <p>Determinism: vertices are numbered in input order, dummies after them in edge order, all
 * sorts are stable with explicit tie-breaks, and no hash iteration order is used; so the same
 * input gives the same layout, bit for bit. Instances are single-use and not thread-safe;
 * {@link #layout} creates one per call.
 */
final class LayeredLayout {

    static final double MARGIN = 16;
    static final double FUNCTION_FONT = 14;
    static final double DATA_FONT = 12;
    static final double BOX_HEIGHT = 32;
    static final double BOX_PAD = 12;
    static final double BOX_MIN_WIDTH = 48;
    static final double BOX_MAX_TEXT = 220;
    static final double CIRCLE_MIN = 26;
    static final double CIRCLE_MAX_TEXT = 84;
    private static final double NODE_GAP = 20;
    private static final double DUMMY_GAP = 10;
    private static final double RANK_GAP_TB = 44;
    private static final double RANK_GAP_LR = 56;
    private static final double MAX_RANK_GAP_FACTOR = 2.5;
    private static final double SIDEWAYS_GAP_RATIO = 0.12;
    private static final double LOOP_SIZE = 26;
    private static final double PORT_SPACING = 12;
    private static final int MAX_ORDER_PASSES = 24;
    private static final int ORDER_PATIENCE = 4;
    private static final int PLACEMENT_ROUNDS = 8;

    private final VizGraph graph;
    private final Rankdir rankdir;
    /** Number of real vertices; vertices {@code >= realCount} are dummies. */
    private final int realCount;

    /** Per input edge: laid out from its target to its source because it closed a cycle. */
    private boolean[] reversed;
    /** Per input edge: whether it starts and ends at the same node. */
    private boolean[] selfLoop;
    /** Per real vertex: whether some self-loop is drawn beside it (needs room on its breadth+ side). */
    private boolean[] hasLoop;

    /** Layer of every vertex (real and dummy); a segment always joins layer L to L+1. */
    private int[] layer;

    private int vertexCount;
    private int layerCount;
    /** Per input edge (not a self-loop): the segment ids of its chain, in layout direction. */
    private int[][] chainSegments;
    /** Segment s runs from vertex {@code segTop[s]} (layer L) to {@code segBottom[s]} (layer L+1). */
    private int[] segTop;

    private int[] segBottom;
    private int segmentCount;
    /** Per vertex: segment ids leaving it downward / arriving from above, in segment order. */
    private int[][] outSegs;

    private int[][] inSegs;

    /** Crossings left by {@link #orderLayers()}. */
    private long crossings;
    /** Per layer: its vertices in drawing order; {@code pos[v]} is v's index in its layer. */
    private int[][] order;

    private int[] pos;

    /** Breadth (along the layer) and depth (across layers) extent of each vertex; 0 for dummies. */
    private double[] breadthSize;

    private double[] depthSize;
    /** Output-oriented width, height, text and font size of each real vertex. */
    private double[] width;

    private double[] height;
    private String[] text;
    private double[] fontSize;

    /** Breadth coordinate of each vertex's centre. */
    private double[] x;
    /** Where each layer's band starts along the depth axis, and how thick it is. */
    private double[] bandStart;

    private double[] bandThickness;

    private LayeredLayout(VizGraph graph, Rankdir rankdir) {
        this.graph = graph;
        this.rankdir = rankdir;
        this.realCount = graph.nodeCount();
    }

    static Drawing layout(VizGraph graph, Rankdir rankdir) {
        LayeredLayout l = new LayeredLayout(graph, rankdir);
        l.breakCycles();
        int[] realLayers = l.assignLayers();
        l.buildLayeredGraph(realLayers);
        l.measure();
        l.orderLayers();
        l.placeBreadth();
        l.placeDepth();
        return l.toDrawing();
    }

    // ---------------------------------------------------------------- 1. cycles

    private void breakCycles() {
        int n = realCount;
        int m = graph.edgeCount();
        reversed = new boolean[m];
        selfLoop = new boolean[m];
        hasLoop = new boolean[n];
        int[][] outEdges = edgesBy(graph.from, n, m);
        byte[] state = new byte[n]; // 0 new, 1 on the DFS stack, 2 finished
        int[] stack = new int[n];
        int[] next = new int[n]; // next out-edge to look at, per vertex on the stack
        for (int e = 0; e < m; e++) {
            if (graph.from[e] == graph.to[e]) {
                selfLoop[e] = true;
                hasLoop[graph.from[e]] = true;
            }
        }
        for (int root = 0; root < n; root++) {
            if (state[root] != 0) {
                continue;
            }
            int depth = 0;
            stack[depth++] = root;
            state[root] = 1;
            while (depth > 0) {
                int v = stack[depth - 1];
                if (next[v] < outEdges[v].length) {
                    int e = outEdges[v][next[v]++];
                    if (selfLoop[e]) {
                        continue;
                    }
                    int w = graph.to[e];
                    if (state[w] == 1) {
                        reversed[e] = true;
                    } else if (state[w] == 0) {
                        state[w] = 1;
                        stack[depth++] = w;
                    }
                } else {
                    state[v] = 2;
                    depth--;
                }
            }
        }
    }

    private int layoutFrom(int e) {
        return reversed[e] ? graph.to[e] : graph.from[e];
    }

    private int layoutTo(int e) {
        return reversed[e] ? graph.from[e] : graph.to[e];
    }

    // ---------------------------------------------------------------- 2. layers

    private int[] assignLayers() {
        int n = realCount;
        int m = graph.edgeCount();
        int[] indegree = new int[n];
        int[] outdegree = new int[n];
        int[][] outEdges = new int[n][];
        int[] outCount = new int[n];
        for (int e = 0; e < m; e++) {
            if (!selfLoop[e]) {
                indegree[layoutTo(e)]++;
                outCount[layoutFrom(e)]++;
            }
        }
        for (int v = 0; v < n; v++) {
            outEdges[v] = new int[outCount[v]];
        }
        for (int e = 0; e < m; e++) {
            if (!selfLoop[e]) {
                int a = layoutFrom(e);
                outEdges[a][outdegree[a]++] = e;
            }
        }
        int[] remaining = indegree.clone();
        int[] queue = new int[n];
        int head = 0;
        int tail = 0;
        for (int v = 0; v < n; v++) {
            if (remaining[v] == 0) {
                queue[tail++] = v;
            }
        }
        int[] layerOf = new int[n];
        while (head < tail) {
            int v = queue[head++];
            for (int e : outEdges[v]) {
                int w = layoutTo(e);
                layerOf[w] = Math.max(layerOf[w], layerOf[v] + 1);
                if (--remaining[w] == 0) {
                    queue[tail++] = w;
                }
            }
        }
        if (tail != n) {
            throw new IllegalStateException("cycle left after cycle breaking; this is a bug in LayeredLayout");
        }
        // Sources sink to just above their highest consumer: no predecessors means nothing breaks.
        for (int v = 0; v < n; v++) {
            if (indegree[v] == 0 && outEdges[v].length > 0) {
                int lowest = Integer.MAX_VALUE;
                for (int e : outEdges[v]) {
                    lowest = Math.min(lowest, layerOf[layoutTo(e)]);
                }
                layerOf[v] = lowest - 1;
            }
        }
        return layerOf;
    }

    // ---------------------------------------------------------------- 3. dummies

    private void buildLayeredGraph(int[] realLayers) {
        int m = graph.edgeCount();
        IntList layers = new IntList();
        for (int layerOfV : realLayers) {
            layers.add(layerOfV);
        }
        IntList tops = new IntList();
        IntList bottoms = new IntList();
        chainSegments = new int[m][];
        for (int e = 0; e < m; e++) {
            if (selfLoop[e]) {
                chainSegments[e] = new int[0];
                continue;
            }
            int a = layoutFrom(e);
            int b = layoutTo(e);
            int span = realLayers[b] - realLayers[a];
            int[] segs = new int[span];
            int prev = a;
            for (int k = 1; k < span; k++) {
                int dummy = layers.size();
                layers.add(realLayers[a] + k);
                segs[k - 1] = tops.size();
                tops.add(prev);
                bottoms.add(dummy);
                prev = dummy;
            }
            segs[span - 1] = tops.size();
            tops.add(prev);
            bottoms.add(b);
            chainSegments[e] = segs;
        }
        layer = layers.toArray();
        vertexCount = layer.length;
        segTop = tops.toArray();
        segBottom = bottoms.toArray();
        segmentCount = segTop.length;
        outSegs = edgesBy(segTop, vertexCount, segmentCount);
        inSegs = edgesBy(segBottom, vertexCount, segmentCount);
        int maxLayer = 0;
        for (int l : layer) {
            maxLayer = Math.max(maxLayer, l);
        }
        layerCount = vertexCount == 0 ? 0 : maxLayer + 1;
    }

    /** For each vertex, the ids of items whose {@code key[item]} is that vertex, in item order. */
    private static int[][] edgesBy(int[] key, int vertices, int items) {
        int[] count = new int[vertices];
        for (int i = 0; i < items; i++) {
            count[key[i]]++;
        }
        int[][] out = new int[vertices][];
        for (int v = 0; v < vertices; v++) {
            out[v] = new int[count[v]];
            count[v] = 0;
        }
        for (int i = 0; i < items; i++) {
            out[key[i]][count[key[i]]++] = i;
        }
        return out;
    }

    // ---------------------------------------------------------------- sizes

    private void measure() {
        breadthSize = new double[vertexCount];
        depthSize = new double[vertexCount];
        width = new double[realCount];
        height = new double[realCount];
        text = new String[realCount];
        fontSize = new double[realCount];
        for (int v = 0; v < realCount; v++) {
            VizNode node = graph.nodes.get(v);
            if (node.kind() == VizNode.Kind.FUNCTION) {
                fontSize[v] = FUNCTION_FONT;
                text[v] = TextMetrics.fit(node.label(), FUNCTION_FONT, BOX_MAX_TEXT);
                width[v] = Math.max(BOX_MIN_WIDTH, Math.ceil(TextMetrics.width(text[v], FUNCTION_FONT)) + 2 * BOX_PAD);
                height[v] = BOX_HEIGHT;
            } else {
                fontSize[v] = DATA_FONT;
                text[v] = TextMetrics.fit(node.label(), DATA_FONT, CIRCLE_MAX_TEXT);
                double textWidth = TextMetrics.width(text[v], DATA_FONT);
                // The circle must hold a text box textWidth wide and about one line high.
                double diameter = Math.hypot(textWidth, DATA_FONT + 2) + 8;
                width[v] = Math.max(CIRCLE_MIN, Math.ceil(diameter));
                height[v] = width[v];
            }
            boolean tb = rankdir == Rankdir.TB;
            breadthSize[v] = tb ? width[v] : height[v];
            depthSize[v] = tb ? height[v] : width[v];
        }
    }

    // ---------------------------------------------------------------- 4. order

    private void orderLayers() {
        pos = new int[vertexCount];
        IntList[] lists = new IntList[layerCount];
        for (int l = 0; l < layerCount; l++) {
            lists[l] = new IntList();
        }
        // Depth-first pre-order from the sources keeps each chain's vertices in matching slots.
        boolean[] seen = new boolean[vertexCount];
        int[] stack = new int[Math.max(1, segmentCount + vertexCount)];
        for (int root = 0; root < vertexCount; root++) {
            if (seen[root] || root >= realCount || inSegs[root].length > 0) {
                continue;
            }
            int depth = 0;
            stack[depth++] = root;
            while (depth > 0) {
                int v = stack[--depth];
                if (seen[v]) {
                    continue;
                }
                seen[v] = true;
                lists[layer[v]].add(v);
                for (int i = outSegs[v].length - 1; i >= 0; i--) {
                    int w = segBottom[outSegs[v][i]];
                    if (!seen[w]) {
                        stack[depth++] = w;
                    }
                }
            }
        }
        for (int v = 0; v < vertexCount; v++) { // only reached if something was unreachable
            if (!seen[v]) {
                lists[layer[v]].add(v);
            }
        }
        order = new int[layerCount][];
        for (int l = 0; l < layerCount; l++) {
            order[l] = lists[l].toArray();
            refreshPositions(l);
        }

        int[][] segsByLayer = segmentsByTopLayer();
        long best = crossings(segsByLayer);
        int[][] bestOrder = deepCopy(order);
        int stale = 0;
        for (int pass = 0; pass < MAX_ORDER_PASSES && best > 0 && stale < ORDER_PATIENCE; pass++) {
            boolean down = pass % 2 == 0;
            if (down) {
                for (int l = 1; l < layerCount; l++) {
                    sortByBarycenter(l, true);
                }
            } else {
                for (int l = layerCount - 2; l >= 0; l--) {
                    sortByBarycenter(l, false);
                }
            }
            long c = crossings(segsByLayer);
            if (c < best) {
                best = c;
                bestOrder = deepCopy(order);
                stale = 0;
            } else {
                stale++;
            }
        }
        order = bestOrder;
        crossings = best;
        for (int l = 0; l < layerCount; l++) {
            refreshPositions(l);
        }
    }

    private void refreshPositions(int l) {
        for (int i = 0; i < order[l].length; i++) {
            pos[order[l][i]] = i;
        }
    }

    /** Re-sorts layer l by the mean position of each vertex's neighbours above (or below). */
    private void sortByBarycenter(int l, boolean fromAbove) {
        int[] vs = order[l];
        double[] key = new double[vs.length];
        Integer[] idx = new Integer[vs.length];
        for (int i = 0; i < vs.length; i++) {
            int v = vs[i];
            int[] segs = fromAbove ? inSegs[v] : outSegs[v];
            if (segs.length == 0) {
                key[i] = i; // no neighbours on that side: stay put
            } else {
                double sum = 0;
                for (int s : segs) {
                    sum += pos[fromAbove ? segTop[s] : segBottom[s]];
                }
                key[i] = sum / segs.length;
            }
            idx[i] = i;
        }
        Arrays.sort(idx, (p, q) -> {
            int c = Double.compare(key[p], key[q]);
            return c != 0 ? c : Integer.compare(p, q);
        });
        int[] sorted = new int[vs.length];
        for (int i = 0; i < vs.length; i++) {
            sorted[i] = vs[idx[i]];
        }
        order[l] = sorted;
        refreshPositions(l);
    }

    private int[][] segmentsByTopLayer() {
        int[] key = new int[segmentCount];
        for (int s = 0; s < segmentCount; s++) {
            key[s] = layer[segTop[s]];
        }
        return edgesBy(key, layerCount, segmentCount);
    }

    /** Exact number of segment crossings in the current order. */
    private long crossings(int[][] segsByLayer) {
        long total = 0;
        for (int l = 0; l + 1 < layerCount; l++) {
            int[] segs = segsByLayer[l];
            long[] keys = new long[segs.length];
            for (int i = 0; i < segs.length; i++) {
                keys[i] = ((long) pos[segTop[segs[i]]] << 32) | pos[segBottom[segs[i]]];
            }
            Arrays.sort(keys);
            // Two segments cross when their tops are ordered one way and bottoms the other:
            // count, for each segment, earlier ones whose bottom lies strictly to the right.
            int size = order[l + 1].length;
            int[] fenwick = new int[size + 1];
            for (int i = 0; i < keys.length; i++) {
                int bottom = (int) (keys[i] & 0xffffffffL);
                int atOrLeft = 0;
                for (int j = bottom + 1; j > 0; j -= j & -j) {
                    atOrLeft += fenwick[j];
                }
                total += i - atOrLeft;
                for (int j = bottom + 1; j <= size; j += j & -j) {
                    fenwick[j]++;
                }
            }
        }
        return total;
    }

    private static int[][] deepCopy(int[][] a) {
        int[][] copy = new int[a.length][];
        for (int i = 0; i < a.length; i++) {
            copy[i] = a[i].clone();
        }
        return copy;
    }

    // ---------------------------------------------------------------- 5. coordinates

    private void placeBreadth() {
        x = new double[vertexCount];
        for (int l = 0; l < layerCount; l++) {
            double[] gaps = gaps(l);
            double at = 0;
            for (int i = 0; i < order[l].length; i++) {
                at += i == 0 ? 0 : gaps[i];
                x[order[l][i]] = at;
            }
            double shift = at / 2;
            for (int v : order[l]) {
                x[v] -= shift;
            }
        }
        for (int round = 0; round < PLACEMENT_ROUNDS; round++) {
            for (int l = 1; l < layerCount; l++) {
                placeLayer(l, true, false);
            }
            for (int l = layerCount - 2; l >= 0; l--) {
                placeLayer(l, false, true);
            }
        }
        for (int l = 1; l < layerCount; l++) {
            placeLayer(l, true, false);
        }
    }

    /** Least centre distances between consecutive vertices of layer l ({@code [0]} unused). */
    private double[] gaps(int l) {
        int[] vs = order[l];
        double[] gaps = new double[vs.length];
        for (int i = 1; i < vs.length; i++) {
            gaps[i] = gapBetween(vs[i - 1], vs[i]);
        }
        return gaps;
    }

    /** Least centre distance when v comes right after u in a layer. */
    private double gapBetween(int u, int v) {
        boolean bothReal = u < realCount && v < realCount;
        double gap = (breadthSize[u] + breadthSize[v]) / 2 + (bothReal ? NODE_GAP : DUMMY_GAP);
        if (u < realCount && hasLoop[u]) {
            gap += LOOP_SIZE;
        }
        return gap;
    }

    private void placeLayer(int l, boolean useAbove, boolean useBelow) {
        int[] vs = order[l];
        if (vs.length == 0) {
            return;
        }
        double[] target = new double[vs.length];
        double[] weight = new double[vs.length];
        boolean[] free = new boolean[vs.length];
        int firstAnchored = -1;
        for (int i = 0; i < vs.length; i++) {
            int v = vs[i];
            double sum = 0;
            int count = 0;
            if (useAbove) {
                for (int s : inSegs[v]) {
                    sum += x[segTop[s]];
                    count++;
                }
            }
            if (useBelow) {
                for (int s : outSegs[v]) {
                    sum += x[segBottom[s]];
                    count++;
                }
            }
            if (count == 0) {
                free[i] = true;
                target[i] = x[v];
                weight[i] = 1e-3; // free to move aside for others
            } else {
                target[i] = sum / count;
                weight[i] = v >= realCount ? 2 : 1; // keep long edges straight
                if (firstAnchored < 0) {
                    firstAnchored = i;
                }
            }
        }
        // Nothing pulls a free node (an isolated node, a source during a down sweep): keep it
        // packed beside the nearest pulled one, so it does not stay stranded where it started.
        if (firstAnchored >= 0) {
            for (int i = firstAnchored - 1; i >= 0; i--) {
                target[i] = target[i + 1] - gapBetween(vs[i], vs[i + 1]);
            }
            for (int i = firstAnchored + 1; i < vs.length; i++) {
                if (free[i]) {
                    target[i] = target[i - 1] + gapBetween(vs[i - 1], vs[i]);
                }
            }
        }
        double[] placed = Isotonic.place(target, weight, gaps(l));
        for (int i = 0; i < vs.length; i++) {
            x[vs[i]] = placed[i];
        }
    }

    private void placeDepth() {
        double base = rankdir == Rankdir.TB ? RANK_GAP_TB : RANK_GAP_LR;
        // Edges that travel far sideways get a taller gap, so their curves stay readable
        // instead of running nearly flat along the band.
        double[] sideways = new double[layerCount];
        for (int s = 0; s < segmentCount; s++) {
            int l = layer[segTop[s]];
            sideways[l] = Math.max(sideways[l], Math.abs(x[segTop[s]] - x[segBottom[s]]));
        }
        bandStart = new double[layerCount];
        bandThickness = new double[layerCount];
        double at = 0;
        for (int l = 0; l < layerCount; l++) {
            double thick = 0;
            for (int v : order[l]) {
                thick = Math.max(thick, depthSize[v]);
            }
            bandStart[l] = at;
            bandThickness[l] = thick;
            double gap = Math.min(MAX_RANK_GAP_FACTOR * base, Math.max(base, sideways[l] * SIDEWAYS_GAP_RATIO));
            at += thick + Math.round(gap);
        }
    }

    private double depthCenter(int v) {
        return bandStart[layer[v]] + bandThickness[layer[v]] / 2;
    }

    // ---------------------------------------------------------------- 6. routes

    /** Breadth offsets from the vertex centre of each segment's two ends. */
    private double[][] ports() {
        double[] atTop = new double[segmentCount];
        double[] atBottom = new double[segmentCount];
        for (int v = 0; v < realCount; v++) {
            spread(v, outSegs[v], segBottom, atTop);
            spread(v, inSegs[v], segTop, atBottom);
        }
        return new double[][] {atTop, atBottom};
    }

    private void spread(int v, int[] segs, int[] otherEnd, double[] into) {
        int k = segs.length;
        if (k < 2) {
            return;
        }
        Integer[] sorted = new Integer[k];
        for (int i = 0; i < k; i++) {
            sorted[i] = segs[i];
        }
        Arrays.sort(sorted, (p, q) -> {
            int c = Double.compare(x[otherEnd[p]], x[otherEnd[q]]);
            return c != 0 ? c : Integer.compare(p, q);
        });
        double span = Math.min(0.7 * breadthSize[v], PORT_SPACING * (k - 1));
        for (int i = 0; i < k; i++) {
            into[sorted[i]] = -span / 2 + span * i / (k - 1);
        }
    }

    /** Depth at which a line at breadth offset {@code offset} meets v's outline, below or above. */
    private double outline(int v, double offset, boolean below) {
        double half = depthSize[v] / 2;
        double reach = half;
        if (graph.nodes.get(v).kind() == VizNode.Kind.DATA) {
            reach = Math.sqrt(Math.max(0, half * half - offset * offset));
        }
        return depthCenter(v) + (below ? reach : -reach);
    }

    private List<double[]> routes() {
        double[][] ports = ports();
        double[] atTop = ports[0];
        double[] atBottom = ports[1];
        List<double[]> out = new ArrayList<>(graph.edgeCount());
        for (int e = 0; e < graph.edgeCount(); e++) {
            if (selfLoop[e]) {
                out.add(loop(graph.from[e]));
                continue;
            }
            PathBuilder path = new PathBuilder();
            int[] segs = chainSegments[e];
            int first = segTop[segs[0]];
            double pb = x[first] + atTop[segs[0]];
            double pd = outline(first, atTop[segs[0]], true);
            path.start(pb, pd);
            // Leave the source's band straight: a node smaller than its band must not send a
            // slanted curve through a bigger neighbour's lower half.
            double firstBandEnd = bandStart[layer[first]] + bandThickness[layer[first]];
            if (pd < firstBandEnd) {
                path.line(pb, pd, pb, firstBandEnd);
                pd = firstBandEnd;
            }
            for (int s : segs) {
                int v = segBottom[s];
                if (v >= realCount) {
                    double top = bandStart[layer[v]];
                    double bottom = top + bandThickness[layer[v]];
                    path.curve(pb, pd, x[v], top);
                    if (bottom > top) {
                        path.line(x[v], top, x[v], bottom);
                    }
                    pb = x[v];
                    pd = bottom;
                } else {
                    double qb = x[v] + atBottom[s];
                    double qd = outline(v, atBottom[s], false);
                    double top = bandStart[layer[v]];
                    path.curve(pb, pd, qb, Math.min(top, qd));
                    if (qd > top) {
                        path.line(qb, top, qb, qd); // enter the band straight, as above
                    }
                    pb = qb;
                    pd = qd;
                }
            }
            double[] points = path.toArray();
            out.add(reversed[e] ? reversePath(points) : points);
        }
        return out;
    }

    private double[] loop(int v) {
        double halfB = breadthSize[v] / 2;
        double halfD = depthSize[v] / 2;
        double dc = depthCenter(v);
        double side = halfB;
        if (graph.nodes.get(v).kind() == VizNode.Kind.DATA) {
            side = Math.sqrt(halfB * halfB - (halfD / 2) * (halfD / 2));
        }
        double b0 = x[v] + side;
        double far = x[v] + halfB + LOOP_SIZE - 4;
        return new double[] {b0, dc - halfD / 2, far, dc - halfD - 4, far, dc + halfD + 4, b0, dc + halfD / 2};
    }

    /** The same curve traversed the other way: point pairs in reverse order. */
    private static double[] reversePath(double[] p) {
        double[] r = new double[p.length];
        for (int i = 0; i < p.length; i += 2) {
            r[p.length - 2 - i] = p[i];
            r[p.length - 1 - i] = p[i + 1];
        }
        return r;
    }

    /** Collects a start point and cubic segments in (breadth, depth) coordinates. */
    private static final class PathBuilder {
        private final List<Double> points = new ArrayList<>();

        void start(double b, double d) {
            points.add(b);
            points.add(d);
        }

        /** An S-curve leaving and arriving along the depth axis. */
        void curve(double b0, double d0, double b1, double d1) {
            double mid = (d0 + d1) / 2;
            add(b0, mid, b1, mid, b1, d1);
        }

        void line(double b0, double d0, double b1, double d1) {
            add(b0 + (b1 - b0) / 3, d0 + (d1 - d0) / 3, b0 + 2 * (b1 - b0) / 3, d0 + 2 * (d1 - d0) / 3, b1, d1);
        }

        private void add(double... coords) {
            for (double c : coords) {
                points.add(c);
            }
        }

        double[] toArray() {
            double[] out = new double[points.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = points.get(i);
            }
            return out;
        }
    }

    // ---------------------------------------------------------------- output

    private Drawing toDrawing() {
        boolean tb = rankdir == Rankdir.TB;
        List<double[]> routes = routes();
        double minX = Double.POSITIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        double[] cx = new double[realCount];
        double[] cy = new double[realCount];
        for (int v = 0; v < realCount; v++) {
            cx[v] = tb ? x[v] : depthCenter(v);
            cy[v] = tb ? depthCenter(v) : x[v];
            minX = Math.min(minX, cx[v] - width[v] / 2);
            maxX = Math.max(maxX, cx[v] + width[v] / 2);
            minY = Math.min(minY, cy[v] - height[v] / 2);
            maxY = Math.max(maxY, cy[v] + height[v] / 2);
        }
        for (double[] r : routes) {
            if (!tb) {
                for (int i = 0; i < r.length; i += 2) {
                    double t = r[i];
                    r[i] = r[i + 1];
                    r[i + 1] = t;
                }
            }
            for (int i = 0; i < r.length; i += 2) {
                minX = Math.min(minX, r[i]);
                maxX = Math.max(maxX, r[i]);
                minY = Math.min(minY, r[i + 1]);
                maxY = Math.max(maxY, r[i + 1]);
            }
        }
        if (realCount == 0) {
            minX = minY = maxX = maxY = 0;
        }
        double dx = MARGIN - minX;
        double dy = MARGIN - minY;
        List<Drawing.Shape> shapes = new ArrayList<>(realCount);
        for (int v = 0; v < realCount; v++) {
            shapes.add(new Drawing.Shape(
                    graph.nodes.get(v), cx[v] + dx, cy[v] + dy, width[v], height[v], text[v], fontSize[v]));
        }
        List<Drawing.Route> drawn = new ArrayList<>(routes.size());
        for (int e = 0; e < routes.size(); e++) {
            double[] r = routes.get(e);
            for (int i = 0; i < r.length; i += 2) {
                r[i] += dx;
                r[i + 1] += dy;
            }
            drawn.add(new Drawing.Route(graph.edges.get(e), r));
        }
        return new Drawing(
                maxX - minX + 2 * MARGIN,
                maxY - minY + 2 * MARGIN,
                rankdir,
                List.copyOf(shapes),
                List.copyOf(drawn),
                crossings);
    }

    /** A growable int array; avoids boxing in the hot paths above. */
    private static final class IntList {
        private int[] items = new int[16];
        private int size;

        void add(int v) {
            if (size == items.length) {
                items = Arrays.copyOf(items, size * 2);
            }
            items[size++] = v;
        }

        int size() {
            return size;
        }

        int[] toArray() {
            return Arrays.copyOf(items, size);
        }
    }
}
