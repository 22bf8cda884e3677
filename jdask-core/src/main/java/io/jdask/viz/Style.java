package io.jdask.viz;

import java.awt.Color;

/** Colours and shape constants shared by the SVG and PNG writers, so both draw the same picture. */
final class Style {

    static final String BACKGROUND = "#ffffff";
    static final String EDGE = "#4a5568";
    static final String OUTLINE = "#2d3748";
    static final String FUNCTION_FILL = "#e6efff";
    static final String DATA_FILL = "#fff8e1";
    static final String TEXT = "#1a202c";
    /** Corner radius of function boxes. */
    static final double CORNER = 8;

    static final double STROKE = 1.2;
    /** Arrowhead length and half-width in pixels (matches the SVG marker: 9 px, viewBox 10x10). */
    static final double ARROW_LENGTH = 9;

    static final double ARROW_HALF_WIDTH = 4.5;

    private Style() {}

    static Color awt(String hex) {
        return new Color(Integer.parseInt(hex.substring(1), 16));
    }
}
