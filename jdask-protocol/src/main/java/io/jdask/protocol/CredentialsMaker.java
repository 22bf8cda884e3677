package io.jdask.protocol;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Makes a new cluster: a certificate authority and one credential signed by it, which scheduler, workers and clients
 * all use (each side checks only that the other holds a credential of this CA). Keys are ECDSA on P-256 (fast
 * handshakes); Bouncy Castle builds the certificates, the JDK makes keys and signatures. The CA's private key is
 * thrown away once the credential is signed: nobody, not even the holder of the file, can make further credentials
 * of this cluster, so making a new cluster (and handing its file out again) is the way to revoke.
 */
public final class CredentialsMaker {
    private CredentialsMaker() {}

    /** A made credential as PEM texts: the CA's certificate, the credential's certificate, its PKCS#8 private key. */
    public record Pem(String caCertificate, String certificate, String privateKey) {}

    /** Certificates valid from an hour ago (clocks of a cluster's machines differ) for {@code validity}. */
    public static Pem newCluster(Duration validity) {
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("validity must be positive, was " + validity);
        }
        SecureRandom random = new SecureRandom();
        String id = HexFormat.of().formatHex(bytes(random, 6));
        Instant from = Instant.now().minus(Duration.ofHours(1));
        Instant until = Instant.now().plus(validity);
        try {
            KeyPair caKeys = ecKeys(random);
            X500Name caName = new X500Name("CN=jdask cluster CA " + id);
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder ca = new JcaX509v3CertificateBuilder(
                            caName, serial(random), Date.from(from), Date.from(until), caName, caKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(
                            Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(caKeys.getPublic()));
            X509Certificate caCert = sign(ca, caKeys);

            KeyPair memberKeys = ecKeys(random);
            X509v3CertificateBuilder member = new JcaX509v3CertificateBuilder(
                            caCert,
                            serial(random),
                            Date.from(from),
                            Date.from(until),
                            new X500Name("CN=jdask cluster member " + id),
                            memberKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(
                            Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                        KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                    }))
                    .addExtension(
                            Extension.subjectKeyIdentifier,
                            false,
                            ext.createSubjectKeyIdentifier(memberKeys.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
            X509Certificate memberCert = sign(member, caKeys);
            return new Pem(
                    pem(new JcaMiscPEMGenerator(caCert)),
                    pem(new JcaMiscPEMGenerator(memberCert)),
                    pem(new JcaPKCS8Generator(memberKeys.getPrivate(), null)));
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("could not make the cluster's certificates: " + e, e);
        }
    }

    private static KeyPair ecKeys(SecureRandom random) throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), random);
        return g.generateKeyPair();
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair issuer)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate())));
    }

    private static BigInteger serial(SecureRandom random) {
        return new BigInteger(1, bytes(random, 16));
    }

    private static byte[] bytes(SecureRandom random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static String pem(org.bouncycastle.util.io.pem.PemObjectGenerator object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(object);
        }
        return out.toString();
    }
}
