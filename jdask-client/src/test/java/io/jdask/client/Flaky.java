package io.jdask.client;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Tasks with side effects the test and other tasks can see: fail once, record that a task ran, count runs, meet
 * another task. The state is kept in files, not in statics, so it is shared by every JVM on this machine: worker
 * threads in the test JVM and worker processes alike. A test names its state with {@link #newPath}, an absolute path
 * in a directory of the test JVM, and passes that path to the tasks.
 */
public final class Flaky {
    private Flaky() {}

    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static Path root;

    /** A fresh absolute path (nothing exists there yet) for a test's shared state; deleted when the JVM exits. */
    static synchronized String newPath(String name) {
        try {
            if (root == null) {
                root = Files.createTempDirectory("jdask-flaky-");
                Path dir = root;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return root.resolve(name + "-" + SEQUENCE.incrementAndGet()).toString();
    }

    /** Fails the first time it runs for {@code path} on this machine, in any JVM; returns 1 afterwards. */
    public static int failOnce(String path) throws IOException {
        if (mark(Path.of(path))) throw new IllegalStateException("first attempt of " + path + " fails");
        return 1;
    }

    /** Returns {@code n} bytes the first time it runs for {@code path}, in any JVM; fails every time after. */
    public static byte[] bytesOnceThenFail(String path, int n) throws IOException {
        if (!mark(Path.of(path))) throw new IllegalStateException("second run of " + path + " fails");
        return new byte[n];
    }

    /** Sleeps a little, then leaves a mark at {@code path} that {@link #recorded} sees. */
    public static int recordLater(String path) throws InterruptedException, IOException {
        Thread.sleep(300);
        mark(Path.of(path));
        return 1;
    }

    static boolean recorded(String path) {
        return Files.exists(Path.of(path));
    }

    /** Returns {@code x + 1}, leaving one file per run in the directory {@code dir} for {@link #runs}. */
    public static int countedInc(String dir, int x) throws IOException {
        enter(Path.of(dir));
        return x + 1;
    }

    /** How many times {@link #countedInc} ran for {@code dir}. */
    static long runs(String dir) throws IOException {
        return count(Path.of(dir));
    }

    /** Arrives at the meeting {@code dir} and waits up to 15 s for {@code parties} arrivals; true if all came. */
    public static boolean meet(String dir, int parties) throws IOException {
        Path meeting = Path.of(dir);
        enter(meeting);
        try {
            await().atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> count(meeting) >= parties);
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    /** Creates the file {@code path}: true if this call made it, false if it was there already. */
    private static boolean mark(Path path) throws IOException {
        try {
            Files.createFile(path);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        }
    }

    /** Adds a file of its own (process, thread, sequence) to {@code dir}, creating the directory if needed. */
    private static void enter(Path dir) throws IOException {
        Files.createDirectories(dir);
        String me = ProcessHandle.current().pid() + "-" + Thread.currentThread().threadId() + "-"
                + SEQUENCE.incrementAndGet();
        Files.createFile(dir.resolve(me));
    }

    private static long count(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return 0;
        try (Stream<Path> files = Files.list(dir)) {
            return files.count();
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort at exit
        }
    }
}
