package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jdask.Client;
import io.jdask.LocalCluster;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application's own jar, which the worker process does not have: its classes reach the worker from the client, and
 * the worker's log stays clean. The jar is compiled here from source and loaded in this JVM through a loader of its
 * own, as a program that depends on jdask would have it on its class path; the worker is a process started with the
 * cluster's class path only, its output kept in a file.
 */
class UserJarOnWorkerProcessTest {
    @TempDir
    static Path dir;

    private static LocalCluster cluster;
    private static Process worker;
    private static Path workerLog;
    private static URLClassLoader appLoader;

    /** The application: a package-private record as argument and result, and tasks that look around the worker. */
    private static final Map<String, String> SOURCES = Map.of(
            "acme/Greeter.java",
            "package acme; public interface Greeter { String greet(String who); }",
            "acme/English.java",
            "package acme; public class English implements Greeter { public String greet(String w) { return \"hello \" + w; } }",
            "acme/App.java",
            """
            package acme;

            import io.jdask.Client;
            import java.util.ArrayList;
            import java.util.List;

            public class App {
                record Job(int n, String name) {}

                static Job twice(Job j) {
                    return new Job(j.n() * 2, j.name());
                }

                /** The serializer the worker's Fory uses for Job now: generated ones are named ...ForyCodec... */
                static String serializerOf(Job j) {
                    return io.jdask.protocol.Serializer.shared().serializerClassName(Job.class);
                }

                /** What a task finds through ServiceLoader and getResource: the application's files. */
                static String lookAround(String who) throws Exception {
                    StringBuilder out = new StringBuilder();
                    for (Greeter g : java.util.ServiceLoader.load(Greeter.class)) out.append(g.greet(who)).append(';');
                    java.util.Properties p = new java.util.Properties();
                    try (var in = App.class.getResourceAsStream("app.properties")) {
                        p.load(in);
                    }
                    out.append(p.getProperty("greeting")).append(';');
                    ClassLoader l = Thread.currentThread().getContextClassLoader();
                    out.append(java.util.Collections.list(l.getResources("acme/app.properties")).size()).append(';');
                    out.append(l.getResource("acme/absent.properties"));
                    return out.toString();
                }

                public static List<String> run(Client client) throws Exception {
                    List<String> out = new ArrayList<>();
                    for (int i = 0; i < 4; i++) out.add(client.submit(App::twice, new Job(i, "job" + i)).result().toString());
                    out.add(client.submit(App::serializerOf, new Job(0, "x")).result());
                    out.add(client.submit(App::lookAround, "worker").result());
                    return out;
                }
            }
            """);

    @BeforeAll
    static void startClusterAndWorker() throws Exception {
        Path jar = buildJar();
        appLoader =
                new URLClassLoader(new URL[] {jar.toUri().toURL()}, UserJarOnWorkerProcessTest.class.getClassLoader());
        cluster = LocalCluster.builder().workers(0).dashboardPort(-1).build();
        workerLog = dir.resolve("worker.log");
        List<String> cmd = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "-Xmx128m",
                "-XX:+UseSerialGC",
                "--sun-misc-unsafe-memory-access=allow",
                "-cp",
                LocalClusterImpl.workerClassPath(),
                io.jdask.worker.WorkerMain.class.getName(),
                "--scheduler",
                cluster.schedulerAddress(),
                "--name",
                "no-app-jar"));
        worker = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(workerLog.toFile())
                .start();
        await().atMost(Duration.ofSeconds(60))
                .until(() -> cluster.workerAddresses().size() == 1);
        assertThat(LocalClusterImpl.workerClassPath()).doesNotContain(jar.toString());
    }

    @AfterAll
    static void stop() throws Exception {
        if (worker != null) {
            worker.destroy();
            if (!worker.waitFor(15, TimeUnit.SECONDS)) worker.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        if (cluster != null) cluster.close();
        if (appLoader != null) appLoader.close();
    }

    @SuppressWarnings("unchecked")
    private static List<String> runApp(Client client) throws Exception {
        Method run = appLoader.loadClass("acme.App").getMethod("run", Client.class);
        // As a host of plug-ins does: the application's code runs with its loader as the context loader, which is the
        // one jdask opens results with.
        Thread self = Thread.currentThread();
        ClassLoader previous = self.getContextClassLoader();
        self.setContextClassLoader(appLoader);
        try {
            return (List<String>) run.invoke(null, client);
        } finally {
            self.setContextClassLoader(previous);
        }
    }

    @Test
    void classesAndResourcesOfTheJarReachTheWorkerAndItsRecordGetsAGeneratedSerializerWithACleanLog() throws Exception {
        // Two clients: the worker loads the application's classes once per client, each in a loader of its own, and
        // Fory must bind each client's generated serializer to that client's classes.
        for (int round = 0; round < 2; round++) {
            try (Client client = Client.connect(cluster.schedulerAddress())) {
                List<String> out = runApp(client);
                assertThat(out.subList(0, 4))
                        .containsExactly(
                                "Job[n=0, name=job0]",
                                "Job[n=2, name=job1]",
                                "Job[n=4, name=job2]",
                                "Job[n=6, name=job3]");
                assertThat(out.get(4))
                        .as("the serializer of App.Job on the worker")
                        .containsPattern("Fory(Ref)?Codec");
                assertThat(out.get(5))
                        .as("what ServiceLoader, getResourceAsStream, getResources and getResource found in a task")
                        .isEqualTo("hello worker;hi from app.properties;1;null");
            }
        }
        String log = Files.readString(workerLog, StandardCharsets.UTF_8);
        assertThat(log)
                .as("the worker's log")
                .doesNotContain("Exception")
                .doesNotContain("Error")
                .doesNotContain("WARN");
    }

    /** Compiles {@link #SOURCES} against jdask into a jar that only this test's loader sees. */
    private static Path buildJar() throws IOException {
        Path src = dir.resolve("src");
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes);
        List<String> args =
                new ArrayList<>(List.of("-d", classes.toString(), "-cp", LocalClusterImpl.workerClassPath()));
        for (var e : SOURCES.entrySet()) {
            Path file = src.resolve(e.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, e.getValue());
            args.add(file.toString());
        }
        assertThat(ToolProvider.getSystemJavaCompiler().run(null, null, null, args.toArray(String[]::new)))
                .as("compiling the application")
                .isZero();
        Files.createDirectories(classes.resolve("META-INF/services"));
        Files.writeString(classes.resolve("META-INF/services/acme.Greeter"), "# the English greeter\nacme.English\n");
        Files.writeString(classes.resolve("acme/app.properties"), "greeting=hi from app.properties\n");
        Path jar = dir.resolve("app.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
        }
        return jar;
    }
}
