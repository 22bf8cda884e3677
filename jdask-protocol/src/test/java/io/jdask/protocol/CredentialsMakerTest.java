package io.jdask.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The certificates of a new cluster, read back with the JDK alone. */
final class CredentialsMakerTest {
    @Test
    void makesACaAndAMemberCertificateSignedByItWithAMatchingKey() throws Exception {
        CredentialsMaker.Pem pem = CredentialsMaker.newCluster(Duration.ofDays(3));
        X509Certificate ca = certificate(pem.caCertificate());
        X509Certificate member = certificate(pem.certificate());

        assertThat(ca.getBasicConstraints()).as("the CA may sign").isGreaterThanOrEqualTo(0);
        assertThat(member.getBasicConstraints()).as("the member may not sign").isEqualTo(-1);
        ca.verify(ca.getPublicKey());
        member.verify(ca.getPublicKey());
        assertThat(member.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
        assertThat(member.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(member.getNotAfter().toInstant())
                .isBetween(
                        Instant.now().plus(Duration.ofDays(3)).minusSeconds(600),
                        Instant.now().plus(Duration.ofDays(3)));
        member.checkValidity();

        assertThat(pem.privateKey()).startsWith("-----BEGIN PRIVATE KEY-----");
        PrivateKey key = privateKey(pem.privateKey());
        byte[] data = "jdask".getBytes(StandardCharsets.UTF_8);
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(key);
        signer.update(data);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(member.getPublicKey());
        verifier.update(data);
        assertThat(verifier.verify(signature))
                .as("the key belongs to the member certificate")
                .isTrue();
    }

    @Test
    void twoClustersHaveDifferentCas() throws Exception {
        X509Certificate a =
                certificate(CredentialsMaker.newCluster(Duration.ofDays(1)).caCertificate());
        CredentialsMaker.Pem b = CredentialsMaker.newCluster(Duration.ofDays(1));
        X509Certificate bMember = certificate(b.certificate());
        assertThatThrownBy(() -> bMember.verify(a.getPublicKey())).isInstanceOf(java.security.SignatureException.class);
    }

    @Test
    void unusablePemIsRefusedNamingTheFix() {
        CredentialsMaker.Pem pem = CredentialsMaker.newCluster(Duration.ofDays(1));
        assertThatThrownBy(() -> Tls.fromPem(pem.caCertificate(), pem.certificate(), "not a key"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jdask security init");
    }

    static X509Certificate certificate(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    static PrivateKey privateKey(String pem) throws Exception {
        String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("EC")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }
}
