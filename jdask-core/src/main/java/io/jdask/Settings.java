package io.jdask;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Every knob of jdask in one place: each {@link Key} has a name, a type, a default, a unit and one line of
 * documentation, and {@link #current()} says what value it has in this JVM and where that came from.
 *
 * <p>Sources, in rising precedence (a later one wins):
 *
 * <ol>
 *   <li>the default written here;
 *   <li>the settings file: {@code ~/.config/jdask/jdask.properties} ({@code $XDG_CONFIG_HOME/jdask/} when that is
 *       set), or the file named by {@code JDASK_CONFIG} (or {@code -Djdask.config}); {@code none} means no file. Its
 *       lines read {@code jdask.worker.memory.target = 0.7} (the {@code jdask.} prefix may be left out);
 *   <li>environment variables: the key's name in capitals with dots and dashes as underscores,
 *       {@code JDASK_WORKER_MEMORY_TARGET} for {@code jdask.worker.memory.target}, {@code JDASK_SCHEDULER_WORKER_TTL}
 *       for {@code jdask.scheduler.worker-ttl} ({@link Key#environmentVariable()});
 *   <li>system properties, {@code -Djdask.worker.memory.target=0.7};
 *   <li>options given in code (builders) or on the command line, which the component applies over these values.
 * </ol>
 *
 * <p>A name under {@code jdask.} (or {@code JDASK_}) that is not a key is reported with one line on standard error
 * naming the closest key, so that a misspelt setting does not go unnoticed. A value that does not parse fails with
 * the key, where the value came from and the form expected.
 *
 * <p>Cost: the file and the environment are read and parsed once per JVM, on the first {@link #current()}; system
 * properties are read on every {@link #get}, so a property set while the program runs (in a notebook, in a test) is
 * seen by the next read. Whoever reads a knob once (into a {@code static final}) keeps doing so. The class avoids
 * lambdas, regular expressions and reflection on this path: a worker process loads it on its way to registering.
 * (Nor {@code +} on strings: the first string concatenation of a JVM bootstraps a method handle, tens of
 * milliseconds on a loaded machine; {@link String#concat} does not.) {@code jdask config} prints the effective values
 * and their sources.
 */
public final class Settings {
    /** Where a value came from, in rising precedence. */
    public enum Source {
        DEFAULT,
        FILE,
        ENVIRONMENT,
        SYSTEM_PROPERTY;
    }

    /** The form of a key's values: how they parse and print. */
    enum Kind {
        BOOLEAN,
        INT,
        FRACTION,
        POSITIVE_NUMBER,
        DURATION,
        BYTES,
        STRING,
        PATH,
        CHOICE
    }

    /**
     * One knob: its name (always under {@code jdask.}), the form of its values, its default (null when it has none),
     * its unit and what it does.
     *
     * @param <T> the type of its values ({@code Boolean}, {@code Integer}, {@code Double}, {@code Duration},
     *     {@code Long} for byte sizes, {@code String}, {@code Path})
     */
    public static final class Key<T> {
        private final String name;
        private final Kind kind;
        private final T defaultValue;
        private final String unit;
        private final String doc;
        private final String[] choices;
        /** The smallest value of an {@code INT}, {@code BYTES} or {@code DURATION} (nanoseconds) key. */
        private final long min;

        /** Made on first use (most runs never need it: no JDASK_ variable is set). */
        private String environmentVariable;

        private Key(String name, Kind kind, T defaultValue, String unit, String doc, long min, String... choices) {
            this.name = PREFIX.concat(name); // not +: its first use costs a fresh JVM tens of ms
            this.kind = kind;
            this.defaultValue = defaultValue;
            this.unit = unit;
            this.doc = doc;
            this.min = min;
            this.choices = choices;
        }

        /** The full name, e.g. {@code jdask.worker.memory.target}: the system property and the file's key. */
        public String name() {
            return name;
        }

        /** The environment variable, e.g. {@code JDASK_WORKER_MEMORY_TARGET}. */
        public String environmentVariable() {
            String v = environmentVariable;
            if (v == null) environmentVariable = v = environmentName(name); // a benign race: same value
            return v;
        }

        /** The value when no source sets one; null when the key has none ("not set"). */
        public T defaultValue() {
            return defaultValue;
        }

        /** The unit of its values ({@code s}, {@code bytes}, ...), or an empty string. */
        public String unit() {
            return unit;
        }

        /** One line on what it does. */
        public String doc() {
            return doc;
        }

        /** The form a value must have, as an error message says it, e.g. "a fraction between 0 and 1 such as 0.6". */
        public String expectedForm() {
            return switch (kind) {
                case BOOLEAN -> "true or false";
                case INT -> "a whole number of at least " + min;
                case FRACTION -> "a fraction between 0 and 1 such as 0.6 (0 turns it off)";
                case POSITIVE_NUMBER -> "a number above 0 such as 1.5, or inf";
                case DURATION ->
                    "a duration such as 30s, 500ms or 150us (a bare number counts in " + unit + "), at least "
                            + formatDuration(Duration.ofNanos(min));
                case BYTES -> "a size such as 64KiB, 4GB or a number of bytes, at least " + min;
                case STRING -> "any text";
                case PATH -> "a file or directory path";
                case CHOICE -> "one of " + String.join(", ", choices);
            };
        }

        /** The value a text stands for; throws with the expected form when it does not parse. */
        @SuppressWarnings("unchecked")
        T parse(String text) {
            String s = text.trim();
            Object value = switch (kind) {
                case BOOLEAN -> parseBoolean(s);
                case INT -> {
                    long n = parseWhole(s);
                    yield n >= min && n <= Integer.MAX_VALUE ? Integer.valueOf((int) n) : null;
                }
                case FRACTION -> {
                    Double d = parseDouble(s);
                    yield d != null && d >= 0 && d <= 1 ? d : null;
                }
                case POSITIVE_NUMBER -> {
                    Double d = s.equalsIgnoreCase("inf") ? Double.valueOf(Double.POSITIVE_INFINITY) : parseDouble(s);
                    yield d != null && d > 0 ? d : null;
                }
                case DURATION -> {
                    Duration d = parseDuration(s, unit);
                    yield d != null && d.toNanos() >= min ? d : null;
                }
                case BYTES -> {
                    Long b;
                    try {
                        b = MemorySizes.parse(s);
                    } catch (IllegalArgumentException e) {
                        b = null;
                    }
                    yield b != null && b >= min ? b : null;
                }
                case STRING -> s;
                case PATH -> s.isEmpty() ? null : expandHome(s);
                case CHOICE -> {
                    String lower = s.toLowerCase(Locale.ROOT);
                    String found = null;
                    for (String c : choices) if (c.equals(lower)) found = c;
                    yield found;
                }
            };
            if (value == null) throw new IllegalArgumentException(s);
            return (T) value;
        }

        /** How a value prints: the form {@link #parse} reads back. */
        public String format(Object value) {
            if (value == null) return "";
            return switch (kind) {
                case DURATION -> formatDuration((Duration) value);
                case BYTES -> formatBytes((Long) value);
                case POSITIVE_NUMBER -> ((Double) value).isInfinite() ? "inf" : value.toString();
                default -> value.toString();
            };
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** What one key is set to, and by which source. */
    public record Setting(Key<?> key, Object value, Source source, String origin) {
        /** The value as text, in the form the key parses. */
        public String text() {
            return key.format(value);
        }
    }

    static final String PREFIX = "jdask.";
    private static final String ENV_PREFIX = "JDASK_";

    private static final List<Key<?>> KEYS = new ArrayList<>();

    // ---------------------------------------------------------------- the settings file itself

    /** The settings file; {@code none} for none. Set by the environment or a system property only. */
    public static final Key<Path> CONFIG = path(
            "config",
            null,
            "the settings file (none for none); default ~/.config/jdask/jdask.properties ($XDG_CONFIG_HOME/jdask/)");

    // ---------------------------------------------------------------- LocalCluster

    public static final Key<Integer> CLUSTER_WORKERS = integer(
            "cluster.workers",
            Runtime.getRuntime().availableProcessors(),
            "",
            0,
            "workers a LocalCluster starts (default: one per core)");
    public static final Key<Integer> CLUSTER_THREADS_PER_WORKER =
            integer("cluster.threads-per-worker", 1, "", 1, "task threads of each LocalCluster worker");
    public static final Key<Boolean> CLUSTER_PROCESSES =
            bool("cluster.processes", true, "LocalCluster workers as separate JVMs (false: threads of this JVM)");
    public static final Key<Long> CLUSTER_MEMORY_LIMIT =
            bytes("cluster.memory-limit", 0L, 0, "heap of each LocalCluster worker process (0: the JVM's default)");
    public static final Key<Integer> CLUSTER_DASHBOARD_PORT = integer(
            "cluster.dashboard-port", 8787, "", -1, "LocalCluster's dashboard port (0: any free one, -1: none)");
    public static final Key<Boolean> CLUSTER_WARMUP = bool(
            "cluster.warmup",
            false,
            "warm the client's side of the task path while LocalCluster's worker processes start");

    // ---------------------------------------------------------------- client

    public static final Key<Boolean> CLIENT_DIRECT =
            bool("client.direct", true, "a LocalCluster's client in this JVM hands messages over without a socket");
    public static final Key<Boolean> CLIENT_PUSH =
            bool("client.push", true, "send classes defined in memory (notebook cells) to workers ahead of the tasks");
    public static final Key<Duration> CLIENT_SPIN_WAIT = duration(
            "client.spin-wait",
            Duration.ofNanos(150_000),
            "us",
            0,
            "how long Future.result() spins before it parks (0: park at once)");

    // ---------------------------------------------------------------- scheduler

    public static final Key<Integer> SCHEDULER_PORT =
            integer("scheduler.port", 8786, "", 0, "port of `jdask scheduler` (0: any free one)");
    public static final Key<Integer> SCHEDULER_DASHBOARD_PORT = integer(
            "scheduler.dashboard-port",
            8787,
            "",
            -1,
            "dashboard port of `jdask scheduler` (0: any free one, -1: none)");
    public static final Key<String> SCHEDULER_DASHBOARD_HOST =
            string("scheduler.dashboard-host", "127.0.0.1", "interface of `jdask scheduler`'s dashboard");
    public static final Key<Double> SCHEDULER_WORKER_SATURATION = positive(
            "scheduler.worker-saturation",
            1.1,
            "queue root tasks once each worker runs this many per thread (inf: no queuing)");
    public static final Key<Duration> SCHEDULER_WORKER_TTL = duration(
            "scheduler.worker-ttl",
            Duration.ofSeconds(30),
            "s",
            0,
            "a worker not heard from for this long is removed and its tasks run elsewhere");
    public static final Key<Duration> SCHEDULER_CLIENT_TTL = duration(
            "scheduler.client-ttl",
            Duration.ofSeconds(60),
            "s",
            0,
            "a client not heard from for this long is removed and its futures released");
    public static final Key<Boolean> SCHEDULER_WORK_STEALING =
            bool("scheduler.work-stealing", true, "move waiting tasks from busy workers to idle ones");
    public static final Key<Integer> SCHEDULER_ALLOWED_FAILURES =
            integer("scheduler.allowed-failures", 3, "", 1, "workers that may die running one task before it fails");
    public static final Key<Long> SCHEDULER_BANDWIDTH =
            bytes("scheduler.bandwidth", 100_000_000L, 1, "network bandwidth assumed in bytes per second, e.g. 100MB");
    public static final Key<Duration> SCHEDULER_DEFAULT_TASK_DURATION = duration(
            "scheduler.default-task-duration",
            Duration.ofMillis(500),
            "ms",
            0,
            "duration assumed for a task of a kind that never finished yet");
    public static final Key<Long> SCHEDULER_DEFAULT_DATA_SIZE =
            bytes("scheduler.default-data-size", 1024L, 0, "size assumed for a result of unknown size");
    public static final Key<Duration> SCHEDULER_SHORT_TASK_LATENCY = duration(
            "scheduler.short-task-latency",
            Duration.ofNanos(200_000),
            "us",
            0,
            "round trip that queued short tasks must cover: more slots for workers running short tasks (0: off)");
    public static final Key<Integer> SCHEDULER_TASK_STREAM_SIZE =
            integer("scheduler.task-stream-size", 10_000, "", 1, "task stream entries kept for the dashboard");
    public static final Key<Integer> SCHEDULER_STORY_LENGTH =
            integer("scheduler.story-length", 100_000, "", 0, "transitions kept for story(key) (oldest dropped)");
    public static final Key<Duration> SCHEDULER_RESTART_TIMEOUT = duration(
            "scheduler.restart-timeout",
            Duration.ofSeconds(30),
            "s",
            1,
            "how long client.restart() waits for the workers to leave");

    // ---------------------------------------------------------------- worker

    public static final Key<Integer> WORKER_NTHREADS =
            integer("worker.nthreads", 1, "", 1, "task threads of `jdask worker`");
    public static final Key<Long> WORKER_MEMORY_LIMIT =
            bytes("worker.memory-limit", 0L, 0, "memory of `jdask worker`, e.g. 4GB (0: the JVM's maximum heap)");
    public static final Key<Double> WORKER_MEMORY_TARGET =
            fraction("worker.memory.target", 0.6, "of the memory limit: stored values above it spill to disk (0: off)");
    public static final Key<Double> WORKER_MEMORY_SPILL =
            fraction("worker.memory.spill", 0.7, "of the memory limit of heap after a collection: values spill too");
    public static final Key<Double> WORKER_MEMORY_PAUSE =
            fraction("worker.memory.pause", 0.8, "of the memory limit of heap: the worker starts no new task");
    public static final Key<Double> WORKER_MEMORY_TERMINATE =
            fraction("worker.memory.terminate", 0.95, "of the memory limit of heap: the worker process exits");
    public static final Key<Path> WORKER_LOCAL_DIRECTORY =
            path("worker.local-directory", null, "where workers spill values (default: the temporary directory)");
    public static final Key<Integer> WORKER_EXECUTE_AHEAD = integer(
            "worker.execute-ahead",
            8,
            "tasks",
            0,
            "short tasks handed to busy task threads beyond nthreads (0: only to a free thread, as Dask)");
    public static final Key<Boolean> WORKER_FORWARD_OUTPUT =
            bool("worker.forward-output", true, "what tasks print and log reaches the client that submitted them");
    public static final Key<Duration> WORKER_CONNECT_TIMEOUT = duration(
            "worker.connect-timeout",
            Duration.ofSeconds(30),
            "s",
            1,
            "how long connecting and registering with the scheduler may take");
    public static final Key<Duration> WORKER_TRANSFER_TIMEOUT = duration(
            "worker.transfer-timeout", Duration.ofSeconds(120), "s", 1, "how long one fetch from a peer may take");
    public static final Key<Duration> WORKER_CLASS_FETCH_TIMEOUT = duration(
            "worker.class-fetch-timeout", Duration.ofSeconds(30), "s", 1, "how long to wait for a client's class");
    public static final Key<Long> WORKER_INLINE_LIMIT =
            bytes("worker.inline-limit", 64L * 1024, 0, "results up to this size travel with the task's report");
    public static final Key<Duration> WORKER_PROFILE_INTERVAL = duration(
            "worker.profile-interval",
            Duration.ofMillis(10),
            "ms",
            0,
            "how often running tasks are sampled for client.profile() (0: off)");
    public static final Key<String> WORKER_WARMUP = choice(
            "worker.warmup",
            "off",
            "synthetic tasks through the task path of a worker process: off, idle (until work arrives) or full",
            "off",
            "idle",
            "full");
    public static final Key<Long> WORKER_INITIAL_HEAP = bytes(
            "worker.initial-heap",
            1024L << 20,
            0,
            "initial heap of LocalCluster's worker processes, at most their limit (0: the JVM's default)");
    public static final Key<Boolean> WORKER_CDS =
            bool("worker.cds", true, "LocalCluster's worker processes start from a class data sharing archive");
    public static final Key<Boolean> WORKER_AOT =
            bool("worker.aot", true, "on JDK 25+, that archive is an AOT cache with the task path's profiles");
    public static final Key<Path> CDS_DIR =
            path("cds.dir", null, "where those archives are kept (default: ~/.cache/jdask/cds)");

    // ---------------------------------------------------------------- adaptive scaling

    public static final Key<Duration> ADAPTIVE_INTERVAL = duration(
            "adaptive.interval", Duration.ofSeconds(1), "s", 1, "how often cluster.adapt() reconsiders the workers");
    public static final Key<Duration> ADAPTIVE_TARGET_DURATION = duration(
            "adaptive.target-duration",
            Duration.ofSeconds(5),
            "s",
            1,
            "cluster.adapt() asks for workers enough to finish the waiting work in this time");
    public static final Key<Integer> ADAPTIVE_WAIT_COUNT = integer(
            "adaptive.wait-count",
            3,
            "",
            1,
            "consecutive decisions to retire a worker before cluster.adapt() retires it");

    // ---------------------------------------------------------------- transport

    public static final Key<String> TRANSPORT = choice(
            "transport", "auto", "Netty's sockets: epoll, nio, or auto (epoll where it loads)", "auto", "epoll", "nio");
    public static final Key<String> TLS_PROVIDER =
            choice("tls.provider", "jdk", "the TLS implementation: jdk or openssl (BoringSSL)", "jdk", "openssl");
    public static final Key<Path> SECURITY =
            path("security", null, "the cluster's credentials file (jdask security init) for tls:// addresses");
    public static final Key<Duration> COMM_HANDSHAKE_TIMEOUT = duration(
            "comm.handshake-timeout",
            Duration.ofSeconds(5),
            "s",
            1,
            "how long a new connection may take to finish its handshakes");
    public static final Key<Integer> COMM_MAX_HANDSHAKING =
            integer("comm.max-handshaking", 256, "connections", 1, "connections of one listener handshaking at once");
    public static final Key<Duration> COMM_DEAD_PEER_TIMEOUT = duration(
            "comm.dead-peer-timeout",
            Duration.ofSeconds(30),
            "s",
            6_000_000_000L,
            "a connection without a sign of life from the peer's machine for this long is closed");

    // ---------------------------------------------------------------- elsewhere

    public static final Key<String> UNSAFE_NOTICE = choice(
            "unsafe-notice",
            "jdask",
            "on JDK 24+ without the flags that allow it, who says that the serializer uses sun.misc.Unsafe: jdask (one"
                    + " line naming the flag) or jdk (the JDK's own warning)",
            "jdask",
            "jdk");
    public static final Key<String> LOG_LEVEL = choice(
            "log.level",
            "info",
            "level of jdask's own log (the jdask command and worker processes)",
            "trace",
            "debug",
            "info",
            "warn",
            "error",
            "off");
    public static final Key<String> PROGRESS = choice(
            "progress",
            "auto",
            "how Progress.show draws: auto (html in a notebook), text or html",
            "auto",
            "text",
            "html");
    public static final Key<Boolean> TOKENIZE_STRICT =
            bool("tokenize.strict", false, "an argument of a pure task that cannot be tokenized fails instead");
    public static final Key<String> TEST_SEED =
            string("test.seed", null, "seed of jdask's randomized tests (default: a new one each run)");
    public static final Key<Boolean> BENCH_VALUES =
            bool("bench.values", false, "ClusterBench also prints every measured value");

    /** Environment variables under JDASK_ that are not settings. */
    private static final String[] NOT_SETTINGS = {"JDASK_JAVA_OPTS"};

    /**
     * The keys by name and by environment variable, built on first use: a run that sets no {@code jdask.*} property
     * and no {@code JDASK_*} variable (most worker processes) never needs them.
     */
    private static final class Names {
        static final Map<String, Key<?>> BY_NAME = new HashMap<>();
        static final Map<String, Key<?>> BY_ENVIRONMENT = new HashMap<>();

        static {
            for (Key<?> k : KEYS) {
                if (BY_NAME.put(k.name, k) != null || BY_ENVIRONMENT.put(k.environmentVariable(), k) != null) {
                    throw new ExceptionInInitializerError("two settings share the name of " + k.name);
                }
            }
        }
    }

    /** The settings of this JVM, read on first use; see the class note for what is read when. */
    private static volatile Settings current;

    /** File and environment values, by key; system properties are read live. */
    private final Map<Key<?>, Setting> layered;
    /** The settings file read, or null. */
    private final Path file;
    /** One line per name that is not a setting. */
    private final List<String> warnings;
    /** The system properties, read at each {@link #get} (the live object for {@link #current()}). */
    private final Properties properties;

    private Settings(Map<Key<?>, Setting> layered, Path file, List<String> warnings, Properties properties) {
        this.layered = layered;
        this.properties = properties;
        this.file = file;
        this.warnings = List.copyOf(warnings);
    }

    /**
     * The settings of this JVM: the file and the environment read once, on the first call, which also reports
     * unknown names on standard error; system properties as they are at each {@link #get}.
     *
     * @throws IllegalArgumentException naming the key, its source and the form expected, for a value that does not
     *     parse
     */
    public static Settings current() {
        Settings s = current;
        if (s == null) {
            synchronized (Settings.class) {
                s = current;
                if (s == null) {
                    s = load();
                    for (String w : s.warnings) System.err.println(w);
                    current = s;
                }
            }
        }
        return s;
    }

    /** Reads every source again (for {@code jdask config}); warnings are in {@link #warnings()}, not printed. */
    public static Settings load() {
        return load(System.getenv(), System.getProperties());
    }

    static Settings load(Map<String, String> environment, Properties properties) {
        List<String> warnings = new ArrayList<>();
        Map<Key<?>, Setting> layered = new HashMap<>();
        // the environment first: it may name the file
        for (Map.Entry<String, String> e : environment.entrySet()) {
            String variable = e.getKey();
            if (!variable.startsWith(ENV_PREFIX) || isNotSetting(variable)) continue;
            Key<?> key = Names.BY_ENVIRONMENT.get(variable);
            if (key == null) {
                warnings.add(unknown(variable, "environment variable", closestEnvironment(variable)));
                continue;
            }
            layered.put(key, setting(key, e.getValue(), Source.ENVIRONMENT, variable));
        }
        for (String name : properties.stringPropertyNames()) {
            if (!name.startsWith(PREFIX) || name.equals(CONFIG.name)) continue; // the file's name: read below
            Key<?> key = Names.BY_NAME.get(name);
            if (key == null) {
                warnings.add(unknown(name, "system property", closestName(name)));
            } else {
                setting(key, properties.getProperty(name), Source.SYSTEM_PROPERTY, "-D".concat(name)); // fails early
            }
        }
        String fileProperty = properties.getProperty(CONFIG.name);
        Setting fileSetting = fileProperty != null
                ? setting(CONFIG, fileProperty, Source.SYSTEM_PROPERTY, "-D".concat(CONFIG.name))
                : layered.get(CONFIG);
        Path file;
        boolean named = fileSetting != null;
        if (named) {
            String text = fileSetting.origin;
            file = ((Path) fileSetting.value).toString().equals("none") ? null : (Path) fileSetting.value;
            if (file != null && !Files.isRegularFile(file)) {
                throw new IllegalArgumentException(
                        text + " names the settings file " + file + ", which does not exist (none for no file)");
            }
        } else {
            file = defaultFile(environment, properties);
            if (!Files.isRegularFile(file)) file = null;
        }
        if (file != null) readFile(file, layered, warnings);
        return new Settings(layered, file, warnings, properties);
    }

    private static Path defaultFile(Map<String, String> environment, Properties properties) {
        String xdg = environment.get("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank()
                ? Path.of(xdg)
                : Path.of(properties.getProperty("user.home", "."), ".config");
        return base.resolve("jdask").resolve("jdask.properties");
    }

    private static void readFile(Path file, Map<Key<?>, Setting> layered, List<String> warnings) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read the settings file " + file + ": " + e.getMessage(), e);
        }
        String origin = file.toString();
        for (String raw : p.stringPropertyNames()) {
            String name = raw.startsWith(PREFIX) ? raw : PREFIX.concat(raw);
            Key<?> key = Names.BY_NAME.get(name);
            if (key == null || key == CONFIG) {
                warnings.add(unknown(raw, "in " + origin, closestName(name)));
                continue;
            }
            if (!layered.containsKey(key)) { // the environment wins over the file
                layered.put(key, setting(key, p.getProperty(raw), Source.FILE, origin));
            }
        }
    }

    private static Setting setting(Key<?> key, String text, Source source, String origin) {
        try {
            return new Setting(key, key.parse(text), source, origin);
        } catch (IllegalArgumentException e) {
            String where = switch (source) {
                case FILE -> "in the settings file " + origin;
                case ENVIRONMENT -> "from the environment variable " + origin;
                case SYSTEM_PROPERTY -> "from the system property " + key.name;
                case DEFAULT -> "by default";
            };
            throw new IllegalArgumentException("bad value '" + text.trim() + "' for the setting " + key.name + " "
                    + where + ": expected " + key.expectedForm());
        }
    }

    // ---------------------------------------------------------------- reading

    /** The value of a key: a system property, else the environment, else the file, else the default (maybe null). */
    public <T> T get(Key<T> key) {
        @SuppressWarnings("unchecked")
        T value = (T) setting(key).value;
        return value;
    }

    /** The value of a key with its source. */
    public Setting setting(Key<?> key) {
        String property = properties.getProperty(key.name);
        if (property != null) return setting(key, property, Source.SYSTEM_PROPERTY, "-D".concat(key.name));
        Setting s = layered.get(key);
        if (s != null) return s;
        if (key == CONFIG && file != null) return new Setting(key, file, Source.DEFAULT, "default");
        return new Setting(key, key.defaultValue, Source.DEFAULT, "default");
    }

    /** Every key, in the order of this class (grouped by component). */
    public static List<Key<?>> keys() {
        return Collections.unmodifiableList(KEYS);
    }

    /** The key of a name ({@code jdask.} optional), if there is one. */
    public static Optional<Key<?>> key(String name) {
        return Optional.ofNullable(Names.BY_NAME.get(name.startsWith(PREFIX) ? name : PREFIX + name));
    }

    /** The settings file that was read, if any. */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /** One line per name under {@code jdask.} or {@code JDASK_} that is not a setting, naming the closest one. */
    public List<String> warnings() {
        return warnings;
    }

    /**
     * JVM options that give a child process (a LocalCluster's worker) this JVM's effective settings: a system
     * property for each key not at its default, and {@code -Djdask.config=none}, so that the child reads no file
     * (whose values are already among the properties). The caller also drops {@code JDASK_*} variables from the
     * child's environment, so that nothing is reported twice.
     */
    public List<String> childJvmOptions() {
        List<String> options = new ArrayList<>();
        for (Key<?> k : KEYS) {
            if (k == CONFIG) continue;
            Setting s = setting(k);
            if (s.source != Source.DEFAULT && s.value != null) {
                options.add("-D" + k.name + "=" + s.text());
            }
        }
        options.add("-D" + CONFIG.name + "=none");
        return options;
    }

    // ---------------------------------------------------------------- unknown names

    private static boolean isNotSetting(String variable) {
        for (String n : NOT_SETTINGS) if (n.equals(variable)) return true;
        return false;
    }

    private static String unknown(String name, String where, String closest) {
        return "jdask: unknown setting " + name + " (" + where + "); the closest is " + closest;
    }

    private static String closestName(String name) {
        Key<?> best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Key<?> k : KEYS) {
            int d = distance(name.toLowerCase(Locale.ROOT), k.name.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best.name;
    }

    private static String closestEnvironment(String variable) {
        Key<?> best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Key<?> k : KEYS) {
            int d = distance(variable, k.environmentVariable());
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best.environmentVariable() + " (" + best.name + ")";
    }

    /** Edit distance (insertions, deletions, substitutions). */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] row = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) previous[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            row[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                row[j] = Math.min(substitute, Math.min(previous[j], row[j - 1]) + 1);
            }
            int[] t = previous;
            previous = row;
            row = t;
        }
        return previous[b.length()];
    }

    // ---------------------------------------------------------------- declaring keys

    private static <T> Key<T> add(Key<T> key) {
        KEYS.add(key);
        return key;
    }

    private static Key<Boolean> bool(String name, boolean defaultValue, String doc) {
        return add(new Key<>(name, Kind.BOOLEAN, defaultValue, "", doc, 0));
    }

    private static Key<Integer> integer(String name, Integer defaultValue, String unit, long min, String doc) {
        return add(new Key<>(name, Kind.INT, defaultValue, unit, doc, min));
    }

    private static Key<Double> fraction(String name, double defaultValue, String doc) {
        return add(new Key<>(name, Kind.FRACTION, defaultValue, "fraction", doc, 0));
    }

    private static Key<Double> positive(String name, double defaultValue, String doc) {
        return add(new Key<>(name, Kind.POSITIVE_NUMBER, defaultValue, "", doc, 0));
    }

    private static Key<Duration> duration(String name, Duration defaultValue, String unit, long minNanos, String doc) {
        return add(new Key<>(name, Kind.DURATION, defaultValue, unit, doc, minNanos));
    }

    private static Key<Long> bytes(String name, Long defaultValue, long min, String doc) {
        return add(new Key<>(name, Kind.BYTES, defaultValue, "bytes", doc, min));
    }

    private static Key<String> string(String name, String defaultValue, String doc) {
        return add(new Key<>(name, Kind.STRING, defaultValue, "", doc, 0));
    }

    private static Key<Path> path(String name, Path defaultValue, String doc) {
        return add(new Key<>(name, Kind.PATH, defaultValue, "", doc, 0));
    }

    private static Key<String> choice(String name, String defaultValue, String doc, String... choices) {
        return add(new Key<>(name, Kind.CHOICE, defaultValue, "", doc, 0, choices));
    }

    /** {@code jdask.scheduler.worker-ttl} -> {@code JDASK_SCHEDULER_WORKER_TTL}. */
    static String environmentName(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            sb.append(c == '.' || c == '-' ? '_' : Character.toUpperCase(c));
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- parsing and printing values

    private static Boolean parseBoolean(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> Boolean.TRUE;
            case "false", "no", "off", "0" -> Boolean.FALSE;
            default -> null;
        };
    }

    private static long parseWhole(String s) {
        try {
            return Long.parseLong(s.replace("_", ""));
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }

    private static Double parseDouble(String s) {
        try {
            double d = Double.parseDouble(s);
            return Double.isNaN(d) ? null : d;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** {@code 30s}, {@code 1.5 ms}, {@code 150us}, {@code 2m}, {@code 1h}, or a bare number in {@code unit}. */
    static Duration parseDuration(String s, String unit) {
        int end = 0;
        while (end < s.length() && (Character.isDigit(s.charAt(end)) || s.charAt(end) == '.')) end++;
        if (end == 0) return null;
        Double number = parseDouble(s.substring(0, end));
        String suffix = s.substring(end).trim().toLowerCase(Locale.ROOT);
        if (number == null) return null;
        long nanosPerUnit = switch (suffix.isEmpty() ? unit : suffix) {
            case "ns" -> 1L;
            case "us", "µs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m", "min" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> -1L;
        };
        if (nanosPerUnit < 0) return null;
        return Duration.ofNanos(Math.round(number * nanosPerUnit));
    }

    static String formatDuration(Duration d) {
        long nanos = d.toNanos();
        if (nanos == 0) return "0s";
        if (nanos % 3_600_000_000_000L == 0) return nanos / 3_600_000_000_000L + "h";
        if (nanos % 60_000_000_000L == 0) return nanos / 60_000_000_000L + "m";
        if (nanos % 1_000_000_000L == 0) return nanos / 1_000_000_000L + "s";
        if (nanos % 1_000_000L == 0) return nanos / 1_000_000L + "ms";
        if (nanos % 1_000L == 0) return nanos / 1_000L + "us";
        return nanos + "ns";
    }

    static String formatBytes(long bytes) {
        if (bytes != 0 && bytes % (1L << 30) == 0) return bytes / (1L << 30) + "GiB";
        if (bytes != 0 && bytes % (1L << 20) == 0) return bytes / (1L << 20) + "MiB";
        if (bytes != 0 && bytes % (1L << 10) == 0) return bytes / (1L << 10) + "KiB";
        if (bytes != 0 && bytes % 1_000_000_000L == 0) return bytes / 1_000_000_000L + "GB";
        if (bytes != 0 && bytes % 1_000_000L == 0) return bytes / 1_000_000L + "MB";
        return Long.toString(bytes);
    }

    private static Path expandHome(String s) {
        if (s.equals("~") || s.startsWith("~/")) {
            return Path.of(System.getProperty("user.home", "."), s.length() > 1 ? s.substring(2) : "");
        }
        return Path.of(s);
    }

    /** Every key with its value and source, in the order of {@link #keys()}. */
    public Map<Key<?>, Setting> all() {
        Map<Key<?>, Setting> all = new LinkedHashMap<>();
        for (Key<?> k : KEYS) all.put(k, setting(k));
        return all;
    }
}
