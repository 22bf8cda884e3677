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
import java.util.concurrent.CompletableFuture;
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
 * On JDK 25 and later, an AOT cache (JEP 483, 514) replaces the dynamic archive: besides the parsed classes it holds
 * them loaded and linked, and a worker then reaches its scheduler in about 0.5 s instead of 0.6-0.9 s here. The JDK
 * has no automatic mode for it, so the slot does the three steps itself: a worker started while the slot has nothing
 * records its configuration (-XX:AOTMode=record, written when the worker exits); when that worker has exited, a
 * short-lived JVM turns the configuration into the cache (-XX:AOTMode=create, about 1.5 s of one core, into a
 * temporary file that is then renamed, so a cut-short run leaves nothing that looks usable), and the slot stays
 * locked until it is done; every later worker maps the cache (-XX:AOTCache). A configuration that does not turn
 * into a cache is deleted, so the next worker records again. The flags of the worker JVMs are part of the key,
 * because the cache must be used with the flags it was made with. System property jdask.worker.aot=false keeps the
 * dynamic archives on JDK 25+.
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
    /** The first four bytes of a static CDS archive, which is what an AOT cache is. */
    static final int STATIC_ARCHIVE_MAGIC = 0xf00baba2;
    /** How long closing a cluster waits for the AOT caches its workers' exits started to be written. */
    static final Duration CREATE_WAIT = Duration.ofSeconds(30);
    /** Slots tried per key before giving up (more concurrent worker JVMs than this start without an archive). */
    static final int MAX_SLOTS = 32;
    /** Archives of other keys untouched for this long are deleted. */
    static final Duration STALE_AFTER = Duration.ofDays(2);

    private final Path dir;
    private final String key;
    /** The worker's java and JVM flags (no class path, no archive options), to run the AOT create step with. */
    private final List<String> javaAndFlags;

    private final String classPath;
    /** AOT caches (JDK 25+) rather than dynamic archives. */
    private final boolean aot;
    /**
     * AOT create steps still running, each with a future that completes once its outcome is handled and its slot
     * released (see {@link #awaitCreates}, {@link #killCreates}).
     */
    private final java.util.concurrent.ConcurrentHashMap<Process, CompletableFuture<Void>> creates =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** Set when this JVM goes down: a worker exiting after that starts no create step (it would outlive us). */
    private volatile boolean stopped;

    private ClassDataArchives(Path dir, String key, List<String> javaAndFlags, String classPath, boolean aot) {
        this.dir = dir;
        this.key = key;
        this.javaAndFlags = List.copyOf(javaAndFlags);
        this.classPath = classPath;
        this.aot = aot;
    }

    /** A slot held by this JVM: pass {@link #jvmOptions()} to the worker and close it when the worker exits. */
    final class Slot implements AutoCloseable {
        private final Path archive;
        private final Path aotConfig;
        private final Path aotCache;
        private final FileChannel lockFile;
        private final FileLock lock;

        private Slot(Path base, FileChannel lockFile, FileLock lock) {
            this.archive = base.resolveSibling(base.getFileName() + ".jsa");
            this.aotConfig = base.resolveSibling(base.getFileName() + ".aotconf");
            this.aotCache = base.resolveSibling(base.getFileName() + ".aot");
            this.lockFile = lockFile;
            this.lock = lock;
        }

        Path archive() {
            return archive;
        }

        Path aotConfig() {
            return aotConfig;
        }

        Path aotCache() {
            return aotCache;
        }

        /** The archive options of the worker JVM started on this slot. */
        List<String> jvmOptions() {
            if (aot) {
                if (hasMagic(aotCache, STATIC_ARCHIVE_MAGIC)) {
                    return List.of("-XX:AOTCache=" + aotCache, "-Xlog:aot=off", "-Xlog:cds=off");
                }
                if (!Files.exists(aotConfig)) {
                    // The training run: its worker runs its whole idle warm-up (WorkerMain), so that the cache's
                    // classes and method profiles cover the task path even if the program that trains it runs few
                    // tasks or none.
                    return List.of(
                            "-XX:AOTMode=record",
                            "-XX:AOTConfiguration=" + aotConfig,
                            "-Xlog:aot=off",
                            "-Xlog:cds=off",
                            "-Djdask.worker.warmup=full");
                }
                // A configuration without its cache: the create step did not run or finish. This worker starts from the
                // dynamic archive; the cache is made when it exits.
            }
            return List.of(
                    "-XX:SharedArchiveFile=" + archive,
                    "-XX:+AutoCreateSharedArchive",
                    "-Xlog:cds=off",
                    "-Xlog:cds+dynamic=off");
        }

        /**
         * The worker exited: releases the slot, after making its AOT cache if the worker recorded a configuration
         * (the create step runs in the background and the slot stays locked until it ends).
         */
        @Override
        public void close() {
            if (aot && !stopped && Files.exists(aotConfig) && !hasMagic(aotCache, STATIC_ARCHIVE_MAGIC)) {
                Path tmp = aotCache.resolveSibling(aotCache.getFileName() + ".tmp");
                List<String> cmd = new java.util.ArrayList<>(javaAndFlags);
                cmd.addAll(List.of(
                        "-XX:AOTMode=create",
                        "-XX:AOTConfiguration=" + aotConfig,
                        "-XX:AOTCache=" + tmp,
                        "-Xlog:aot=off",
                        "-Xlog:cds=off",
                        "-cp",
                        classPath));
                try {
                    Process p = new ProcessBuilder(cmd)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .redirectError(ProcessBuilder.Redirect.DISCARD)
                            .start();
                    CompletableFuture<Void> done = new CompletableFuture<>();
                    creates.put(p, done);
                    p.onExit().whenComplete((exited, failure) -> {
                        try {
                            finishCreate(p.exitValue() == 0, tmp);
                        } finally {
                            release();
                            creates.remove(p);
                            done.complete(null);
                        }
                    });
                    return;
                } catch (IOException | RuntimeException e) {
                    LOG.debug("cannot start the AOT create step for {}: {}", aotCache, e.toString());
                    finishCreate(false, tmp);
                }
            }
            release();
        }

        private void finishCreate(boolean ok, Path tmp) {
            try {
                if (ok && hasMagic(tmp, STATIC_ARCHIVE_MAGIC)) {
                    Files.move(
                            tmp,
                            aotCache,
                            java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                } else {
                    LOG.debug("no AOT cache from {}; the next worker on this slot records again", aotConfig);
                    Files.deleteIfExists(tmp);
                }
                Files.deleteIfExists(aotConfig); // 30 MB, of no use once the cache exists (or could not be made)
            } catch (IOException | RuntimeException e) {
                LOG.debug("could not finish the AOT cache {}: {}", aotCache, e.toString());
            }
        }

        private void release() {
            try {
                lock.release();
                lockFile.close();
            } catch (IOException e) {
                // The lock goes with the channel, and the channel with this JVM at the latest.
            }
        }
    }

    /** Waits (at most {@code max}) for the AOT create steps started by exited workers, so none outlives the cluster. */
    void awaitCreates(Duration max) {
        CompletableFuture<?>[] running = creates.values().toArray(new CompletableFuture<?>[0]);
        if (running.length == 0) {
            return;
        }
        try {
            CompletableFuture.allOf(running).get(max.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            killCreates();
        } catch (InterruptedException e) {
            killCreates();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Kills the AOT create steps still running, and starts no more (the JVM is going down); those slots record again
     * next time.
     */
    void killCreates() {
        stopped = true;
        for (Process p : creates.keySet()) {
            p.destroyForcibly();
        }
    }

    /**
     * The archives for worker JVMs started as {@code javaAndFlags} (the java binary first, then its JVM flags) plus the
     * archive options, {@code -cp classPath} and the main class; empty when archives are off or cannot work for this
     * class path. On JDK 25+ (by {@code javaVersion}) the slots hold AOT caches, keyed on the flags as well.
     */
    static Optional<ClassDataArchives> forWorkers(String javaVersion, String classPath, List<String> javaAndFlags) {
        io.jdask.Settings settings = io.jdask.Settings.current();
        if (!settings.get(io.jdask.Settings.WORKER_CDS)) {
            return Optional.empty();
        }
        if (!onlyJars(classPath)) {
            return Optional.empty();
        }
        Path configured = settings.get(io.jdask.Settings.CDS_DIR);
        Path dir = configured != null ? configured : Path.of(System.getProperty("user.home"), ".cache", "jdask", "cds");
        boolean aot = featureOf(javaVersion) >= 25 && settings.get(io.jdask.Settings.WORKER_AOT);
        String java = javaAndFlags.get(0);
        String key = key(java, javaVersion + (aot ? "\naot " + String.join(" ", javaAndFlags) : ""), classPath);
        deleteStale(dir, key, STALE_AFTER); // once per cluster, not per worker start
        return Optional.of(new ClassDataArchives(dir, key, javaAndFlags, classPath, aot));
    }

    /** The feature release of a version string ("25.0.3+9-LTS" is 25), or 0 if it does not parse. */
    static int featureOf(String javaVersion) {
        try {
            return Runtime.Version.parse(javaVersion).feature();
        } catch (IllegalArgumentException e) {
            return 0;
        }
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
                        what.append(' ')
                                .append(Files.size(p))
                                .append(' ')
                                .append(Files.getLastModifiedTime(p).toMillis());
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
                Slot slot = new Slot(dir.resolve(key + "-" + i), ch, lock);
                deleteIfNotAnArchive(slot.archive());
                return Optional.of(slot);
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
                if (name.startsWith("worker-")
                        && !name.startsWith(keepKey + "-")
                        && (name.endsWith(".jsa")
                                || name.endsWith(".lock")
                                || name.endsWith(".aot")
                                || name.endsWith(".aotconf")
                                || name.endsWith(".tmp"))
                        && Files.getLastModifiedTime(p).toMillis() < cutoff) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("could not clean up {}: {}", dir, e.toString());
        }
    }

    static void deleteIfNotAnArchive(Path archive) throws IOException {
        if (Files.exists(archive) && !hasMagic(archive, DYNAMIC_ARCHIVE_MAGIC)) {
            LOG.debug("deleting {}: not a dynamic CDS archive", archive);
            Files.delete(archive);
        }
    }

    /** Whether {@code file} exists and starts with the archive magic {@code magic}. */
    static boolean hasMagic(Path file, int magic) {
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(head, 0, 4) == 4
                    && ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt() == magic;
        } catch (IOException | RuntimeException e) {
            return false;
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
