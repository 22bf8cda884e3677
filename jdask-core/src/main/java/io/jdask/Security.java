package io.jdask;

import io.jdask.spi.Runtimes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A cluster's credentials: its certificate authority and one credential signed by it (certificate and private key).
 * With them every connection of the cluster (scheduler, worker data and actor ports, clients) runs mutual TLS, and
 * only holders of this cluster's credentials get in, as with Dask's {@code Security}.
 *
 * {@snippet :
 * // jdask security init cluster.jdask        (once; then copy the file to the cluster's machines)
 * Security security = Security.load(Path.of("cluster.jdask"));
 * Client client = Client.connect("tls://host:8786", security);
 * LocalCluster.builder().security(Security.temporary()).build();   // TLS on loopback too
 * }
 *
 * <h2>The file</h2>
 * Plain text, mode 0600 (readable by its owner only; {@link #load} refuses a file others can read): the line
 * {@value #HEADER}, comment lines starting with {@code #}, then three PEM blocks in this order: the cluster CA's
 * certificate, the credential's certificate, its PKCS#8 private key ({@code -----BEGIN PRIVATE KEY-----}). Tools such
 * as {@code openssl x509} read the blocks as they are. Whoever holds the file can join the cluster and run code on its
 * workers: treat it as a password. The CA's own key is not kept, so no further credentials of a cluster can be made;
 * to revoke, make a new cluster with {@code jdask security init} and hand the new file out.
 */
public final class Security {
    /** The first line of a credentials file (format version 1). */
    public static final String HEADER = "jdask-credentials 1";

    /** The environment variable naming a credentials file, read by {@link #fromEnvironment()}. */
    public static final String ENVIRONMENT_VARIABLE = "JDASK_SECURITY";

    private static final Pattern PEM =
            Pattern.compile("-----BEGIN ([A-Z ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

    private final String caCertificatePem;
    private final String certificatePem;
    private final String privateKeyPem;
    /** Where it came from, for messages: a path, or "temporary". */
    private final String origin;

    private Security(String caCertificatePem, String certificatePem, String privateKeyPem, String origin) {
        this.caCertificatePem = caCertificatePem;
        this.certificatePem = certificatePem;
        this.privateKeyPem = privateKeyPem;
        this.origin = origin;
    }

    /**
     * Reads a credentials file written by {@code jdask security init} (or {@link #write}).
     *
     * @throws IllegalArgumentException if the file is missing, readable by others than its owner, not in the format
     *     above, expired, or its parts do not belong together; the message says which and how to fix it
     */
    public static Security load(Path path) {
        Objects.requireNonNull(path, "path");
        String text;
        try {
            checkPrivate(path);
            text = Files.readString(path, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(
                    "no credentials file " + path + "; make one with `jdask security init " + path + "`");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the credentials file " + path + ": " + e, e);
        }
        return parse(text, path.toString());
    }

    /**
     * The credentials named by the setting {@code jdask.security} ({@value #ENVIRONMENT_VARIABLE}, {@code
     * -Djdask.security} or the settings file), or empty when it is not set.
     */
    public static Optional<Security> fromEnvironment() {
        Settings.Setting setting = Settings.current().setting(Settings.SECURITY);
        Path path = (Path) setting.value();
        if (path == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(load(path));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(setting.origin() + "=" + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * New credentials of a new cluster, in memory only, valid for a week: for a {@link LocalCluster} that should use
     * TLS on loopback as a real cluster would ({@code LocalCluster.builder().security(Security.temporary())}). Needs
     * the jdask client module on the class path.
     */
    public static Security temporary() {
        return Runtimes.get().temporarySecurity();
    }

    /**
     * Credentials from the three PEM texts (the CA's certificate, the credential's certificate, its PKCS#8 private
     * key), checked as {@link #load} checks a file. {@code origin} names them in messages.
     */
    public static Security of(String caCertificatePem, String certificatePem, String privateKeyPem, String origin) {
        Security s = new Security(
                Objects.requireNonNull(caCertificatePem, "caCertificatePem"),
                Objects.requireNonNull(certificatePem, "certificatePem"),
                Objects.requireNonNull(privateKeyPem, "privateKeyPem"),
                Objects.requireNonNull(origin, "origin"));
        s.check();
        return s;
    }

    /** Reads the file format (see the class comment); {@code origin} names the text in messages. */
    public static Security parse(String text, String origin) {
        String first = text.lines()
                .map(String::strip)
                .filter(l -> !l.isEmpty())
                .findFirst()
                .orElse("");
        if (!first.equals(HEADER)) {
            throw new IllegalArgumentException(origin + " is not a jdask credentials file (its first line should be '"
                    + HEADER + "'); make one with `jdask security init FILE`");
        }
        List<String> labels = new ArrayList<>();
        List<String> blocks = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            labels.add(m.group(1));
            blocks.add(m.group());
        }
        if (!labels.equals(List.of("CERTIFICATE", "CERTIFICATE", "PRIVATE KEY"))) {
            throw new IllegalArgumentException(origin + " should hold three PEM blocks: the CA's CERTIFICATE, this "
                    + "credential's CERTIFICATE and its PRIVATE KEY, in that order; it holds " + labels
                    + ". Make a new file with `jdask security init FILE`");
        }
        return of(blocks.get(0) + "\n", blocks.get(1) + "\n", blocks.get(2) + "\n", origin);
    }

    /** The file format of these credentials (see the class comment). */
    public String toFileText() {
        return HEADER + "\n"
                + "# A jdask cluster's credentials: the cluster CA's certificate, then this credential's certificate\n"
                + "# and private key. Whoever holds this file can join the cluster and run code on its workers:\n"
                + "# keep it private (mode 0600) and copy it only to the cluster's machines and users.\n"
                + caCertificatePem + certificatePem + privateKeyPem;
    }

    /**
     * Writes {@link #toFileText()} to a new file readable and writable by its owner only (mode 0600 from the start,
     * never wider, where the file system has POSIX permissions).
     *
     * @throws UncheckedIOException if the file exists already (nothing is overwritten) or cannot be written
     */
    public void write(Path path) {
        byte[] bytes = toFileText().getBytes(StandardCharsets.US_ASCII);
        try {
            if (Files.getFileAttributeView(absoluteParent(path), PosixFileAttributeView.class) != null) {
                Files.createFile(
                        path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(path);
            }
            Files.write(path, bytes, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (FileAlreadyExistsException e) {
            throw new UncheckedIOException(
                    new IOException(path + " exists already; credentials are never overwritten (delete it first)", e));
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException("cannot write credentials to " + path + ": " + e, e));
        }
    }

    /** The cluster CA's certificate (PEM): the only authority a member trusts. */
    public String caCertificatePem() {
        return caCertificatePem;
    }

    /** This credential's certificate (PEM), signed by the CA. */
    public String certificatePem() {
        return certificatePem;
    }

    /** This credential's private key (PEM, PKCS#8). */
    public String privateKeyPem() {
        return privateKeyPem;
    }

    /** Where these credentials came from: a file's path, or {@code temporary}. */
    public String origin() {
        return origin;
    }

    /** Names the origin, never the key. */
    @Override
    public String toString() {
        return "Security[" + origin + "]";
    }

    private static Path absoluteParent(Path path) {
        Path parent = path.toAbsolutePath().getParent();
        return parent != null ? parent : path.toAbsolutePath();
    }

    private static void checkPrivate(Path path) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        if (view == null || !Files.exists(path)) {
            return; // no POSIX permissions here (or missing: reading reports it)
        }
        Set<PosixFilePermission> perms = view.readAttributes().permissions();
        Set<PosixFilePermission> others = EnumSet.of(
                PosixFilePermission.GROUP_READ,
                PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.OTHERS_READ,
                PosixFilePermission.OTHERS_WRITE);
        others.retainAll(perms);
        if (!others.isEmpty()) {
            throw new IllegalArgumentException("the credentials file " + path + " is open to other users (mode "
                    + PosixFilePermissions.toString(perms) + "); whoever reads it can run code on the cluster. Run"
                    + " `chmod 600 " + path + "` (and make new credentials if others may have read it)");
        }
    }

    /** Checks that the parts parse, are in date, and belong together; a clear message otherwise. */
    private void check() {
        X509Certificate ca = certificate(caCertificatePem, "the CA certificate");
        X509Certificate own = certificate(certificatePem, "the credential's certificate");
        try {
            own.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    origin + ": the credential's certificate is not signed by the CA in the same file (" + e
                            + "); make new credentials with `jdask security init FILE`");
        }
        for (X509Certificate c : List.of(ca, own)) {
            try {
                c.checkValidity();
            } catch (CertificateExpiredException e) {
                throw new IllegalArgumentException(origin + ": a certificate expired on " + c.getNotAfter()
                        + "; make new credentials with `jdask security init FILE`");
            } catch (CertificateNotYetValidException e) {
                throw new IllegalArgumentException(origin + ": a certificate is valid only from " + c.getNotBefore()
                        + " on; is this machine's clock right?");
            }
        }
        PrivateKey key = privateKey();
        try {
            String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            byte[] probe = "jdask".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(own.getPublicKey());
            verifier.update(probe);
            if (!verifier.verify(signature)) {
                throw new IllegalArgumentException(origin + ": the private key does not belong to the certificate;"
                        + " make new credentials with `jdask security init FILE`");
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    origin + ": the private key does not fit the certificate (" + e + ")", e);
        }
    }

    private X509Certificate certificate(String pem, String what) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException(origin + ": " + what + " is not a readable X.509 certificate (" + e
                    + "); make new credentials with `jdask security init FILE`");
        }
    }

    private PrivateKey privateKey() {
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(privateKeyPem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(origin + ": the private key is not valid base64 PEM");
        }
        for (String algorithm : List.of("EC", "RSA")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException tryNext) {
                // not this algorithm
            }
        }
        throw new IllegalArgumentException(origin + ": the private key is not a PKCS#8 EC or RSA key;"
                + " make new credentials with `jdask security init FILE`");
    }
}
