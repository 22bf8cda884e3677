package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.Security;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The credentials file: written private, read back, and every way it can be wrong refused with the fix. */
class SecurityTest {
    @TempDir
    Path dir;

    @Test
    void writtenWithMode0600AndReadBackTheSame() throws Exception {
        Security s = Security.temporary();
        Path file = dir.resolve("c.jdask");
        s.write(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        String text = Files.readString(file);
        assertThat(text).startsWith(Security.HEADER + "\n").contains("-----BEGIN PRIVATE KEY-----");
        Security back = Security.load(file);
        assertThat(back.caCertificatePem()).isEqualTo(s.caCertificatePem());
        assertThat(back.certificatePem()).isEqualTo(s.certificatePem());
        assertThat(back.privateKeyPem()).isEqualTo(s.privateKeyPem());
        assertThat(back.toString()).contains(file.toString()).doesNotContain("PRIVATE");
    }

    @Test
    void anExistingFileIsNeverOverwritten() throws Exception {
        Path file = dir.resolve("c.jdask");
        Files.writeString(file, "keep me");
        assertThatThrownBy(() -> Security.temporary().write(file))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("exists already");
        assertThat(Files.readString(file)).isEqualTo("keep me");
    }

    @Test
    void aFileOthersCanReadIsRefused() throws Exception {
        Path file = dir.resolve("c.jdask");
        Security.temporary().write(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        assertThatThrownBy(() -> Security.load(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chmod 600 " + file);
    }

    @Test
    void wrongContentIsRefusedSayingWhat() {
        Security a = Security.temporary();
        Security b = Security.temporary();
        assertThatThrownBy(() -> Security.parse("hello\n" + a.caCertificatePem(), "x"))
                .hasMessageContaining("not a jdask credentials file")
                .hasMessageContaining("jdask security init");
        assertThatThrownBy(() -> Security.parse(
                        Security.HEADER + "\n" + a.certificatePem() + a.privateKeyPem() + a.caCertificatePem(), "x"))
                .hasMessageContaining("in that order");
        assertThatThrownBy(() -> Security.of(a.caCertificatePem(), b.certificatePem(), b.privateKeyPem(), "x"))
                .hasMessageContaining("not signed by the CA");
        assertThatThrownBy(() -> Security.of(a.caCertificatePem(), a.certificatePem(), b.privateKeyPem(), "x"))
                .hasMessageContaining("private key does not belong to the certificate");
    }

    @Test
    void aMissingFileNamesTheCommandThatMakesOne() {
        Path file = dir.resolve("missing.jdask");
        assertThatThrownBy(() -> Security.load(file)).hasMessageContaining("jdask security init " + file);
    }
}
