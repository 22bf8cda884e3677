package io.jdask.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One scrape of a scheduler dashboard's Prometheus page ({@code /metrics}), for the benchmarks that read what the
 * scheduler knows (its task count, the workers' reported memory) the way an operator would.
 */
final class DashboardMetrics {

    /** One sample: {@code name{labels} value}; {@code labels} is the text between the braces, or empty. */
    record Sample(String name, String labels, double value) {}

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final List<Sample> samples;

    private DashboardMetrics(List<Sample> samples) {
        this.samples = samples;
    }

    /**
     * Scrapes {@code /metrics} of the dashboard at {@code dashboardLink} ({@code client.dashboardLink()}, e.g.
     * {@code http://127.0.0.1:8787/status}).
     */
    static DashboardMetrics scrape(String dashboardLink) {
        if (dashboardLink == null || dashboardLink.isEmpty()) {
            throw new IllegalStateException("the cluster has no dashboard; these figures are read from its /metrics:"
                    + " leave LocalCluster's dashboard on (dashboardPort 0 or more)");
        }
        URI uri = URI.create(dashboardLink).resolve("/metrics");
        try {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(uri + " answered " + r.statusCode() + ": " + r.body());
            }
            return parse(r.body());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + uri + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading " + uri, e);
        }
    }

    /** The samples of a Prometheus text page; comment lines are skipped. */
    static DashboardMetrics parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int space = line.lastIndexOf(' ');
            if (space < 0) continue;
            String series = line.substring(0, space);
            int brace = series.indexOf('{');
            String name = brace < 0 ? series : series.substring(0, brace);
            String labels = brace < 0 ? "" : series.substring(brace + 1, series.lastIndexOf('}'));
            out.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1))));
        }
        return new DashboardMetrics(out);
    }

    /** The sum of the samples of {@code name} whose labels contain {@code labelPart} (e.g. {@code type="spilled"}). */
    double sum(String name, String labelPart) {
        double s = 0;
        for (Sample x : samples) {
            if (x.name().equals(name) && x.labels().contains(labelPart)) s += x.value();
        }
        return s;
    }

    /** The sum of every sample of {@code name}. */
    double sum(String name) {
        return sum(name, "");
    }
}
