package io.jdask.viz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class IsotonicTest {

    @Test
    void twoNodesWantingTheSameSpotSplitByWeight() {
        assertThat(Isotonic.place(new double[] {0, 0}, new double[] {1, 1}, new double[] {0, 10}))
                .containsExactly(new double[] {-5, 5}, within(1e-9));
        assertThat(Isotonic.place(new double[] {0, 0}, new double[] {3, 1}, new double[] {0, 10}))
                .containsExactly(new double[] {-2.5, 7.5}, within(1e-9));
    }

    @Test
    void feasibleTargetsAreKept() {
        assertThat(Isotonic.place(
                        new double[] {0, 50, 51, 200}, new double[] {1, 1, 1, 1}, new double[] {0, 10, 1, 10}))
                .containsExactly(new double[] {0, 50, 51, 200}, within(1e-9));
    }

    @Test
    void resultKeepsGapsAndNoSingleMoveImprovesIt() {
        LayeredLayoutTest.trials(300, seed -> keepsGapsAndIsOptimal(1 + new Random(seed).nextInt(12), seed));
    }

    private static void keepsGapsAndIsOptimal(int n, long seed) {
        Random rnd = new Random(seed);
        double[] target = new double[n];
        double[] weight = new double[n];
        double[] gap = new double[n];
        for (int i = 0; i < n; i++) {
            target[i] = rnd.nextDouble() * 100;
            weight[i] = 0.01 + rnd.nextDouble() * 3;
            gap[i] = rnd.nextDouble() * 30;
        }
        double[] x = Isotonic.place(target, weight, gap);
        for (int i = 1; i < n; i++) {
            assertThat(x[i] - x[i - 1]).isGreaterThanOrEqualTo(gap[i] - 1e-9);
        }
        // Optimality (convex problem): shifting any run of consecutive nodes a little, where
        // that keeps every gap, never lowers the cost.
        double best = cost(x, target, weight);
        for (int from = 0; from < n; from++) {
            for (int to = from; to < n; to++) {
                for (double delta : new double[] {-1e-3, 1e-3}) {
                    double[] y = x.clone();
                    for (int i = from; i <= to; i++) {
                        y[i] += delta;
                    }
                    if (feasible(y, gap)) {
                        assertThat(cost(y, target, weight)).isGreaterThanOrEqualTo(best - 1e-9);
                    }
                }
            }
        }
    }

    private static double cost(double[] x, double[] t, double[] w) {
        double c = 0;
        for (int i = 0; i < x.length; i++) {
            c += w[i] * (x[i] - t[i]) * (x[i] - t[i]);
        }
        return c;
    }

    private static boolean feasible(double[] x, double[] gap) {
        for (int i = 1; i < x.length; i++) {
            if (x[i] - x[i - 1] < gap[i] - 1e-12) {
                return false;
            }
        }
        return true;
    }
}
