package io.jdask.viz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DotOutputTest {

    @Test
    void everyNodeAndEdgeAppearsWithItsShapeAndTheRankdir() {
        for (Rankdir dir : Rankdir.values()) {
            GraphPicture p = SampleGraphs.incIncAdd().rankdir(dir).build();
            Dot dot = Dot.parse(p.dot());
            assertThat(dot.graphAttrs).containsEntry("rankdir", dir.name());
            assertThat(dot.nodes.keySet())
                    .containsExactlyElementsOf(
                            p.nodes().stream().map(VizNode::id).toList());
            for (VizNode n : p.nodes()) {
                Map<String, String> attrs = dot.nodes.get(n.id());
                assertThat(attrs)
                        .containsEntry("label", n.label())
                        .containsEntry("shape", n.kind() == VizNode.Kind.FUNCTION ? "box" : "circle");
            }
            assertThat(dot.nodes.get("add-3").get("style")).contains("rounded");
            assertThat(dot.edges).containsExactlyElementsOf(p.edges());
        }
    }

    @Test
    void quotesBackslashesAndLineBreaksAreEscaped() {
        String id = "('x', \"0\") \\ end\\";
        String label = "say \"hi\"\\n\nnext {[;]} -> <b>";
        GraphPicture p = GraphPicture.builder()
                .function(id, label, "tip \"q\"")
                .data("y", "")
                .edge(id, "y")
                .build();
        Dot dot = Dot.parse(p.dot()); // throws if a string was left unterminated
        assertThat(dot.nodes).containsKeys(id, "y");
        assertThat(dot.nodes.get(id)).containsEntry("label", label).containsEntry("tooltip", "tip \"q\"");
        assertThat(dot.edges).containsExactly(new VizEdge(id, "y"));
    }

    @Test
    void tooltipDefaultsToTheId() {
        Dot dot = Dot.parse(GraphPicture.builder().data("k-1", "k").build().dot());
        assertThat(dot.nodes.get("k-1")).containsEntry("tooltip", "k-1");
    }

    /**
     * A strict parser for the DOT subset the writer emits; strings are unescaped the way Graphviz
     * reads escString ({@code \"}, {@code \\}, {@code \n}).
     */
    static final class Dot {
        final Map<String, String> graphAttrs = new LinkedHashMap<>();
        final Map<String, Map<String, String>> nodes = new LinkedHashMap<>();
        final List<VizEdge> edges = new ArrayList<>();
        private final List<String> tokens = new ArrayList<>();
        private final List<Boolean> quoted = new ArrayList<>();
        private int at;

        static Dot parse(String text) {
            Dot d = new Dot();
            d.lex(text);
            d.graph();
            return d;
        }

        private void lex(String s) {
            int i = 0;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (Character.isWhitespace(c)) {
                    i++;
                } else if (c == '"') {
                    StringBuilder b = new StringBuilder();
                    i++;
                    while (true) {
                        if (i >= s.length()) {
                            throw new AssertionError("unterminated string in DOT");
                        }
                        char d = s.charAt(i);
                        if (d == '"') {
                            i++;
                            break;
                        }
                        if (d == '\n' || d == '\r') {
                            throw new AssertionError("raw line break inside a DOT string");
                        }
                        if (d == '\\' && i + 1 < s.length()) {
                            char e = s.charAt(i + 1);
                            b.append(
                                    switch (e) {
                                        case 'n' -> '\n';
                                        default -> e;
                                    });
                            i += 2;
                        } else {
                            b.append(d);
                            i++;
                        }
                    }
                    add(b.toString(), true);
                } else if (s.startsWith("->", i)) {
                    add("->", false);
                    i += 2;
                } else if ("{}[]=;,".indexOf(c) >= 0) {
                    add(String.valueOf(c), false);
                    i++;
                } else {
                    int j = i;
                    while (j < s.length()
                            && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_' || s.charAt(j) == '.')) {
                        j++;
                    }
                    if (j == i) {
                        throw new AssertionError("unexpected character '" + c + "' in DOT at " + i);
                    }
                    add(s.substring(i, j), false);
                    i = j;
                }
            }
        }

        private void add(String token, boolean isQuoted) {
            tokens.add(token);
            quoted.add(isQuoted);
        }

        private void graph() {
            expect("digraph");
            id();
            expect("{");
            while (!peekSymbol("}")) {
                statement();
            }
            expect("}");
            assertThat(at).as("tokens after the closing brace").isEqualTo(tokens.size());
        }

        private void statement() {
            if (!quoted.get(at) && List.of("graph", "node", "edge").contains(tokens.get(at))) {
                String kind = tokens.get(at++);
                Map<String, String> attrs = attrs();
                if (kind.equals("graph")) {
                    graphAttrs.putAll(attrs);
                }
            } else {
                String a = id();
                if (peekSymbol("->")) {
                    at++;
                    edges.add(new VizEdge(a, id()));
                } else {
                    assertThat(nodes.put(a, attrs()))
                            .as("node %s declared twice", a)
                            .isNull();
                }
            }
            expect(";");
        }

        private Map<String, String> attrs() {
            Map<String, String> out = new LinkedHashMap<>();
            expect("[");
            while (!peekSymbol("]")) {
                String key = id();
                expect("=");
                out.put(key, id());
                if (peekSymbol(",")) {
                    at++;
                }
            }
            expect("]");
            return out;
        }

        private String id() {
            String t = tokens.get(at);
            if (!quoted.get(at) && "{}[]=;,->".contains(t)) {
                throw new AssertionError("expected an ID at token " + at + " but found " + t);
            }
            at++;
            return t;
        }

        private boolean peekSymbol(String s) {
            return at < tokens.size() && !quoted.get(at) && tokens.get(at).equals(s);
        }

        private void expect(String s) {
            if (!peekSymbol(s)
                    && !(at < tokens.size() && !quoted.get(at) && tokens.get(at).equals(s))) {
                throw new AssertionError("expected " + s + " at token " + at + " but found "
                        + (at < tokens.size() ? tokens.get(at) : "end of input"));
            }
            at++;
        }
    }
}
