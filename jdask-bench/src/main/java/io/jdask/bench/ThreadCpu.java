package io.jdask.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time per thread group of this JVM and its child processes (the worker JVMs of a {@code LocalCluster}), read
 * from Linux's {@code /proc/<pid>/task/<tid>/stat}: the profile mode of {@link ClusterBench} takes a snapshot
 * before and after a window of work and divides the difference by the tasks run, giving CPU microseconds per task
 * for, say, the scheduler loop, the scheduler's Netty threads or a worker's task threads.
 *
 * <p>Design note: a sampling profiler (JFR's {@code jdk.ExecutionSample}) only sees threads running Java code, and
 * much of a no-op task's cost is in system calls (socket writes, selector wake-ups) that it does not count. The
 * kernel's per-thread user and system times count everything, at the cost of 10 ms resolution (one clock tick),
 * which is fine over a window of tens of seconds. Threads are grouped by name with trailing numbers removed
 * ({@code jdask-io-worker-2-1} and {@code -2-2} together); Linux keeps only the first 15 characters of a thread's
 * name. A thread that started or ended inside the window is counted for the part the snapshots saw.
 * Not thread-safe; snapshots are values. On a system without {@code /proc} every snapshot is empty.
 */
final class ThreadCpu {
    private ThreadCpu() {}

    /** Kernel clock ticks per second (USER_HZ); 100 on every common Linux configuration. */
    private static final double TICKS_PER_SECOND = 100.0;

    /**
     * Per (process role, thread group), summed over the group's threads: {user CPU ticks, system CPU ticks, voluntary
     * context switches (the thread blocked and was woken again), involuntary ones (it was preempted)}; and per process
     * role the counters of {@code /proc/<pid>/io}, {read-type system calls, write-type system calls, bytes read,
     * bytes written} (socket and eventfd calls included).
     */
    record Snapshot(Map<String, long[]> ticks, Map<String, long[]> io) {
        /** This snapshot minus an earlier one, entry by entry. */
        Snapshot minus(Snapshot earlier) {
            return new Snapshot(minus(ticks, earlier.ticks), minus(io, earlier.io));
        }

        private static Map<String, long[]> minus(Map<String, long[]> now, Map<String, long[]> before) {
            Map<String, long[]> d = new TreeMap<>();
            now.forEach((k, v) -> {
                long[] e = before.getOrDefault(k, new long[v.length]);
                long[] r = new long[v.length];
                for (int i = 0; i < v.length; i++) r[i] = v[i] - e[i];
                d.put(k, r);
            });
            return d;
        }
    }

    /** Reads this JVM (role {@code client+scheduler}) and its child processes ({@code worker-<pid>}). */
    static Snapshot take() {
        Map<String, long[]> ticks = new TreeMap<>();
        Map<String, long[]> io = new TreeMap<>();
        read(ProcessHandle.current().pid(), "client+scheduler", ticks, io);
        ProcessHandle.current().children().forEach(p -> read(p.pid(), "worker-" + p.pid(), ticks, io));
        return new Snapshot(ticks, io);
    }

    private static void read(long pid, String role, Map<String, long[]> ticks, Map<String, long[]> io) {
        read(pid, role, ticks);
        try {
            long[] c = new long[4];
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "io"))) {
                String[] kv = line.split(":\\s*");
                int i = switch (kv[0]) {
                    case "syscr" -> 0;
                    case "syscw" -> 1;
                    case "rchar" -> 2;
                    case "wchar" -> 3;
                    default -> -1;
                };
                if (i >= 0) c[i] = Long.parseLong(kv[1].trim());
            }
            io.put(role, c);
        } catch (IOException | RuntimeException e) {
            // Not Linux, or not allowed to read it: no system call counts for this process.
        }
    }

    private static void read(long pid, String role, Map<String, long[]> into) {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        try (Stream<Path> tids = Files.list(tasks)) {
            for (Path tid : (Iterable<Path>) tids::iterator) {
                String stat;
                try {
                    stat = Files.readString(tid.resolve("stat"));
                } catch (IOException gone) {
                    continue; // the thread ended between the listing and the read
                }
                // pid (comm) state ppid ...: comm may hold spaces and parentheses, so split at the last ')'.
                int open = stat.indexOf('('), close = stat.lastIndexOf(')');
                if (open < 0 || close < open) continue;
                String group = group(stat.substring(open + 1, close));
                String[] f = stat.substring(close + 2).split(" ");
                // After comm: state(0) ppid(1) ... utime is field 14 of the whole line, index 11 here; stime 12.
                long utime = Long.parseLong(f[11]), stime = Long.parseLong(f[12]);
                long[] t = into.computeIfAbsent(role + " " + group, k -> new long[4]);
                t[0] += utime;
                t[1] += stime;
                addContextSwitches(tid.resolve("status"), t);
            }
        } catch (IOException | RuntimeException e) {
            // No /proc (not Linux) or the process ended: nothing to count for it.
        }
    }

    /** Adds a thread's voluntary and involuntary context switches ({@code status}) to {@code t[2]} and {@code t[3]}. */
    private static void addContextSwitches(Path status, long[] t) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("voluntary_ctxt_switches:"))
                    t[2] += Long.parseLong(line.substring(24).trim());
                else if (line.startsWith("nonvoluntary_ctxt_switches:"))
                    t[3] += Long.parseLong(line.substring(27).trim());
            }
        } catch (IOException | RuntimeException gone) {
            // the thread ended between the two reads: its switches are not counted
        }
    }

    /** A thread name without its trailing numbering: {@code jdask-io-worker-2-1} -> {@code jdask-io-worker}. */
    static String group(String threadName) {
        String g = threadName.replaceAll("[-#_ 0-9]+$", "");
        return g.isEmpty() ? threadName : g;
    }

    /**
     * Report lines for a window in which {@code tasks} tasks ran: per process role and thread group with at least
     * 1 % of the total, CPU µs per task (user + system, and the system part), then per role and the total.
     */
    static List<String> report(Snapshot window, long tasks, double wallSeconds) {
        List<String> out = new ArrayList<>();
        long total = 0;
        Map<String, Long> perRole = new TreeMap<>();
        for (var e : window.ticks().entrySet()) {
            long t = e.getValue()[0] + e.getValue()[1];
            total += t;
            String role = e.getKey().substring(0, e.getKey().indexOf(' '));
            perRole.merge(role.startsWith("worker-") ? "workers (all)" : role, t, Long::sum);
        }
        out.add(String.format(
                Locale.ROOT,
                "# CPU time in a window of %.1f s wall, %d tasks: %.1f CPU-s in all, "
                        + "%.1f us of CPU per task (user+system; the machine has %d cores)",
                wallSeconds,
                tasks,
                total / TICKS_PER_SECOND,
                us(total, tasks),
                Runtime.getRuntime().availableProcessors()));
        out.add(String.format(
                Locale.ROOT, "# %-44s %10s %10s %8s", "process thread-group", "us/task", "sys us/task", "share"));
        final long all = Math.max(1, total);
        window.ticks().entrySet().stream()
                .filter(e -> (e.getValue()[0] + e.getValue()[1]) * 100 >= all)
                .sorted((a, b) -> Long.compare(b.getValue()[0] + b.getValue()[1], a.getValue()[0] + a.getValue()[1]))
                .forEach(e -> {
                    long t = e.getValue()[0] + e.getValue()[1];
                    out.add(String.format(
                            Locale.ROOT,
                            "CPU %-44s %10.1f %10.1f %7.1f%%",
                            e.getKey(),
                            us(t, tasks),
                            us(e.getValue()[1], tasks),
                            100.0 * t / all));
                });
        perRole.forEach((role, t) -> out.add(String.format(
                Locale.ROOT, "CPU %-44s %10.1f %10s %7.1f%%", role + " (sum)", us(t, tasks), "", 100.0 * t / all)));
        window.io()
                .forEach((role, c) -> out.add(String.format(
                        Locale.ROOT,
                        "SYSCALLS %-20s per task: %6.2f read-type %6.2f write-type; bytes per task: %7.0f read %7.0f written",
                        role,
                        c[0] / (double) Math.max(1, tasks),
                        c[1] / (double) Math.max(1, tasks),
                        c[2] / (double) Math.max(1, tasks),
                        c[3] / (double) Math.max(1, tasks))));
        return out;
    }

    /** CPU microseconds per task for {@code ticks} clock ticks spread over {@code tasks} tasks. */
    static double us(long ticks, long tasks) {
        return ticks / TICKS_PER_SECOND * 1e6 / Math.max(1, tasks);
    }
}
