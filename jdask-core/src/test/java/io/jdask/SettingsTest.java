package io.jdask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.Settings.Source;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sources of {@link Settings} and their order, the environment's names, unknown names and bad values. */
class SettingsTest {
    @TempDir
    Path home;

    /** Sources whose file is {@code file} (or the default file under the temporary home when null). */
    private Settings load(Path file, Map<String, String> env, Map<String, String> props) {
        Map<String, String> environment = new HashMap<>(env);
        if (file != null) environment.put("JDASK_CONFIG", file.toString());
        Properties properties = new Properties();
        properties.setProperty("user.home", home.toString());
        props.forEach(properties::setProperty);
        return Settings.load(environment, properties);
    }

    private Path file(String... lines) throws IOException {
        return Files.write(home.resolve("settings-" + lines.length + ".properties"), List.of(lines));
    }

    @Test
    void eachSourceOverridesTheOnesBelowIt() throws IOException {
        Path file = file(
                "jdask.worker.memory.target = 0.5",
                "worker.memory.spill = 0.75", // the prefix may be left out in the file
                "jdask.worker.memory.pause = 0.85",
                "jdask.scheduler.worker-ttl = 10s");
        Settings s = load(
                file,
                Map.of("JDASK_WORKER_MEMORY_SPILL", "0.76", "JDASK_WORKER_MEMORY_PAUSE", "0.86"),
                Map.of("jdask.worker.memory.pause", "0.87"));

        assertThat(s.get(Settings.WORKER_MEMORY_TERMINATE)).isEqualTo(0.95); // nobody set it
        assertThat(s.setting(Settings.WORKER_MEMORY_TERMINATE).source()).isEqualTo(Source.DEFAULT);
        assertThat(s.get(Settings.WORKER_MEMORY_TARGET)).isEqualTo(0.5); // the file only
        assertThat(s.setting(Settings.WORKER_MEMORY_TARGET).source()).isEqualTo(Source.FILE);
        assertThat(s.setting(Settings.WORKER_MEMORY_TARGET).origin()).isEqualTo(file.toString());
        assertThat(s.get(Settings.WORKER_MEMORY_SPILL)).isEqualTo(0.76); // the environment beats the file
        assertThat(s.setting(Settings.WORKER_MEMORY_SPILL).origin()).isEqualTo("JDASK_WORKER_MEMORY_SPILL");
        assertThat(s.get(Settings.WORKER_MEMORY_PAUSE)).isEqualTo(0.87); // a system property beats both
        assertThat(s.setting(Settings.WORKER_MEMORY_PAUSE).source()).isEqualTo(Source.SYSTEM_PROPERTY);
        assertThat(s.get(Settings.SCHEDULER_WORKER_TTL)).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.file()).contains(file);
        assertThat(s.warnings()).isEmpty();
    }

    @Test
    void theDefaultFileIsUnderTheHomeDirectoryOrXdgConfigHome() throws IOException {
        Path dir = Files.createDirectories(home.resolve(".config/jdask"));
        Files.writeString(dir.resolve("jdask.properties"), "jdask.adaptive.wait-count=5\n");
        Settings s = load(null, Map.of(), Map.of());
        assertThat(s.get(Settings.ADAPTIVE_WAIT_COUNT)).isEqualTo(5);
        assertThat(s.file()).contains(dir.resolve("jdask.properties"));

        Path xdg = Files.createDirectories(home.resolve("xdg/jdask"));
        Files.writeString(xdg.resolve("jdask.properties"), "jdask.adaptive.wait-count=6\n");
        assertThat(load(null, Map.of("XDG_CONFIG_HOME", home.resolve("xdg").toString()), Map.of())
                        .get(Settings.ADAPTIVE_WAIT_COUNT))
                .isEqualTo(6);
        // none turns the file off; a property names one too
        assertThat(load(null, Map.of("JDASK_CONFIG", "none"), Map.of()).get(Settings.ADAPTIVE_WAIT_COUNT))
                .isEqualTo(3);
        assertThat(load(null, Map.of(), Map.of("jdask.config", "none")).file()).isEmpty();
    }

    @Test
    void aNamedFileThatIsMissingIsAnError() {
        assertThatThrownBy(() -> load(home.resolve("nope.properties"), Map.of(), Map.of()))
                .hasMessageContaining("JDASK_CONFIG")
                .hasMessageContaining("nope.properties")
                .hasMessageContaining("does not exist");
    }

    @Test
    void environmentVariablesAreTheNameInCapitalsWithUnderscores() {
        assertThat(Settings.WORKER_MEMORY_TARGET.environmentVariable()).isEqualTo("JDASK_WORKER_MEMORY_TARGET");
        assertThat(Settings.SCHEDULER_WORKER_TTL.environmentVariable()).isEqualTo("JDASK_SCHEDULER_WORKER_TTL");
        assertThat(Settings.SECURITY.environmentVariable()).isEqualTo("JDASK_SECURITY");
        assertThat(Settings.CONFIG.environmentVariable()).isEqualTo("JDASK_CONFIG");
        Settings s = load(
                null,
                Map.of(
                        "JDASK_SCHEDULER_WORKER_TTL", "45",
                        "JDASK_SCHEDULER_WORK_STEALING", "false",
                        "JDASK_WORKER_INLINE_LIMIT", "1MiB",
                        "JDASK_SCHEDULER_WORKER_SATURATION", "inf"),
                Map.of());
        assertThat(s.get(Settings.SCHEDULER_WORKER_TTL)).isEqualTo(Duration.ofSeconds(45)); // a bare number: its unit
        assertThat(s.get(Settings.SCHEDULER_WORK_STEALING)).isFalse();
        assertThat(s.get(Settings.WORKER_INLINE_LIMIT)).isEqualTo(1L << 20);
        assertThat(s.get(Settings.SCHEDULER_WORKER_SATURATION)).isInfinite();
        assertThat(s.warnings()).isEmpty();
    }

    @Test
    void everyKeyHasItsOwnNamesADocAndADefaultThatReadsBack() {
        Set<String> names = new HashSet<>();
        Set<String> variables = new HashSet<>();
        for (Settings.Key<?> k : Settings.keys()) {
            assertThat(k.name()).startsWith("jdask.");
            assertThat(names.add(k.name())).as(k.name()).isTrue();
            assertThat(variables.add(k.environmentVariable())).as(k.name()).isTrue();
            assertThat(k.doc()).as(k.name()).isNotBlank();
            assertThat(k.expectedForm()).as(k.name()).isNotBlank();
            if (k.defaultValue() != null) {
                assertThat((Object) k.parse(k.format(k.defaultValue())))
                        .as(k.name())
                        .isEqualTo(k.defaultValue());
            }
        }
        // the knobs the open issues read
        assertThat(names)
                .contains(
                        "jdask.scheduler.worker-ttl",
                        "jdask.scheduler.client-ttl",
                        "jdask.scheduler.work-stealing",
                        "jdask.scheduler.worker-saturation",
                        "jdask.worker.forward-output",
                        "jdask.adaptive.interval",
                        "jdask.adaptive.target-duration",
                        "jdask.adaptive.wait-count");
        assertThat(Settings.SCHEDULER_WORKER_TTL.defaultValue()).isEqualTo(Duration.ofSeconds(30));
        assertThat(Settings.SCHEDULER_WORKER_SATURATION.defaultValue()).isEqualTo(1.1);
        assertThat(Settings.ADAPTIVE_TARGET_DURATION.defaultValue()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void unknownNamesFromEachSourceAreReportedWithTheClosestKey() throws IOException {
        Path file = file("jdask.worker.memory.targt = 0.5", "scheduler.worker-tll = 5s");
        Settings s = load(
                file,
                Map.of("JDASK_WORKER_EXECUTEAHEAD", "4", "JDASK_JAVA_OPTS", "-Xmx1g", "HOME", "/root"),
                Map.of("jdask.client.spinMicros", "10", "other.property", "x"));
        assertThat(s.warnings())
                .containsExactlyInAnyOrder(
                        "jdask: unknown setting jdask.worker.memory.targt (in " + file
                                + "); the closest is jdask.worker.memory.target",
                        "jdask: unknown setting scheduler.worker-tll (in " + file
                                + "); the closest is jdask.scheduler.worker-ttl",
                        "jdask: unknown setting JDASK_WORKER_EXECUTEAHEAD (environment variable); the closest is"
                                + " JDASK_WORKER_EXECUTE_AHEAD (jdask.worker.execute-ahead)",
                        "jdask: unknown setting jdask.client.spinMicros (system property); the closest is"
                                + " jdask.client.spin-wait");
        // the known ones still apply
        assertThat(s.get(Settings.WORKER_MEMORY_TARGET)).isEqualTo(0.6);
    }

    @Test
    void aBadValueNamesTheKeyTheSourceAndTheExpectedForm() throws IOException {
        Path file = file("jdask.worker.memory.target = lots");
        assertThatThrownBy(() -> load(file, Map.of(), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'lots'")
                .hasMessageContaining("jdask.worker.memory.target")
                .hasMessageContaining("in the settings file " + file)
                .hasMessageContaining("a fraction between 0 and 1");
        assertThatThrownBy(() -> load(null, Map.of("JDASK_SCHEDULER_WORKER_TTL", "soon"), Map.of()))
                .hasMessageContaining("'soon'")
                .hasMessageContaining("from the environment variable JDASK_SCHEDULER_WORKER_TTL")
                .hasMessageContaining("a duration such as 30s");
        assertThatThrownBy(() -> load(null, Map.of(), Map.of("jdask.transport", "carrier-pigeon")))
                .hasMessageContaining("from the system property jdask.transport")
                .hasMessageContaining("one of auto, epoll, nio");
        assertThatThrownBy(() -> load(null, Map.of("JDASK_COMM_DEAD_PEER_TIMEOUT", "1s"), Map.of()))
                .hasMessageContaining("at least 6s");
        assertThatThrownBy(() -> load(null, Map.of("JDASK_CLUSTER_THREADS_PER_WORKER", "0"), Map.of()))
                .hasMessageContaining("a whole number of at least 1");
        assertThatThrownBy(() -> load(null, Map.of("JDASK_CLIENT_DIRECT", "maybe"), Map.of()))
                .hasMessageContaining("true or false");
    }

    @Test
    void systemPropertiesAreReadAtEachGet() {
        Properties properties = new Properties();
        properties.setProperty("user.home", home.toString());
        Settings s = Settings.load(Map.of(), properties);
        assertThat(s.get(Settings.TOKENIZE_STRICT)).isFalse();
        properties.setProperty("jdask.tokenize.strict", "true");
        assertThat(s.get(Settings.TOKENIZE_STRICT)).isTrue();
        properties.setProperty("jdask.tokenize.strict", "sometimes");
        assertThatThrownBy(() -> s.get(Settings.TOKENIZE_STRICT)).hasMessageContaining("jdask.tokenize.strict");
    }

    @Test
    void aChildProcessGetsTheValuesThatAreNotDefaultsAsPropertiesAndNoFile() throws IOException {
        Path file = file("jdask.worker.memory.target = 0.5");
        Settings s = load(file, Map.of("JDASK_CLIENT_SPIN_WAIT", "1ms"), Map.of("jdask.scheduler.worker-ttl", "2m"));
        assertThat(s.childJvmOptions())
                .containsExactlyInAnyOrder(
                        "-Djdask.worker.memory.target=0.5",
                        "-Djdask.client.spin-wait=1ms",
                        "-Djdask.scheduler.worker-ttl=2m",
                        "-Djdask.config=none");
    }

    @Test
    void durationsAndSizesPrintInTheFormTheyParse() {
        assertThat(Settings.parseDuration("1.5s", "ms")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Settings.parseDuration("150", "us")).isEqualTo(Duration.ofNanos(150_000));
        assertThat(Settings.parseDuration("2 min", "s")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Settings.parseDuration("5 parsecs", "s")).isNull();
        assertThat(Settings.formatDuration(Duration.ofMillis(500))).isEqualTo("500ms");
        assertThat(Settings.formatDuration(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(Settings.formatBytes(64 * 1024)).isEqualTo("64KiB");
        assertThat(Settings.formatBytes(100_000_000)).isEqualTo("100MB");
        assertThat(Settings.distance("worker-tll", "worker-ttl")).isEqualTo(1);
        assertThat(Settings.distance("ttl", "tlt")).isEqualTo(2);
    }
}
