package io.jdask.worker;

import io.jdask.protocol.Serialized;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where a worker's spilled values live: one file per value in a directory of its own, created under the local
 * directory ({@code --local-directory}, else the system's temporary directory) on the first spill and removed with
 * everything in it when the worker closes. (A process that is killed cannot remove it; its nanny gives each worker
 * process a local directory of its own and removes that when the process ends.)
 *
 * <p>A file holds a value's serialized bytes exactly; the format tag and length stay in memory in its {@link Spilled}
 * handle. Writing and reading go through a {@link FileChannel} straight from and into the value's own array: no
 * buffer in between and no copy beyond the kernel's. Files are named by a counter, since keys may hold any character.
 * Thread-safe: each file is written once, by one thread, before its handle is published.
 */
public final class SpillFiles implements AutoCloseable {
    /** Where the worker's directory is made. */
    private final Path parent;
    /** The directory's name before its random part. */
    private final String prefix;
    /** The worker's directory, made on the first spill (a worker that never spills leaves no trace); guarded by this. */
    private Path directory;

    private boolean closed;
    private final AtomicLong next = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final AtomicLong bytesRead = new AtomicLong();

    private SpillFiles(Path parent, String prefix) {
        this.parent = parent;
        this.prefix = prefix;
    }

    /**
     * The spill files of a worker, in a directory of its own made on the first spill under {@code localDirectory}
     * (made too if missing), or under the system's temporary directory when it is null.
     */
    static SpillFiles under(Path localDirectory, String workerName) {
        Path parent = localDirectory != null ? localDirectory : Path.of(System.getProperty("java.io.tmpdir"));
        return new SpillFiles(parent, "jdask-worker-" + workerName.replaceAll("[^A-Za-z0-9._-]", "_") + "-");
    }

    /** The worker's directory, made now if needed. */
    synchronized Path directory() throws IOException {
        if (closed) throw new IOException("the worker is closing; its spill directory is gone");
        if (directory == null) {
            try {
                Files.createDirectories(parent);
                directory = Files.createTempDirectory(parent, prefix);
            } catch (IOException e) {
                throw new IOException(
                        "cannot create a spill directory under " + parent
                                + " (set --local-directory to a writable directory): " + e,
                        e);
            }
        }
        return directory;
    }

    /** The directory if made, else where it will be made (for messages). */
    synchronized String where() {
        return directory != null ? directory.toString() : parent.toString();
    }

    /** Total bytes written to spill files so far. */
    long bytesWritten() {
        return bytesWritten.get();
    }

    /** Total bytes read back from spill files so far. */
    long bytesRead() {
        return bytesRead.get();
    }

    /**
     * Writes a value's bytes to a new file.
     *
     * @throws IOException when the file cannot be written (a full disk, a removed directory); nothing is left behind
     */
    Spilled write(String key, Serialized value) throws IOException {
        Path file = directory().resolve(next.incrementAndGet() + ".bin");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(value.bytes());
            while (buf.hasRemaining()) ch.write(buf);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        bytesWritten.addAndGet(value.bytes().length);
        return new Spilled(this, key, file, value.format(), value.bytes().length);
    }

    private Serialized read(Spilled s) throws IOException {
        byte[] bytes = new byte[s.length];
        try (FileChannel ch = FileChannel.open(s.file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                if (ch.read(buf) < 0) {
                    throw new IOException("the file ends after " + buf.position() + " of " + s.length + " bytes");
                }
            }
        }
        bytesRead.addAndGet(s.length);
        return new Serialized(s.format, bytes);
    }

    /** Removes the directory and every file in it; errors are ignored (the files are of no use to anyone). */
    @Override
    public void close() {
        Path directory;
        synchronized (this) {
            closed = true;
            directory = this.directory;
        }
        if (directory == null) return;
        deleteTree(directory);
    }

    /**
     * Removes a directory and everything in it, ignoring errors: what a worker does with its spill directory when it
     * closes, and what its nanny does with the local directory it gave a worker process that died without closing.
     */
    public static void deleteTree(Path directory) {
        try {
            Files.walkFileTree(directory, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // Already gone, or not ours to remove any more.
        }
    }

    /** One value on disk: where, and what is needed to rebuild its {@link Serialized}. */
    static final class Spilled {
        private final SpillFiles files;
        private final String key;
        private final Path file;
        private final byte format;
        private final int length;

        private Spilled(SpillFiles files, String key, Path file, byte format, int length) {
            this.files = files;
            this.key = key;
            this.file = file;
            this.format = format;
            this.length = length;
        }

        /** The size as reported to the scheduler (bytes and tag, as {@link Serialized#nbytes()}). */
        long nbytes() {
            return length + 1L;
        }

        Path file() {
            return file;
        }

        /**
         * Reads the value back.
         *
         * @throws UncheckedIOException saying which key's file could not be read and why
         */
        Serialized read() {
            try {
                return files.read(this);
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "the value of " + key + " was spilled to " + file + " and cannot be read back: " + e, e);
            }
        }

        void delete() {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // The directory goes when the worker closes.
            }
        }
    }
}
