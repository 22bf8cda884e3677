package io.jdask.dashboard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.jdask.Profile;
import io.jdask.protocol.WorkerMsg;
import io.jdask.scheduler.ClusterSnapshot;
import io.jdask.scheduler.SchedulerServer;
import io.jdask.spi.ProfileArrays;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note. The live dashboard of a scheduler, served from the scheduler's process.
 *
 * Server: the JDK's com.sun.net.httpserver (module jdk.httpserver), not Netty's HTTP codec. Reasons: no
 * dependency and no pipeline to maintain for five GET routes; and, above all, isolation. Its own dispatcher
 * thread and a small pool of handler threads do all dashboard I/O, so a slow or stuck browser can only ever
 * block those threads; the scheduler's Netty event loops, which carry every client and worker message, never
 * run dashboard code.
 *
 * Data: handlers never read scheduler state. They ask SchedulerServer.snapshot(), which the scheduler loop
 * answers with an immutable ClusterSnapshot (reused for 100 ms there, so any number of polling pages costs at
 * most ten state scans a second), and wait at most SNAPSHOT_TIMEOUT; a scheduler too busy to answer gets a 503,
 * never a blocked loop. /profile asks the workers through the scheduler (up to 5 s), also on a handler thread.
 *
 * Pages: /status is a static page (resource status.html: hand-written HTML, CSS, SVG and a small script, no
 * build step, no CDN, so it works offline) that polls /json/status every 500 ms and redraws. /info/workers and
 * /profile are rendered on the server. /health answers "ok" without asking the scheduler anything.
 *
 * Port: a taken port falls back to a free one with a log line, as Dask's dashboard does, since a second cluster
 * on one machine must not fail to start because the first took 8787.
 */
/**
 * The HTTP dashboard of a {@link SchedulerServer}: {@code /status} (live), {@code /info/workers},
 * {@code /profile}, {@code /json/status}, {@code /metrics} (Prometheus), {@code /health}.
 *
 * <pre>{@code
 * try (Dashboard d = Dashboard.start(scheduler, "127.0.0.1", 8787)) {
 *   System.out.println(d.link());   // http://127.0.0.1:8787/status
 * }
 * }</pre>
 *
 * Starting it also tells the scheduler its link, which clients then get from {@code client.dashboardLink()}.
 */
