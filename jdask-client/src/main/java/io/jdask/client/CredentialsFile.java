package io.jdask.client;

import io.jdask.Security;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A local cluster's credentials on disk for its worker processes: a file of mode 0600 in a new directory of mode
 * 0700, so the key never appears on a command line (where {@code ps} shows it to every user) and only this user can
 * read it. Deleted with the cluster.
 */
final class CredentialsFile {
    private final Path directory;
    private final Path file;

    private CredentialsFile(Path directory, Path file) {
        this.directory = directory;
        this.file = file;
    }

    static CredentialsFile write(Security security) {
        try {
            Path dir = Files.createTempDirectory(
                    "jdask-credentials-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path file = dir.resolve("cluster.jdask");
            security.write(file);
            return new CredentialsFile(dir, file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the cluster's credentials for its worker processes", e);
        }
    }

    Path path() {
        return file;
    }

    /** Removes the file and its directory; safe to call more than once. */
    void delete() {
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the credentials file " + file, e);
        }
    }
}
