package io.jdask;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/*
 * Design note. A statistical profile is a call tree whose nodes count samples: every few milliseconds each
 * worker looks at the stack of every thread that runs a task and adds one to each frame on it (Dask's
 * distributed.profile does the same with Python frames). The tree is immutable; Builder merges stacks and other
 * trees into a mutable twin and freezes it. Children are sorted hottest first (ties by name) so that the text
 * and the picture are deterministic for the same samples.
 *
 * The root is a synthetic frame "all"; on workers its children are function names (the prefixes of task keys),
 * then the task's own frames, outermost first. Frames are "Class.method": lines are left out so that samples in
 * different lines of one method add up, which is what a flame graph wants.
 *
 * Rendering: text() is an indented outline of the hottest paths; svg() an icicle picture (a flame graph drawn
 * top-down: the root spans the width, callees below their callers, widths proportional to samples); html() wraps
 * the SVG so that a notebook's display(...) shows it. No JavaScript: hovering a box shows its <title>.
 */
/**
 * A statistical profile of tasks: a call tree with sample counts, as returned by {@code client.profile()}.
 *
 * <p>{@link #toString()} prints the hottest paths as an indented tree; {@link #html()} is a flame-graph-like
 * picture for a notebook ({@code display(profile.html())}); {@link #save(Path)} writes either to a file.
 *
 * {@snippet :
 * Profile p = client.profile();
 * System.out.println(p);                       // all 1200 samples, then per function, hottest first
 * p.save(Path.of("profile.html"));             // open it in a browser
 * boolean spins = p.contains("Work.spin");     // did any sample land in Work.spin?
 * }
 */
public final class Profile {
    /** The name of the synthetic root frame. */
    public static final String ROOT = "all";

    private static final Comparator<Profile> HOTTEST_FIRST =
            Comparator.comparingLong((Profile p) -> p.count).reversed().thenComparing(p -> p.frame);

    private final String frame;
    private final long count;
    /** Hottest first; unmodifiable. */
    private final List<Profile> children;

    private Profile(String frame, long count, List<Profile> children) {
        this.frame = frame;
        this.count = count;
        this.children = children;
    }

    /**
     * A node of a call tree: {@code frame} was on the stack in {@code count} samples, {@code children} are the frames
     * it called (their counts should not add up to more than {@code count}).
     *
     * @throws IllegalArgumentException if {@code count} is negative
     */
    public static Profile of(String frame, long count, List<Profile> children) {
        Objects.requireNonNull(frame, "frame");
        if (count < 0) {
            throw new IllegalArgumentException("a sample count cannot be negative, got " + count + " for " + frame);
        }
        List<Profile> sorted = new ArrayList<>(children);
        sorted.sort(HOTTEST_FIRST);
        return new Profile(frame, count, List.copyOf(sorted));
    }

    /** A profile without samples. */
    public static Profile empty() {
        return new Profile(ROOT, 0, List.of());
    }

    /** A builder that merges stacks and profiles. */
    public static Builder builder() {
        return new Builder();
    }

    /** This node's frame: {@code Class.method}, a function name, or {@link #ROOT}. */
    public String frame() {
        return frame;
    }

    /** Samples in which this frame was on the stack (its own and its callees'). */
    public long count() {
        return count;
    }

    /** Samples in which this frame was the innermost one seen (count minus the children's counts). */
    public long selfCount() {
        long c = count;
        for (Profile p : children) {
            c -= p.count;
        }
        return Math.max(0, c);
    }

    /** The frames this one called, hottest first. */
    public List<Profile> children() {
        return children;
    }

    /** The number of samples in the whole profile (the root's count). */
    public long samples() {
        return count;
    }

    /** Whether any frame of the tree contains {@code text} (e.g. a class or method name). */
    public boolean contains(String text) {
        return count(text) > 0 || frame.contains(text);
    }

    /**
     * Samples that passed through a frame containing {@code text}, counting each sample once even when the frame
     * is on its stack several times (recursion).
     */
    public long count(String text) {
        if (frame.contains(text)) {
            return count;
        }
        long n = 0;
        for (Profile c : children) {
            n += c.count(text);
        }
        return n;
    }

    /**
     * The samples taken since {@code earlier}, a profile of the same cluster taken before this one. Workers count
     * samples from the moment they start, so {@code after.since(before)} is what ran in between: every path's
     * count minus its count in {@code earlier} (never below zero: a worker that restarted in between starts again
     * from zero), and paths left with no samples are dropped.
     */
    public Profile since(Profile earlier) {
        Objects.requireNonNull(earlier, "earlier");
        return subtract(this, earlier);
    }

