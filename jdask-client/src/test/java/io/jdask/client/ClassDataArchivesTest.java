package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Slots, keys and class path checks of the worker JVMs' CDS archives (no JVM is started here). */
final class ClassDataArchivesTest {
    @TempDir
    Path tmp;

    private String savedDir;

    @BeforeEach
    void pointAtTempDir() {
        savedDir = System.getProperty("jdask.cds.dir");
        System.setProperty("jdask.cds.dir", tmp.resolve("cds").toString());
    }

    @AfterEach
    void restore() {
        if (savedDir == null) {
            System.clearProperty("jdask.cds.dir");
        } else {
            System.setProperty("jdask.cds.dir", savedDir);
        }
        System.clearProperty("jdask.worker.cds");
        System.clearProperty("jdask.worker.aot");
    }

    @Test
    void onlyAClassPathOfJarsGetsArchives() throws Exception {
        Path jar = Files.writeString(tmp.resolve("a.jar"), "not really a jar, but a file named like one");
        Path dir = Files.createDirectories(tmp.resolve("classes"));
        Files.writeString(dir.resolve("A.class"), "x");
        assertThat(ClassDataArchives.onlyJars(jar + File.pathSeparator + tmp.resolve("missing.jar")))
                .isTrue();
        assertThat(ClassDataArchives.onlyJars(jar + File.pathSeparator + dir))
                .as("a directory of classes")
                .isFalse();
        assertThat(ClassDataArchives.onlyJars("")).isFalse();
        assertThat(ClassDataArchives.forWorkers("25", jar + File.pathSeparator + dir, List.of("/jdk")))
                .isEmpty();
        assertThat(ClassDataArchives.forWorkers("25", jar.toString(), List.of("/jdk")))
                .isPresent();
        System.setProperty("jdask.worker.cds", "false");
        assertThat(ClassDataArchives.forWorkers("25", jar.toString(), List.of("/jdk")))
                .as("switched off")
                .isEmpty();
    }

    @Test
    void theKeyChangesWithTheJdkAndTheClassPath() {
        String k = ClassDataArchives.key("/jdk25", "25.0.3", "a.jar");
        assertThat(k)
                .isEqualTo(ClassDataArchives.key("/jdk25", "25.0.3", "a.jar"))
                .startsWith("worker-");
        assertThat(k)
                .isNotEqualTo(ClassDataArchives.key("/jdk21", "25.0.3", "a.jar"))
                .isNotEqualTo(ClassDataArchives.key("/jdk25", "25.0.4", "a.jar"))
                .isNotEqualTo(ClassDataArchives.key("/jdk25", "25.0.3", "a.jar:b.jar"));
    }

    @Test
    void aRebuiltJarGetsANewKeyBecauseTheJdkWouldRejectTheOldArchive() throws Exception {
        Path jar = Files.writeString(tmp.resolve("app.jar"), "v1");
        String before = ClassDataArchives.key("/jdk", "25", jar.toString());
        Files.setLastModifiedTime(
                jar,
                java.nio.file.attribute.FileTime.fromMillis(
                        Files.getLastModifiedTime(jar).toMillis() + 5_000));
        assertThat(ClassDataArchives.key("/jdk", "25", jar.toString())).isNotEqualTo(before);
    }

