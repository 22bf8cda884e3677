package io.jdask.dashboard;

import io.jdask.Profile;
import io.jdask.scheduler.ClusterSnapshot;
import io.jdask.scheduler.ClusterSnapshot.WorkerSnapshot;
import java.util.Locale;

/** Server-rendered pages: {@code /info/workers} and {@code /profile}. Pure functions of their input. */
final class Pages {
    private Pages() {}

    private static final String HEAD = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title>\n"
            + "<style>body{font:13px system-ui,sans-serif;margin:16px;color:#222}table{border-collapse:collapse}"
            + "td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}th{background:#f3f3f3}"
            + "td:first-child,th:first-child{text-align:left}nav a{margin-right:12px}</style></head><body>\n"
            + "<nav><a href=\"/status\">status</a><a href=\"/info/workers\">workers</a><a href=\"/profile\">profile</a>"
            + "<a href=\"/json/status\">json</a></nav>\n";

    static String workers(ClusterSnapshot s) {
        var sb = new StringBuilder(String.format(Locale.ROOT, HEAD, "jdask workers"));
        sb.append("<h2>Workers (")
                .append(s.workers().size())
                .append(
                        ")</h2>\n<table>\n<tr><th>address</th><th>name</th>"
                                + "<th>threads</th><th>processing</th><th>keys held</th><th>memory held</th><th>memory limit</th></tr>\n");
        for (WorkerSnapshot w : s.workers()) {
            sb.append("<tr><td>")
                    .append(escape(w.address()))
                    .append("</td><td>")
                    .append(escape(w.name()))
                    .append("</td><td>")
                    .append(w.nthreads())
                    .append("</td><td>")
                    .append(w.processing())
                    .append("</td><td>")
                    .append(w.heldKeys())
                    .append("</td><td>")
                    .append(bytes(w.heldBytes()))
                    .append("</td><td>")
                    .append(w.memoryLimit() > 0 ? bytes(w.memoryLimit()) : "none")
                    .append("</td></tr>\n");
        }
        sb.append("</table>\n<p>")
                .append(s.clients())
                .append(" clients, ")
                .append(s.taskCount())
                .append(" tasks known</p>\n</body></html>\n");
        return sb.toString();
    }

    static String profile(Profile p, int workers) {
        var sb = new StringBuilder(String.format(Locale.ROOT, HEAD, "jdask profile"));
        sb.append("<h2>Profile</h2>\n<p>")
                .append(p.samples())
                .append(" samples of running tasks from ")
                .append(workers)
                .append(workers == 1 ? " worker" : " workers")
                .append(
                        ", sampled every 10 ms since each worker started. Widths are shares of the samples; hover a box."
                                + " <a href=\"/profile\">refresh</a></p>\n")
                .append(p.html())
                .append("\n<pre>")
                .append(escape(p.toString()))
                .append("</pre>\n</body></html>\n");
        return sb.toString();
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String escape(String s) {
        return s == null
                ? ""
                : s.replace("&", "&amp;")
                        .replace("<", "&lt;")
                        .replace(">", "&gt;")
                        .replace("\"", "&quot;");
    }
}