    private static Profile subtract(Profile now, Profile before) {
        long n = now.count - (before == null ? 0 : before.count);
        if (n < 0) {
            n = now.count; // restarted worker: its counts began again
            before = null;
        }
        List<Profile> kids = new ArrayList<>();
        for (Profile c : now.children) {
            Profile b = null;
            if (before != null) {
                for (Profile bc : before.children) {
                    if (bc.frame.equals(c.frame)) {
                        b = bc;
                        break;
                    }
                }
            }
            Profile d = subtract(c, b);
            if (d.count > 0) {
                kids.add(d);
            }
        }
        kids.sort(HOTTEST_FIRST);
        return new Profile(now.frame, n, List.copyOf(kids));
    }

    /** This profile merged with another: counts of the same paths add up. */
    public Profile merge(Profile other) {
        return builder().add(this).add(other).build();
    }

    // ------------------------------------------------------------------ text

    /** The hottest paths as an indented tree: at most 40 levels, frames with at least 1% of the samples. */
    @Override
    public String toString() {
        return text(40, 0.01);
    }

    /**
     * The tree as indented text, one frame a line with its share of the samples: {@code maxDepth} levels at most,
     * frames with less than {@code minFraction} of the root's samples left out (their count shows as "...").
     */
    public String text(int maxDepth, double minFraction) {
        var sb = new StringBuilder();
        long min = (long) Math.ceil(count * minFraction);
        appendText(sb, 0, maxDepth, Math.max(1, min), count);
        return sb.toString();
    }

    private void appendText(StringBuilder sb, int depth, int maxDepth, long min, long total) {
        sb.append("  ".repeat(depth)).append(frame).append("  ").append(count);
        if (depth == 0) {
            sb.append(count == 1 ? " sample" : " samples");
        } else if (total > 0) {
            sb.append(String.format(Locale.ROOT, " (%.1f%%)", 100.0 * count / total));
        }
        sb.append('\n');
        if (depth + 1 >= maxDepth) {
            if (!children.isEmpty()) {
                sb.append("  ".repeat(depth + 1)).append("...\n");
            }
            return;
        }
        long hidden = 0;
        for (Profile c : children) {
            if (c.count >= min) {
                c.appendText(sb, depth + 1, maxDepth, min, total);
            } else {
                hidden += c.count;
            }
        }
        if (hidden > 0) {
            sb.append("  ".repeat(depth + 1)).append("... ").append(hidden).append(" in smaller frames\n");
        }
    }

    // ------------------------------------------------------------------ picture

    private static final int WIDTH = 1200;
    private static final int ROW = 18;
    /** Boxes narrower than this many pixels are not drawn (their samples still count in their callers). */
    private static final double MIN_BOX = 0.5;

    /**
     * The profile as an icicle picture (a flame graph with the root on top): one box per frame, as wide as its
     * share of the samples, its callees below it; hover a box for its frame and counts.
     */
    public String svg() {
        int depth = depth();
        int height = Math.max(1, depth) * ROW + 4;
        var sb = new StringBuilder();
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(WIDTH)
                .append("\" height=\"")
                .append(height)
                .append("\" viewBox=\"0 0 ")
                .append(WIDTH)
                .append(' ')
                .append(height)
                .append("\" font-family=\"monospace\" font-size=\"11\">\n");
        if (count > 0) {
            appendBoxes(sb, 0, 0, WIDTH, (double) WIDTH / count);
        } else {
            sb.append("<text x=\"4\" y=\"14\">no samples</text>\n");
        }
        sb.append("</svg>");
        return sb.toString();
    }