    @Test
    void staleArchivesOfOtherKeysAreDeletedAndOursKept() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("archives"));
        Path old = Files.writeString(dir.resolve("worker-aaaa-0.jsa"), "x");
        Path oldLock = Files.writeString(dir.resolve("worker-aaaa-0.lock"), "");
        Path fresh = Files.writeString(dir.resolve("worker-bbbb-0.jsa"), "x");
        Path ours = Files.writeString(dir.resolve("worker-cccc-0.jsa"), "x");
        Path other = Files.writeString(dir.resolve("notes.txt"), "x");
        java.nio.file.attribute.FileTime longAgo = java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - java.time.Duration.ofDays(3).toMillis());
        for (Path p : List.of(old, oldLock, ours, other)) Files.setLastModifiedTime(p, longAgo);
        ClassDataArchives.deleteStale(dir, "worker-cccc", java.time.Duration.ofDays(2));
        assertThat(old).doesNotExist();
        assertThat(oldLock).doesNotExist();
        assertThat(fresh).as("recent: maybe another JDK's, in use").exists();
        assertThat(ours).as("our own key is kept however old").exists();
        assertThat(other).as("not an archive").exists();
    }

    @Test
    void concurrentWorkersGetDistinctSlotsAndAReleasedSlotIsReused() throws Exception {
        Path jar = Files.writeString(tmp.resolve("a.jar"), "x");
        ClassDataArchives archives = ClassDataArchives.forWorkers("21", jar.toString(), List.of("/jdk"))
                .orElseThrow();
        ClassDataArchives.Slot a = archives.acquire().orElseThrow();
        ClassDataArchives.Slot b = archives.acquire().orElseThrow();
        assertThat(a.archive()).isNotEqualTo(b.archive());
        assertThat(a.archive().getFileName().toString()).endsWith("-0.jsa");
        assertThat(b.archive().getFileName().toString()).endsWith("-1.jsa");
        assertThat(a.jvmOptions()).contains("-XX:SharedArchiveFile=" + a.archive(), "-XX:+AutoCreateSharedArchive");
        a.close();
        ClassDataArchives.Slot c = archives.acquire().orElseThrow();
        assertThat(c.archive()).as("the released slot 0 is taken again").isEqualTo(a.archive());
        b.close();
        c.close();
    }

    @Test
    void aFileThatIsNotADynamicArchiveIsDeletedAndARealOneKept() throws Exception {
        Path garbage = Files.writeString(tmp.resolve("g.jsa"), "garbage");
        ClassDataArchives.deleteIfNotAnArchive(garbage);
        assertThat(garbage).doesNotExist();
        Path empty = Files.write(tmp.resolve("e.jsa"), new byte[0]);
        ClassDataArchives.deleteIfNotAnArchive(empty);
        assertThat(empty).doesNotExist();
        byte[] head = ByteBuffer.allocate(16)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(ClassDataArchives.DYNAMIC_ARCHIVE_MAGIC)
                .array();
        Path real = Files.write(tmp.resolve("r.jsa"), head);
        ClassDataArchives.deleteIfNotAnArchive(real);
        assertThat(real).exists();
        ClassDataArchives.deleteIfNotAnArchive(tmp.resolve("absent.jsa")); // nothing to do, no error
    }

    @Test
    void onJdk25ASlotRecordsAConfigurationThenUsesTheCache() throws Exception {
        Path jar = Files.writeString(tmp.resolve("a.jar"), "x");
        ClassDataArchives archives = ClassDataArchives.forWorkers(
                        "25.0.3", jar.toString(), List.of("/jdk", "-XX:+UseParallelGC"))
                .orElseThrow();
        ClassDataArchives.Slot slot = archives.acquire().orElseThrow();
        assertThat(slot.jvmOptions())
                .as("nothing yet: the worker records, running its whole warm-up to train the cache on the task path")
                .contains(
                        "-XX:AOTMode=record", "-XX:AOTConfiguration=" + slot.aotConfig(), "-Djdask.worker.warmup=full");
        Files.writeString(slot.aotConfig(), "a configuration whose cache was never made");
        assertThat(slot.jvmOptions())
                .as("a configuration without a cache: the dynamic archive meanwhile")
                .contains("-XX:SharedArchiveFile=" + slot.archive());
        Files.write(
                slot.aotCache(),
                ByteBuffer.allocate(16)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putInt(ClassDataArchives.STATIC_ARCHIVE_MAGIC)
                        .array());
        assertThat(slot.jvmOptions())
                .contains("-XX:AOTCache=" + slot.aotCache())
                .as("a worker started from the cache warms up only while idle")
                .doesNotContain("-Djdask.worker.warmup=full");
        slot.close();

        System.setProperty("jdask.worker.aot", "false");
        ClassDataArchives plain = ClassDataArchives.forWorkers("25.0.3", jar.toString(), List.of("/jdk"))
                .orElseThrow();
        try (ClassDataArchives.Slot s = plain.acquire().orElseThrow()) {
            assertThat(s.jvmOptions()).as("AOT switched off").contains("-XX:+AutoCreateSharedArchive");
        }
        assertThat(ClassDataArchives.featureOf("25.0.3+9-LTS")).isEqualTo(25);
        assertThat(ClassDataArchives.featureOf("21")).isEqualTo(21);
        assertThat(ClassDataArchives.featureOf("not a version")).isZero();
    }

    @Test
    void theWorkerFlagsArePartOfTheAotKey() throws Exception {
        Path jar = Files.writeString(tmp.resolve("a.jar"), "x");
        var a = ClassDataArchives.forWorkers("25", jar.toString(), List.of("/jdk", "-Xmx64m"))
                .orElseThrow()
                .acquire()
                .orElseThrow();
        var b = ClassDataArchives.forWorkers("25", jar.toString(), List.of("/jdk", "-Xmx128m"))
                .orElseThrow()
                .acquire()
                .orElseThrow();
        assertThat(a.aotCache().getFileName()).isNotEqualTo(b.aotCache().getFileName());
        a.close();
        b.close();
    }

    /** A jar holding {@link AotProbe}, to run real JVMs on. */
    private Path probeJar() throws Exception {
        Path jar = tmp.resolve("probe.jar");
        String entry = AotProbe.class.getName().replace('.', '/') + ".class";
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
                var in = AotProbe.class.getClassLoader().getResourceAsStream(entry)) {
            out.putNextEntry(new java.util.jar.JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
        return jar;
    }

    private Path probeJar;

    /** The archives for JVMs of this JDK running {@link AotProbe} from a jar; skips the test below JDK 25. */
    private ClassDataArchives realJdkArchives() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.version().feature() >= 25, "AOT caches need JDK 25+");
        probeJar = probeJar();
        return ClassDataArchives.forWorkers(Runtime.version().toString(), probeJar.toString(), List.of(javaBin()))
                .orElseThrow();
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Runs AotProbe from the probe jar on this JDK with {@code options}; returns the exit code. */
    private int run(java.util.List<String> options) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(List.of(javaBin()));
        cmd.addAll(options);
        cmd.addAll(List.of("-cp", probeJar.toString(), AotProbe.class.getName()));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        return p.exitValue();
    }

    @Test
    void aRealJdkRecordsCreatesAndMapsTheCacheAndTheSlotWaitsForTheCreateStep() throws Exception {
        ClassDataArchives archives = realJdkArchives();
        ClassDataArchives.Slot slot = archives.acquire().orElseThrow();
        assertThat(run(slot.jvmOptions())).as("the recording run").isZero();
        assertThat(slot.aotConfig()).exists();

        slot.close(); // the "worker" exited: the create step starts, and holds the slot until it ends
        archives.awaitCreates(java.time.Duration.ofSeconds(60));
        assertThat(ClassDataArchives.hasMagic(slot.aotCache(), ClassDataArchives.STATIC_ARCHIVE_MAGIC))
                .isTrue();
        assertThat(slot.aotConfig()).as("deleted once the cache exists").doesNotExist();

        ClassDataArchives.Slot again = archives.acquire().orElseThrow();
        assertThat(again.aotCache()).as("the released slot is taken again").isEqualTo(slot.aotCache());
        assertThat(again.jvmOptions()).contains("-XX:AOTCache=" + again.aotCache());
        java.util.List<String> use = new java.util.ArrayList<>(List.of("-XX:AOTMode=on"));
        use.addAll(again.jvmOptions());
        // AOTMode=on makes a cache the JVM cannot map a start-up error instead of a silent fallback.
        assertThat(run(use)).as("a run on the cache").isZero();
        again.close();
    }

    @Test
    void aConfigurationThatDoesNotMakeACacheIsDeletedSoTheNextWorkerRecordsAgain() throws Exception {
        ClassDataArchives archives = realJdkArchives();
        ClassDataArchives.Slot slot = archives.acquire().orElseThrow();
        Files.writeString(slot.aotConfig(), "cut short by a killed worker");
        slot.close();
        archives.awaitCreates(java.time.Duration.ofSeconds(60));
        assertThat(slot.aotCache()).doesNotExist();
        assertThat(slot.aotCache().resolveSibling(slot.aotCache().getFileName() + ".tmp"))
                .doesNotExist();
        assertThat(slot.aotConfig()).doesNotExist();
        try (ClassDataArchives.Slot next = archives.acquire().orElseThrow()) {
            assertThat(next.jvmOptions()).contains("-XX:AOTMode=record");
        }
    }

    @Test
    void onceTheJvmGoesDownAnExitingWorkerStartsNoCreateStep() throws Exception {
        Path jar = Files.writeString(tmp.resolve("a.jar"), "x");
        ClassDataArchives archives = ClassDataArchives.forWorkers("25", jar.toString(), List.of("/no/such/java"))
                .orElseThrow();
        ClassDataArchives.Slot slot = archives.acquire().orElseThrow();
        Files.writeString(slot.aotConfig(), "recorded by a worker that the shutdown hook killed");
        archives.killCreates();
        slot.close();
        assertThat(slot.aotConfig())
                .as("left for a later JVM to turn into a cache")
                .exists();
        try (ClassDataArchives.Slot again = archives.acquire().orElseThrow()) {
            assertThat(again.aotConfig()).as("the slot was released at once").isEqualTo(slot.aotConfig());
        }
    }
}
