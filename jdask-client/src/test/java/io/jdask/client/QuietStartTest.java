package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's JVM, started with no flags at all, running a program against a LocalCluster: no JDK warning on its error
 * output (on JDK 24+ jdask's one line in place of the JDK's four about sun.misc.Unsafe), and the worker process got
 * the JVM option the program gave it.
 */
class QuietStartTest {
    @Test
    void aFreshJvmPrintsNoJdkWarningAndItsWorkerGetsTheGivenJvmOption(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElseThrow(),
                        "-Xmx256m",
                        "-cp",
                        LocalClusterImpl.workerClassPath(),
                        QuietProgram.class.getName())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        List<String> errors = Files.readAllLines(err, StandardCharsets.UTF_8);
        assertThat(p.exitValue())
                .as("exit status; its error output: %s", errors)
                .isZero();
        assertThat(Files.readString(out)).contains("flag=on sum=5");
        assertThat(errors).as("the program's error output").noneMatch(l -> l.startsWith("WARNING"));
        long jdaskLines = errors.stream()
                .filter(l -> l.startsWith("jdask: its serializer"))
                .count();
        assertThat(jdaskLines)
                .as("jdask's line about sun.misc.Unsafe, once on JDK 24+: %s", errors)
                .isEqualTo(Runtime.version().feature() >= 24 ? 1 : 0);
    }
}
