package io.jdask.protocol;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A test-only message family exercising every component kind the codec supports. It is a
 * separate sealed root (the codec works for any), so production {@link Message} stays clean.
 */
sealed interface TestMessage permits TestMessage.Everything, TestMessage.Drawing, TestMessage.Empty {
    enum Color {
        RED,
        GREEN,
        BLUE
    }

    record Inner(String label, int count, Color color) {}

    sealed interface Shape permits Circle, Square {}

    record Circle(double radius) implements Shape {}

    record Square(double side) implements Shape {}

    record Everything(
            String text,
            long big,
            int small,
            double real,
            boolean flag,
            byte[] bytes,
            double[] doubles,
            List<String> names,
            Set<Long> ids,
            Map<String, Inner> byName,
            Inner inner,
            Color color,
            String missing,
            Integer boxed,
            List<Inner> inners)
            implements TestMessage {}

    record Drawing(List<Shape> shapes, Shape main) implements TestMessage {}

    record Empty() implements TestMessage {}
}
