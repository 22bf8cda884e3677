package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.Fn0;
import io.jdask.Fn1;
import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.CoordOp;
import io.jdask.protocol.DataMsg;
import io.jdask.protocol.GraphMessage;
import io.jdask.protocol.Serializer;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of payload made by {@link Shipping} registers the classes a worker will ask this client for, and the
 * messages that carry such payloads are the ones the session sends notebook state ahead of.
 *
 * <p>The user's classes here are compiled at run time into a loader of their own, as a notebook's are: the class
 * server finds them only if the payload registered that loader.
 */
class ShippingTest {
    @TempDir
    static Path dir;

    /** A loader holding {@code cell.Point}, a serializable record, and nothing else of its own. */
    static ClassLoader cellLoader;

    @BeforeAll
    static void compileACell() throws Exception {
        Path src = dir.resolve("src/cell/Point.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, "package cell; public record Point(int x, int y) implements java.io.Serializable {}");
        Path out = Files.createDirectories(dir.resolve("classes"));
        assertThat(ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", out.toString(), src.toString()))
                .isZero();
        cellLoader = new URLClassLoader(new URL[] {out.toUri().toURL()}, ShippingTest.class.getClassLoader());
    }

    static Object point() throws Exception {
        return Class.forName("cell.Point", true, cellLoader)
                .getConstructor(int.class, int.class)
                .newInstance(1, 2);
    }

    private final ClassServer classes = new ClassServer();
    private final Shipping shipping = new Shipping(classes, Serializer.create());

    private boolean served(String className) {
        return classes.find(className, Serializer.create()).bytes() != null;
    }

    @Test
    void aClassOnlyInTheCellsLoaderIsNotServedUntilAPayloadCarriesIt() {
        assertThat(served("cell.Point")).isFalse();
    }

    @Test
    void aTaskArgumentRegistersItsClass() throws Exception {
        shipping.task("k-1", (Fn1<Object, Object>) x -> x, new Object[] {point()});
        assertThat(served("cell.Point")).isTrue();
    }

    @Test
    void anActorCallsArgumentsRegisterTheirClasses() throws Exception {
        shipping.value(new Object[] {"label", point()});
        assertThat(served("cell.Point")).isTrue();
    }

    @Test
    void aScatteredValueRegistersItsClass() throws Exception {
        shipping.data(point());
        assertThat(served("cell.Point")).isTrue();
    }

    @Test
    void theUsersObjectInsideAJdaskFunctionRegistersItsClass() throws Exception {
        Object user = point();
        Fn0<Object> carrier = new Carrying(user);
        shipping.task("k-2", carrier, new Object[0]);
        assertThat(served("cell.Point")).isTrue();
    }

    /** Stands for {@code Actors.CreateActor} and the executor's wrappers: jdask's class around the user's object. */
    record Carrying(Object user) implements Fn0<Object>, Shipping.Carrier {
        @Override
        public Object apply() {
            return user;
        }

        @Override
        public Object carried() {
            return user;
        }
    }

    @Test
    void aFunctionThatCapturesNothingIsSerializedOnce() {
        Fn1<String, Integer> length = String::length;
        assertThat(shipping.function(length)).isSameAs(shipping.function(length));
        String suffix = "!";
        Fn1<String, String> capturing = s -> s + suffix;
        assertThat(shipping.function(capturing)).isNotSameAs(shipping.function(capturing));
    }

    @Test
    void requestsThatCarryUserCodeAreTheOnesNotebookStateGoesAheadOf() {
        assertThat(Shipping.carriesUserCode(new GraphMessage(ClientMsg.TaskOptions.NONE).build(List.of())))
                .isTrue();
        assertThat(Shipping.carriesUserCode(new ClientMsg.Coordinate(1, new CoordOp.QueuePut("q", new byte[1], null))))
                .isTrue();
        assertThat(Shipping.carriesUserCode(new ClientMsg.Coordinate(2, new CoordOp.VarSet("v", new byte[1], null))))
                .isTrue();
        assertThat(Shipping.carriesUserCode(new ClientMsg.Coordinate(3, new CoordOp.Publish("t", new byte[1]))))
                .isTrue();
        assertThat(Shipping.carriesUserCode(new DataMsg.ActorCall(4, "actor-1", new byte[1], null, List.of())))
                .isTrue();
        assertThat(Shipping.carriesUserCode(new DataMsg.PutData(5, Map.of()))).isTrue();

        // A future's key stored in a queue or variable is no user code; neither are control messages.
        assertThat(Shipping.carriesUserCode(new ClientMsg.Coordinate(6, new CoordOp.QueuePut("q", null, "k-1"))))
                .isFalse();
        assertThat(Shipping.carriesUserCode(new ClientMsg.Coordinate(7, new CoordOp.LockAcquire("l", "o", -1))))
                .isFalse();
        assertThat(Shipping.carriesUserCode(new ClientMsg.ReleaseKeys(List.of("k-1"))))
                .isFalse();
        assertThat(Shipping.carriesUserCode(new DataMsg.GetData(8, List.of("k-1"))))
                .isFalse();
    }
}