public final class Dashboard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Dashboard.class);
    /** How long a request waits for the scheduler loop's snapshot before answering 503. */
    static final Duration SNAPSHOT_TIMEOUT = Duration.ofSeconds(2);
    /** How long /profile waits for the workers' answers (the scheduler itself gives up on a worker after 5 s). */
    static final Duration PROFILE_TIMEOUT = Duration.ofSeconds(8);

    private final SchedulerServer scheduler;
    private final HttpServer http;
    private final ExecutorService handlers;
    private final String link;
    /** The status page, read once from the resources. */
    private final byte[] statusPage;

    private Dashboard(SchedulerServer scheduler, HttpServer http, ExecutorService handlers, String link) {
        this.scheduler = scheduler;
        this.http = http;
        this.handlers = handlers;
        this.link = link;
        this.statusPage = resource("status.html");
    }

    /**
     * Starts a dashboard for {@code scheduler} on {@code host:port} and tells the scheduler its link. Port 0 picks a
     * free port; a taken port falls back to a free one (logged).
     *
     * @throws UncheckedIOException if no port at all can be bound on {@code host}
     */
    public static Dashboard start(SchedulerServer scheduler, String host, int port) {
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("the dashboard port must be 0..65535 (0 picks a free one), was " + port);
        }
        HttpServer http;
        try {
            http = bind(host, port);
        } catch (BindException e) {
            try {
                http = bind(host, 0);
            } catch (IOException again) {
                throw new UncheckedIOException(
                        "cannot start the dashboard on " + host + ": " + again.getMessage(), again);
            }
            LOG.info(
                    "dashboard port {} is taken on {}; using port {} instead",
                    port,
                    host,
                    http.getAddress().getPort());
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot start the dashboard on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        AtomicInteger n = new AtomicInteger();
        ExecutorService handlers = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "jdask-dashboard-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        String link = "http://" + linkHost(host) + ":" + http.getAddress().getPort() + "/status";
        Dashboard d = new Dashboard(scheduler, http, handlers, link);
        d.routes();
        http.setExecutor(handlers);
        http.start();
        scheduler.dashboardLink(link);
        LOG.info("dashboard at {}", link);
        return d;
    }

    private static HttpServer bind(String host, int port) throws IOException {
        return HttpServer.create(new InetSocketAddress(host, port), 50);
    }

    /** The host to put in links: the bound one, or this machine's address when bound to every interface. */
    static String linkHost(String host) {
        if (!host.equals("0.0.0.0") && !host.equals("::") && !host.equals("[::]")) {
            return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        }
        try {
            return InetAddress.getLocalHost().getHostAddress();
        } catch (UnknownHostException e) {
            return "127.0.0.1";
        }
    }

    /** The status page's URL, e.g. {@code http://127.0.0.1:8787/status}. */
    public String link() {
        return link;
    }

    /** The port it listens on. */
    public int port() {
        return http.getAddress().getPort();
    }

    /** Stops serving and clears the scheduler's link. Idempotent. */
    @Override
    public void close() {
        if (handlers.isShutdown()) {
            return;
        }
        if (link.equals(scheduler.dashboardLink())) {
            scheduler.dashboardLink("");
        }
        http.stop(0);
        handlers.shutdownNow();
    }

    // ------------------------------------------------------------------ routes

    private void routes() {
        http.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            if (path.equals("/") || path.isEmpty()) {
                ex.getResponseHeaders().set("Location", "/status");
                send(ex, 302, "text/plain", "see /status");
            } else {
                send(
                        ex,
                        404,
                        "text/plain",
                        "no page " + path + "; try /status, /info/workers, /profile, /json/status, /metrics");
            }
        });
        http.createContext("/health", ex -> send(ex, 200, "text/plain", "ok"));
        http.createContext("/status", ex -> send(ex, 200, "text/html", statusPage));
        http.createContext("/json/status", ex -> {
            ClusterSnapshot s = snapshot(ex);
            if (s != null) {
                send(ex, 200, "application/json", StatusJson.render(s));
            }
        });
        http.createContext("/metrics", ex -> {
            ClusterSnapshot s = snapshot(ex);
            if (s != null) {
                send(ex, 200, Metrics.CONTENT_TYPE, Metrics.render(s, scheduler.loopLagNanos()));
            }
        });
        http.createContext("/info/workers", ex -> {
            ClusterSnapshot s = snapshot(ex);
            if (s != null) {
                send(ex, 200, "text/html", Pages.workers(s));
            }
        });
        http.createContext("/profile", ex -> {
            Map<String, WorkerMsg.ProfileData> byWorker = await(ex, scheduler.profiles(), PROFILE_TIMEOUT, "profiles");
            if (byWorker != null) {
                send(ex, 200, "text/html", Pages.profile(merge(byWorker), byWorker.size()));
            }
        });
    }

    static Profile merge(Map<String, WorkerMsg.ProfileData> byWorker) {
        List<ProfileArrays> all = new ArrayList<>();
        for (WorkerMsg.ProfileData d : byWorker.values()) {
            all.add(new ProfileArrays(d.frames(), d.parents(), d.counts()));
        }
        return ProfileArrays.merge(all);
    }

    /** The scheduler's snapshot, or null after answering 503 when the scheduler is too slow or gone. */
    private ClusterSnapshot snapshot(HttpExchange ex) throws IOException {
        return await(ex, scheduler.snapshot(), SNAPSHOT_TIMEOUT, "a snapshot");
    }

    private <T> T await(HttpExchange ex, java.util.concurrent.CompletableFuture<T> f, Duration timeout, String what)
            throws IOException {
        if (scheduler.isClosed()) {
            send(ex, 503, "text/plain", "the scheduler has stopped");
            return null;
        }
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            send(ex, 503, "text/plain", "the scheduler did not send " + what + " within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            send(ex, 500, "text/plain", "the scheduler failed to send " + what + ": " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            send(ex, 503, "text/plain", "the dashboard is stopping");
        }
        return null;
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        send(ex, status, type, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        try (ex) {
            ex.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
        } catch (IOException e) {
            LOG.debug("dashboard response to {} failed: {}", ex.getRemoteAddress(), e.toString()); // the browser left
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = Dashboard.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("dashboard resource " + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "Dashboard[" + link + "]";
    }
}
