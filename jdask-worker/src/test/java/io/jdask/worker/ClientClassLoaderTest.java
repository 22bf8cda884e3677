package io.jdask.worker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which class names a worker never asks a client for (each ask is a round trip through the scheduler). */
class ClientClassLoaderTest {
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
        }) {
            assertThat(ClientClassLoader.neverFromAClient(name)).as(name).isFalse();
        }
    }
}
