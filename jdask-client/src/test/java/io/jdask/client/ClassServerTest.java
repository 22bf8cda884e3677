package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.protocol.Serializer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * What the class server ships of a notebook's variables. JShell keeps a cell's variables in static fields of a
 * wrapper class whose name contains {@code $JShell$}; the nested class below has such a name, so the server treats it
 * as one.
 */
class ClassServerTest {
    @SuppressWarnings("unused") // read reflectively by the class server
    static final class Cell$JShell$Vars {
        static int offset = 10;
        static String label = "run-1";
        static List<?> sizes = List.of(1, 2, 3);
        static Object future = CompletableFuture.completedFuture(1);
        static List<Object> futures = List.of(1, CompletableFuture.completedFuture(2));
        static Map<String, Object> byName = Map.of("f", CompletableFuture.completedFuture(3));
        static Object executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "never-started"));
    }

    private final Serializer serializer = Serializer.create();

    @Test
    void plainValuesShipAndJvmLocalHandlesStayBehind() {
        ClassServer server = new ClassServer();
        ClassServer.Answer answer = server.find(Cell$JShell$Vars.class.getName(), serializer);

        assertThat(answer.bytes()).isNotNull();
        assertThat(answer.staticState()).containsOnlyKeys("offset", "label", "sizes");
        assertThat(serializer.deserialize(
                        answer.staticState().get("offset"), getClass().getClassLoader()))
                .isEqualTo(10);
        assertThat(serializer.deserialize(
                        answer.staticState().get("sizes"), getClass().getClassLoader()))
                .isEqualTo(List.of(1, 2, 3));
    }

    @Test
    void anAssignedVariableShipsAgainUnlessItNowHoldsAHandle() {
        ClassServer server = new ClassServer();
        server.find(Cell$JShell$Vars.class.getName(), serializer);
        assertThat(server.changedStaticState(serializer)).isEmpty();

        int before = Cell$JShell$Vars.offset;
        List<?> sizesBefore = Cell$JShell$Vars.sizes;
        try {
            Cell$JShell$Vars.offset = 11;
            Cell$JShell$Vars.sizes = List.of(CompletableFuture.completedFuture(4));
            assertThat(server.changedStaticState(serializer))
                    .containsOnlyKeys(Cell$JShell$Vars.class.getName())
                    .extractingByKey(Cell$JShell$Vars.class.getName())
                    .satisfies(changed -> assertThat(changed).containsOnlyKeys("offset"));
            // Nothing changed since: nothing to send, and the handle is not tried again.
            assertThat(server.changedStaticState(serializer)).isEmpty();
        } finally {
            Cell$JShell$Vars.offset = before;
            Cell$JShell$Vars.sizes = sizesBefore;
        }
    }

    @Test
    void shippableLooksIntoNestedContainers() {
        Object f = CompletableFuture.completedFuture(0);
        assertThat(ClassServer.shippable(List.of(List.of(f)), 0)).isFalse();
        assertThat(ClassServer.shippable(new Object[] {"a", f}, 0)).isFalse();
        assertThat(ClassServer.shippable(Map.of("k", List.of(1, 2)), 0)).isTrue();
        assertThat(ClassServer.shippable(new double[] {1, 2}, 0)).isTrue();
        assertThat(ClassServer.shippable(Thread.currentThread(), 0)).isFalse();
    }
}
