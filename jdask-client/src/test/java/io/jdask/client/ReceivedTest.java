package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.RemoteException;
import io.jdask.protocol.Serializer;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The one rule by which futures and actor calls rebuild a remote exception and throw it. */
class ReceivedTest {
    private final Serializer serializer = Serializer.create();
    private final ClassLoader loader = getClass().getClassLoader();

    @Test
    void anExceptionIsRebuiltFromItsBytes() {
        byte[] bytes = serializer.serialize(new IOException("disk full"));
        Throwable t = Received.exception(serializer, bytes, loader, "java.io.IOException", "disk full", "tb", "k-1");
        assertThat(t).isInstanceOf(IOException.class).hasMessage("disk full");
    }

    @Test
    void withoutUsableBytesARemoteExceptionStandsInWithTypeMessageAndTraceback() {
        for (byte[] bytes : new byte[][] {null, {1, 2, 3}, serializer.serialize("not an exception")}) {
            Throwable t = Received.exception(serializer, bytes, loader, "x.Missing", "boom", "at x.Missing.run", "k-1");
            assertThat(t).isInstanceOf(RemoteException.class).hasMessageContaining("boom");
            assertThat(((RemoteException) t).remoteType()).isEqualTo("x.Missing");
            assertThat(((RemoteException) t).remoteTraceback()).isEqualTo("at x.Missing.run");
        }
    }

    @Test
    void runtimeExceptionsAreThrownAsThemselvesAndCheckedOnesAsTheCallerWraps() {
        IllegalArgumentException runtime = new IllegalArgumentException("bad");
        assertThat(Received.toThrow(runtime, e -> new IllegalStateException("wrapped", e)))
                .isSameAs(runtime);
        IOException checked = new IOException("disk full");
        assertThat(Received.toThrow(checked, e -> new IllegalStateException("wrapped", e)))
                .isInstanceOf(IllegalStateException.class)
                .hasCause(checked);
    }

    @Test
    void aTasksOwnErrorIsThrownButOneOfTheRemoteJvmIsWrapped() {
        AssertionError own = new AssertionError("expected 2");
        assertThatThrownBy(() -> Received.toThrow(own, e -> new IllegalStateException("wrapped", e)))
                .isSameAs(own);
        OutOfMemoryError remoteJvm = new OutOfMemoryError("Java heap space");
        assertThat(Received.toThrow(remoteJvm, e -> new IllegalStateException("wrapped", e)))
                .isInstanceOf(IllegalStateException.class)
                .hasCause(remoteJvm);
    }
}
