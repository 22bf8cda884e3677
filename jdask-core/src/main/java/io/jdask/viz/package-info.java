/**
 * Pictures of task graphs, like Dask's {@code visualize()}, with no native program needed.
 *
 * <p>Public surface: the input description ({@link io.jdask.viz.VizNode}, {@link io.jdask.viz.VizEdge},
 * {@link io.jdask.viz.Rankdir}) and the result {@link io.jdask.viz.GraphPicture}, which renders SVG,
 * PNG and Graphviz DOT. Everything else is package-private:
 * <ul>
 *   <li>{@code VizGraph}: the validated, indexed input;</li>
 *   <li>{@code LayeredLayout}: the layered layout (cycle breaking, longest-path layers, dummy
 *       vertices, barycenter crossing reduction, placement by {@code Isotonic}, routing), which
 *       yields a {@code Drawing} in output coordinates;</li>
 *   <li>{@code SvgWriter}, {@code PngWriter} paint a {@code Drawing}; {@code DotWriter} writes the
 *       graph itself; {@code Style} and {@code TextMetrics} keep them consistent.</li>
 * </ul>
 * Naming: in the layout, <em>breadth</em> runs along a layer and <em>depth</em> across layers;
 * a <em>segment</em> joins adjacent layers; a <em>dummy</em> vertex carries a long edge through
 * a layer; a <em>band</em> is the strip of depth a layer occupies.
 */
package io.jdask.viz;
