package io.jdask.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.protocol.ClientResources;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.Serializer;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which class names a worker never asks a client for (each ask is a round trip through the scheduler), and how it asks
 * for resources.
 */
class ClientClassLoaderTest {
    @Test
    void resourcesTheWorkerLacksComeFromTheClientOncePerNameParentFirst() throws Exception {
        List<String> asked = new ArrayList<>();
        Map<String, List<byte[]>> client = Map.of(
                "app/greeting.properties", List.of(bytes("greeting=hi")),
                "META-INF/services/app.Greeter", List.of(bytes("app.English"), bytes("app.French")));
        CodeLoaders[] loaders = new CodeLoaders[1];
        loaders[0] = new CodeLoaders(
                ClientClassLoaderTest.class.getClassLoader(),
                Serializer.shared(),
                f -> {
                    asked.add(f.className());
                    List<byte[]> copies = client.get(
                            ClientResources.isResource(f.className()) ? ClientResources.name(f.className()) : "");
                    loaders[0].onClassBytes(new SchedulerMsg.ClassBytes(
                            f.requestId(),
                            f.clientId(),
                            f.className(),
                            copies == null ? null : ClientResources.pack(copies),
                            Map.of()));
                },
                Duration.ofSeconds(5));
        try (CodeLoaders code = loaders[0]) {
            ClassLoader l = code.forClient("client-1");
            assertThat(read(l.getResource("app/greeting.properties"))).isEqualTo("greeting=hi");
            assertThat(read(l.getResource("app/greeting.properties"))).isEqualTo("greeting=hi");
            List<String> services = new ArrayList<>();
            for (URL u : Collections.list(l.getResources("META-INF/services/app.Greeter"))) services.add(read(u));
            assertThat(services).containsExactly("app.English", "app.French");
            assertThat(l.getResource("app/absent.txt")).isNull();
            assertThat(l.getResource("app/absent.txt")).isNull();
            // On the worker's own class path: the parent answers, the client is not asked.
            assertThat(l.getResource("logback-test.xml")).isNotNull();
            // In the worker's own packages: never asked.
            assertThat(l.getResource("io/jdask/nothing-here.txt")).isNull();
            assertThat(asked)
                    .containsExactly("/app/greeting.properties", "/META-INF/services/app.Greeter", "/app/absent.txt");
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String read(URL url) throws Exception {
        try (InputStream in = url.openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void namesASerializerProbesWhileCompilingForACellClassAreNotAskedFor() {
        // Seen on workers running a notebook's tasks: Fory's generated classes and Janino resolving names.
        for (String probe : new String[] {
            "REPL._JShell_16_PointForyRefCodec_0",
            "REPL._JShell_16_PointForyRefCodecCompatible9_0",
            "REPL.$JShell$16$Point_ForyNativeSerializer",
            "shipped.Point_ForyNativeSerializer",
            "org.apache.fory.builder.Generated.GeneratedObjectSerializer",
            "org.apache.fory.serializer.CodegenSerializer.LazyInitBeanSerializer",
            "REPL.Object",
            "shipped.Object",
            "shipped.Override",
            "shipped.Class",
            "com.acme.String",
            "shipped.org",
            "com.acme.java",
            "REPL.Override",
            "REPL.$JShell$16.Point",
            "Object",
            "String",
            "org",
            "org.apache",
            "java.lang.org",
            "java.lang$org",
            "java$lang$org",
            "io.jdask.Fn1",
        }) {
            assertThat(ClientClassLoader.neverFromAClient(probe)).as(probe).isTrue();
        }
    }

    @Test
    void aClientsOwnClassesAreAskedFor() {
        for (String name : new String[] {
            "REPL.$Cancel$",
            "REPL.$JShell$16",
            "REPL.$JShell$16$Point",
            "REPL.$JShell$7$Fib$1",
            "shipped.Geometry",
            "Main",
            "com.example.Forge",
            "organic.Food",
            "iox.Thing",
            "com.acme.Process",
            "com.acme.Record",
            "com.acme.Org",
        }) {
            assertThat(ClientClassLoader.neverFromAClient(name)).as(name).isFalse();
        }
    }
}
