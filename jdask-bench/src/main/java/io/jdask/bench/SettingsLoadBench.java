package io.jdask.bench;

import io.jdask.Settings;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What reading the settings costs a fresh JVM (a worker process reads them on its way to registering): in each of
 * {@code runs} new JVMs started with this JVM's class path and the extra JVM options given, the CPU time of this
 * thread for {@code System.getenv()} (the JDK's own first-call cost, apart), for the {@link Settings} class's
 * initialisation, for {@link Settings#current()} (file and environment read) and for the first {@link Settings#get}.
 * Prints each run and the medians in microseconds.
 *
 * <p>{@code java -cp CLASSPATH io.jdask.bench.SettingsLoadBench [runs] [jvm options...]}, e.g. {@code 11
 * -XX:SharedArchiveFile=app.jsa} for a class data sharing archive, as LocalCluster's workers have; the class path
 * needs jdask-core and this class, as jars for an archive (the commands are in BENCHMARKS.md, section 8).
 */
public final class SettingsLoadBench {
    private SettingsLoadBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--child")) {
            child();
            return;
        }
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 11;
        List<String> jvmOptions = args.length > 1 ? Arrays.asList(args).subList(1, args.length) : List.of();
        long[][] all = new long[4][runs];
        for (int r = 0; r < runs; r++) {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(jvmOptions);
            cmd.addAll(List.of(
                    "-cp", System.getProperty("java.class.path"), SettingsLoadBench.class.getName(), "--child"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0) throw new IllegalStateException("the child failed: " + out);
            String last = out.lines().reduce((a, b) -> b).orElse("");
            String[] f = last.split(" ");
            for (int i = 0; i < 4; i++) all[i][r] = Long.parseLong(f[i]);
            System.out.println("run " + r + ": getenv " + f[0] + " us, class init " + f[1] + " us, current() " + f[2]
                    + " us, first get " + f[3] + " us (CPU)");
        }
        String[] names = {"getenv", "class init", "current()", "first get"};
        StringBuilder sb = new StringBuilder("medians (us of CPU):");
        for (int i = 0; i < 4; i++) {
            Arrays.sort(all[i]);
            sb.append(' ').append(names[i]).append(' ').append(all[i][runs / 2]).append(';');
        }
        System.out.println(sb);
    }

    private static void child() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long c0 = mx.getCurrentThreadCpuTime();
        System.getenv();
        long c1 = mx.getCurrentThreadCpuTime();
        int keys = Settings.keys().size();
        long c2 = mx.getCurrentThreadCpuTime();
        Settings s = Settings.current();
        long c3 = mx.getCurrentThreadCpuTime();
        double target = s.get(Settings.WORKER_MEMORY_TARGET);
        long c4 = mx.getCurrentThreadCpuTime();
        if (keys == 0 || target < 0) throw new IllegalStateException("no settings");
        System.out.println((c1 - c0) / 1000 + " " + (c2 - c1) / 1000 + " " + (c3 - c2) / 1000 + " " + (c4 - c3) / 1000);
    }
}
