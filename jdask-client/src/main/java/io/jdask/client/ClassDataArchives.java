package io.jdask.client;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note. Worker JVMs start faster from a class data sharing (CDS) archive: the classes of Netty, Fory, logback
 * and jdask come pre-parsed and pre-verified from a memory-mapped file instead of being read from jars, which halves
 * the start of a LocalCluster here (2.0 s to about 1 s on 2 cores). The JDK builds the archive itself: with
 * -XX:+AutoCreateSharedArchive a JVM whose -XX:SharedArchiveFile is missing or stale (other JDK, changed jars)
 * records the classes it loads and writes the archive when it exits; later JVMs map it.
 *
 * Two JVMs must never write one archive at once, so archives are slots: <dir>/<key>-<slot>.jsa, where the key hashes
 * the JDK and the class path with each jar's size and time (the JDK rejects, and does not rewrite, an archive whose
 * jars changed), and a slot is taken by an exclusive lock on its .lock file, held by this (the
 * client's) JVM until the worker process exits. A cluster of 4 workers uses slots 0-3; a second cluster at the same
 * time takes the next free ones. A restarted worker takes whatever slot is free, usually the one it had.
 *
 * When not to: the JDK refuses to archive a class path with a non-empty directory (an IDE or test class path; it
 * then prints an error at every exit), so only class paths of jars get an archive. A file that is not a dynamic
 * archive (a write cut short) is deleted first, because the JVM would otherwise keep rejecting it. System property
 * jdask.worker.cds=false turns all of this off; jdask.cds.dir moves the archives (default ~/.cache/jdask/cds).
 */
/** Class data sharing archives for worker JVMs; see the design note above. */
final class ClassDataArchives {
  private static final Logger LOG = LoggerFactory.getLogger(ClassDataArchives.class);
  /** The first four bytes of a dynamic CDS archive (little-endian int), as HotSpot writes them. */
  static final int DYNAMIC_ARCHIVE_MAGIC = 0xf00baba8;
  /** Slots tried per key before giving up (more concurrent worker JVMs than this start without an archive). */
  static final int MAX_SLOTS = 32;
  /** Archives of other keys untouched for this long are deleted. */
  static final Duration STALE_AFTER = Duration.ofDays(2);

  private final Path dir;
  private final String key;

  private ClassDataArchives(Path dir, String key) {
    this.dir = dir;
    this.key = key;
  }

  /** A slot held by this JVM: pass {@link #jvmOptions()} to the worker and close it when the worker exits. */
  static final class Slot implements AutoCloseable {
    private final Path archive;
    private final FileChannel lockFile;
    private final FileLock lock;

    private Slot(Path archive, FileChannel lockFile, FileLock lock) {
      this.archive = archive;
      this.lockFile = lockFile;
      this.lock = lock;
    }

    Path archive() {
      return archive;
    }

    List<String> jvmOptions() {
      return List.of("-XX:SharedArchiveFile=" + archive, "-XX:+AutoCreateSharedArchive", "-Xlog:cds=off",
          "-Xlog:cds+dynamic=off");
    }

    @Override
    public void close() {
      try {
        lock.release();
        lockFile.close();
      } catch (IOException e) {
        // The lock goes with the channel, and the channel with this JVM at the latest.
      }
    }
  }

  /**
   * The archives for worker JVMs started with {@code javaHome}'s JDK on {@code classPath}, or empty when archives
   * are off or cannot work for this class path.
   */
  static Optional<ClassDataArchives> forWorkers(String javaHome, String javaVersion, String classPath) {
    if ("false".equalsIgnoreCase(System.getProperty("jdask.worker.cds", "true"))) {
      return Optional.empty();
    }
    if (!onlyJars(classPath)) {
      return Optional.empty();
    }
    String configured = System.getProperty("jdask.cds.dir");
    Path dir = configured != null ? Path.of(configured)
        : Path.of(System.getProperty("user.home"), ".cache", "jdask", "cds");
    String key = key(javaHome, javaVersion, classPath);
    deleteStale(dir, key, STALE_AFTER); // once per cluster, not per worker start
    return Optional.of(new ClassDataArchives(dir, key));
  }

  /** True if every entry of the class path is a jar file or missing (the JDK archives only such class paths). */
  static boolean onlyJars(String classPath) {
    if (classPath.isBlank()) {
      return false;
    }
    for (String entry : classPath.split(File.pathSeparator)) {
      if (entry.isBlank()) {
        continue;
      }
      Path p = Path.of(entry);
      if (Files.isDirectory(p) || (Files.exists(p) && !entry.endsWith(".jar"))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The archive key: the JDK, and each class path entry with its size and modification time. The JDK refuses an
   * archive whose jars changed since it was written (and does not rewrite it), so a rebuilt jar must get a new key.
   */
  static String key(String javaHome, String javaVersion, String classPath) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      StringBuilder what = new StringBuilder(javaHome).append('\n').append(javaVersion);
      for (String entry : classPath.split(File.pathSeparator)) {
        what.append('\n').append(entry);
        try {
          Path p = Path.of(entry);
          if (Files.isRegularFile(p)) {
            what.append(' ').append(Files.size(p)).append(' ').append(Files.getLastModifiedTime(p).toMillis());
          }
        } catch (IOException | RuntimeException e) {
          // An entry we cannot stat is hashed by name only.
        }
      }
      sha.update(what.toString().getBytes(StandardCharsets.UTF_8));
      return "worker-" + HexFormat.of().formatHex(sha.digest(), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("SHA-256 is required on every JVM", e);
    }
  }

  /** Takes the first free slot, or empty if none is free or the directory is unusable. */
  Optional<Slot> acquire() {
    try {
      Files.createDirectories(dir);
    } catch (IOException | SecurityException e) {
      LOG.debug("no CDS archives for workers: cannot create {}: {}", dir, e.toString());
      return Optional.empty();
    }
    for (int i = 0; i < MAX_SLOTS; i++) {
      Path lockPath = dir.resolve(key + "-" + i + ".lock");
      FileChannel ch = null;
      try {
        ch = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = ch.tryLock();
        if (lock == null) {
          ch.close();
          continue; // another JVM's worker has it
        }
        Path archive = dir.resolve(key + "-" + i + ".jsa");
        deleteIfNotAnArchive(archive);
        return Optional.of(new Slot(archive, ch, lock));
      } catch (OverlappingFileLockException e) {
        closeQuietly(ch); // one of this JVM's workers has it
      } catch (IOException | SecurityException e) {
        closeQuietly(ch);
        LOG.debug("no CDS archive slot {} in {}: {}", i, dir, e.toString());
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /**
   * Deletes archives of other keys (older jars or JDKs) not written to for {@code age}: each is about 20 MB, and a
   * rebuilt jar leaves its predecessor's behind. An archive in use is mapped by its JVM, which keeps working.
   */
  static void deleteStale(Path dir, String keepKey, Duration age) {
    long cutoff = System.currentTimeMillis() - age.toMillis();
    try (var files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String name = p.getFileName().toString();
        if (name.startsWith("worker-") && !name.startsWith(keepKey + "-")
            && (name.endsWith(".jsa") || name.endsWith(".lock"))
            && Files.getLastModifiedTime(p).toMillis() < cutoff) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("could not clean up {}: {}", dir, e.toString());
    }
  }

  static void deleteIfNotAnArchive(Path archive) throws IOException {
    if (!Files.exists(archive)) {
      return;
    }
    byte[] head = new byte[4];
    int n;
    try (InputStream in = Files.newInputStream(archive)) {
      n = in.readNBytes(head, 0, 4);
    }
    if (n < 4 || ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt() != DYNAMIC_ARCHIVE_MAGIC) {
      LOG.debug("deleting {}: not a dynamic CDS archive", archive);
      Files.delete(archive);
    }
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException e) {
        // nothing to do
      }
    }
  }
}
