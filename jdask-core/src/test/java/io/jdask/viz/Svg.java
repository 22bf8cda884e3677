package io.jdask.viz;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/** Parses SVG output with the JDK's XML parser (a malformed document fails the test here). */
final class Svg {

    static final String NS = "http://www.w3.org/2000/svg";

    final Element root;

    private Svg(Element root) {
        this.root = root;
    }

    static Svg parse(String svg) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            var builder = f.newDocumentBuilder();
            builder.setErrorHandler(null);
            Document doc = builder.parse(new InputSource(new StringReader(svg)));
            return new Svg(doc.getDocumentElement());
        } catch (Exception e) {
            throw new AssertionError("SVG does not parse as XML: " + e.getMessage(), e);
        }
    }

    /** All elements named {@code name} in the SVG namespace, in document order. */
    List<Element> all(String name) {
        return elements(root.getElementsByTagNameNS(NS, name));
    }

    /** Node groups by their id attribute, in document order. */
    Map<String, Element> nodeGroups() {
        Map<String, Element> out = new LinkedHashMap<>();
        for (Element g : all("g")) {
            String cls = g.getAttribute("class");
            if (cls.startsWith("node ")) {
                if (out.put(g.getAttribute("id"), g) != null) {
                    throw new AssertionError("two node groups with id " + g.getAttribute("id"));
                }
            }
        }
        return out;
    }

    List<Element> edgePaths() {
        return all("path").stream()
                .filter(p -> p.getAttribute("class").equals("edge"))
                .toList();
    }

    static List<Element> children(Element parent) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                out.add(e);
            }
        }
        return out;
    }

    static Element child(Element parent, String localName) {
        return children(parent).stream()
                .filter(e -> e.getLocalName().equals(localName))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no <" + localName + "> in " + parent.getAttribute("id")));
    }

    static double num(Element e, String attribute) {
        return Double.parseDouble(e.getAttribute(attribute));
    }

    private static List<Element> elements(NodeList list) {
        List<Element> out = new ArrayList<>(list.getLength());
        for (int i = 0; i < list.getLength(); i++) {
            out.add((Element) list.item(i));
        }
        return out;
    }
}
