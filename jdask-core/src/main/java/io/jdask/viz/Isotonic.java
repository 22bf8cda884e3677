package io.jdask.viz;

/**
 * Places the nodes of one layer as close as possible to where their neighbours pull them,
 * keeping their order and a minimum distance between neighbours.
 *
 * <p>Design note: with {@code gap[i]} the least distance between node {@code i-1} and node
 * {@code i}, substituting {@code y[i] = x[i] - offset[i]} (offset = running sum of gaps) turns
 * "minimise the weighted squared distance to the targets subject to the gaps" into plain
 * isotonic regression of {@code target[i] - offset[i]}, which the pool-adjacent-violators
 * algorithm solves exactly in linear time. The result is the best placement for that layer,
 * with no overlap by construction, and it is deterministic.
 */
final class Isotonic {

    private Isotonic() {}

    /**
     * @param target where each node would like its centre, in layer order
     * @param weight how strongly each node pulls (all {@code > 0})
     * @param gap    {@code gap[i]} = least centre distance between node {@code i-1} and {@code i}; {@code gap[0]} ignored
     * @return centres satisfying every gap, minimising {@code sum weight*(x - target)^2}
     */
    static double[] place(double[] target, double[] weight, double[] gap) {
        int n = target.length;
        double[] offset = new double[n];
        for (int i = 1; i < n; i++) {
            offset[i] = offset[i - 1] + gap[i];
        }
        // Blocks of pooled values: mean, total weight, and the index one past their last member.
        double[] mean = new double[n];
        double[] mass = new double[n];
        int[] end = new int[n];
        int blocks = 0;
        for (int i = 0; i < n; i++) {
            mean[blocks] = target[i] - offset[i];
            mass[blocks] = weight[i];
            end[blocks] = i + 1;
            blocks++;
            while (blocks > 1 && mean[blocks - 2] > mean[blocks - 1]) {
                double m = mass[blocks - 2] + mass[blocks - 1];
                mean[blocks - 2] = (mean[blocks - 2] * mass[blocks - 2] + mean[blocks - 1] * mass[blocks - 1]) / m;
                mass[blocks - 2] = m;
                end[blocks - 2] = end[blocks - 1];
                blocks--;
            }
        }
        double[] x = new double[n];
        int start = 0;
        for (int b = 0; b < blocks; b++) {
            for (int i = start; i < end[b]; i++) {
                x[i] = mean[b] + offset[i];
            }
            start = end[b];
        }
        return x;
    }
}