    private void appendBoxes(StringBuilder sb, int level, double x, double width, double pxPerSample) {
        if (width < MIN_BOX) {
            return;
        }
        double y = level * ROW;
        String fill = colour(frame);
        sb.append("<g><title>")
                .append(escape(frame))
                .append(": ")
                .append(count)
                .append(" samples (")
                .append(String.format(Locale.ROOT, "%.1f%%", 100.0 * count * pxPerSample / WIDTH))
                .append(")</title>")
                .append(String.format(
                        Locale.ROOT,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\" stroke=\"white\" stroke-width=\"0.5\"/>",
                        x,
                        y,
                        width,
                        ROW - 1,
                        fill));
        int chars = (int) ((width - 6) / 6.7);
        if (chars >= 3) {
            String label = frame.length() <= chars ? frame : frame.substring(0, chars - 2) + "..";
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\">", x + 3, y + ROW - 5))
                    .append(escape(label))
                    .append("</text>");
        }
        sb.append("</g>\n");
        double cx = x;
        for (Profile c : children) {
            double w = c.count * pxPerSample;
            c.appendBoxes(sb, level + 1, cx, w, pxPerSample);
            cx += w;
        }
    }

    /** The picture in a {@code <div>}, for notebooks ({@code display(profile.html())}) and web pages. */
    public String html() {
        return "<div class=\"jdask-profile\"><div style=\"font:12px monospace\">profile: " + count + " samples"
                + "</div>\n" + svg() + "\n</div>";
    }

    /**
     * Writes the profile: {@code .html} (a page with the picture and the text), {@code .svg}, or anything else as
     * text. Returns this profile.
     */
    public Profile save(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        String content;
        if (name.endsWith(".html") || name.endsWith(".htm")) {
            content = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>jdask profile</title></head><body>\n"
                    + html() + "\n<pre>" + escape(toString()) + "</pre>\n</body></html>\n";
        } else if (name.endsWith(".svg")) {
            content = svg();
        } else {
            content = toString();
        }
        try {
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the profile to " + file + ": " + e.getMessage(), e);
        }
        return this;
    }

    /** Levels of the tree (1 for a lone root). */
    public int depth() {
        int d = 0;
        for (Profile c : children) {
            d = Math.max(d, c.depth());
        }
        return d + 1;
    }

    /** A warm colour chosen from the frame's name, so one method keeps its colour across pictures. */
    private static String colour(String frame) {
        int h = frame.hashCode();
        int r = 205 + Math.floorMod(h, 50);
        int g = 80 + Math.floorMod(h >>> 8, 140);
        int b = 40 + Math.floorMod(h >>> 16, 50);
        return String.format(Locale.ROOT, "#%02x%02x%02x", r, g, b);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Profile p && p.count == count && p.frame.equals(frame) && p.children.equals(children);
    }

    @Override
    public int hashCode() {
        return Objects.hash(frame, count, children);
    }

    // ------------------------------------------------------------------ builder

    /**
     * Collects samples into a call tree. Not thread-safe. A node cap bounds memory: once the tree holds
     * {@code maxNodes} frames, samples still count, but new frames are cut off at the deepest existing one.
     */
    public static final class Builder {
        private final Node root = new Node(ROOT);
        private int nodes = 1;
        private int maxNodes = 100_000;

        private Builder() {}

        /** At most this many frames in the tree (default 100,000). */
        public Builder maxNodes(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxNodes must be at least 1, got " + n);
            }
            this.maxNodes = n;
            return this;
        }

        /** Adds {@code count} samples of one stack, given outermost frame first (below the root). */
        public Builder add(List<String> stack, long count) {
            if (count < 0) {
                throw new IllegalArgumentException("a sample count cannot be negative, got " + count);
            }
            Node n = root;
            n.count += count;
            for (String frame : stack) {
                Node c = n.children.get(frame);
                if (c == null) {
                    if (nodes >= maxNodes) {
                        break;
                    }
                    c = new Node(frame);
                    n.children.put(frame, c);
                    nodes++;
                }
                c.count += count;
                n = c;
            }
            return this;
        }

        /** Adds every sample of a profile (its root matches this builder's root, whatever its name). */
        public Builder add(Profile profile) {
            root.count += profile.count;
            for (Profile c : profile.children) {
                merge(root, c);
            }
            return this;
        }

        private void merge(Node parent, Profile p) {
            Node n = parent.children.get(p.frame);
            if (n == null) {
                if (nodes >= maxNodes) {
                    return;
                }
                n = new Node(p.frame);
                parent.children.put(p.frame, n);
                nodes++;
            }
            n.count += p.count;
            for (Profile c : p.children) {
                merge(n, c);
            }
        }

        /** Frames in the tree so far, the root included. */
        public int nodeCount() {
            return nodes;
        }

        /** The samples so far (the root's count). */
        public long samples() {
            return root.count;
        }

        /** The immutable tree of everything added so far; the builder can go on collecting. */
        public Profile build() {
            return root.freeze();
        }

        private static final class Node {
            final String frame;
            long count;
            final Map<String, Node> children = new LinkedHashMap<>();

            Node(String frame) {
                this.frame = frame;
            }

            Profile freeze() {
                List<Profile> cs = new ArrayList<>(children.size());
                for (Node c : children.values()) {
                    cs.add(c.freeze());
                }
                cs.sort(HOTTEST_FIRST);
                return new Profile(frame, count, List.copyOf(cs));
            }
        }
    }
}
