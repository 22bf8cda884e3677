package io.jdask.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code jdask config} through the command's picocli entry, and the settings behind command-line defaults. */
class ConfigCommandTest {
    @TempDir
    Path dir;

    private final List<String> propertiesSet = new ArrayList<>();

    private void property(String name, String value) {
        propertiesSet.add(name);
        System.setProperty(name, value);
    }

    @AfterEach
    void clearProperties() {
        propertiesSet.forEach(System::clearProperty);
    }

    /** Runs {@code jdask ARGS} in this JVM; returns exit code, standard output and error output. */
    private static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine cmd = new CommandLine(new Main());
        cmd.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cmd.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        int code = cmd.execute(args);
        return new String[] {
            Integer.toString(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)
        };
    }

    @Test
    void printsEveryValueWithItsSource() throws Exception {
        Path file = Files.writeString(
                dir.resolve("jdask.properties"),
                "jdask.worker.memory.target = 0.5\njdask.scheduler.worker-ttl = 10s\nworker.memory.targt = 1\n");
        property("jdask.config", file.toString());
        property("jdask.scheduler.worker-ttl", "2m");

        String[] all = run("config");
        assertThat(all[0]).isEqualTo("0");
        assertThat(all[1])
                .contains("# settings file: " + file)
                .containsPattern("(?m)^jdask\\.worker\\.memory\\.target +0\\.5 +file "
                        + java.util.regex.Pattern.quote(file.toString()) + "$")
                .containsPattern("(?m)^jdask\\.scheduler\\.worker-ttl +2m +property -Djdask\\.scheduler\\.worker-ttl$")
                .containsPattern("(?m)^jdask\\.worker\\.memory\\.pause +0\\.8 +default$")
                .containsPattern("(?m)^jdask\\.adaptive\\.wait-count +3 +default$");
        // one line per setting, plus the file's
        assertThat(all[1].lines().count()).isEqualTo(io.jdask.Settings.keys().size() + 1);
        assertThat(all[2])
                .contains("unknown setting worker.memory.targt (in " + file
                        + "); the closest is jdask.worker.memory.target");

        String[] changed = run("config", "--changed");
        assertThat(changed[1].lines().filter(l -> !l.startsWith("#")))
                .allMatch(l -> !l.endsWith(" default"))
                .anyMatch(l -> l.startsWith("jdask.worker.memory.target"))
                .anyMatch(l -> l.startsWith("jdask.config"));

        String[] one = run("config", "--doc", "worker.memory.pause");
        assertThat(one[1]).contains("jdask.worker.memory.pause").contains("the worker starts no new task [fraction]");
        assertThat(one[1].lines().count()).isEqualTo(3);
    }

    @Test
    void aBadValueOrAnUnknownKeyIsAnErrorThatSaysWhich() {
        property("jdask.worker.memory.pause", "most");
        String[] bad = run("config");
        assertThat(bad[0]).isEqualTo("2");
        assertThat(bad[2])
                .contains("'most'")
                .contains("jdask.worker.memory.pause")
                .contains("system property")
                .contains("a fraction between 0 and 1");
        System.clearProperty("jdask.worker.memory.pause");

        String[] unknown = run("config", "worker.nope");
        assertThat(unknown[0]).isEqualTo("2");
        assertThat(unknown[2]).contains("no setting worker.nope");
    }

    @Test
    void environmentVariablesReachAFreshJdaskConfig() throws Exception {
        Path file = Files.writeString(dir.resolve("env.properties"), "jdask.worker.memory.spill = 0.65\n");
        List<String> cmd = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "config",
                "--changed");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(v -> v.startsWith("JDASK_"));
        pb.environment().put("JDASK_CONFIG", file.toString());
        pb.environment().put("JDASK_WORKER_MEMORY_TARGET", "0.55");
        pb.environment().put("JDASK_SCHEDULER_WORK_STEALING", "false");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out)
                .containsPattern("(?m)^jdask\\.worker\\.memory\\.target +0\\.55 +env JDASK_WORKER_MEMORY_TARGET$")
                .containsPattern("(?m)^jdask\\.scheduler\\.work-stealing +false +env JDASK_SCHEDULER_WORK_STEALING$")
                .containsPattern("(?m)^jdask\\.worker\\.memory\\.spill +0\\.65 +file ")
                .containsPattern("(?m)^jdask\\.config +.*env JDASK_CONFIG$");
    }

    @Test
    void commandLineDefaultsComeFromTheSettingsAndOptionsWin() {
        property("jdask.scheduler.port", "9999");
        property("jdask.scheduler.worker-saturation", "inf");
        property("jdask.worker.nthreads", "3");
        SchedulerCommand scheduler = new SchedulerCommand();
        new CommandLine(scheduler).parseArgs();
        assertThat(scheduler.port).isEqualTo(9999);
        assertThat(scheduler.saturation).isInfinite();
        assertThat(scheduler.dashboardPort).isEqualTo(8787);
        new CommandLine(scheduler).parseArgs("--port", "1234");
        assertThat(scheduler.port).isEqualTo(1234);
        WorkerCommand worker = new WorkerCommand();
        new CommandLine(worker).parseArgs("tcp://127.0.0.1:1");
        assertThat(worker.nthreads).isEqualTo(3);
    }
}
