package io.jdask.worker;

import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.Serializer;
import io.jdask.protocol.WorkerMsg;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the worker finds user code: its own class path, jars the clients uploaded, classes a client pushed ahead of
 * its tasks, and classes fetched one at a time from the client that submitted a task.
 *
 * <p>Loader hierarchy (parent first at every level):
 * <pre>
 *   worker's own loader (JDK, jdask, the worker's class path)
 *     └─ jar layer: one URLClassLoader holding every jar sent with AddJar (shared by all clients)
 *          └─ one {@link ClientClassLoader} per client id, asking that client for what is left
 * </pre>
 * Parent first means a class the worker or an uploaded jar has is never fetched, and classes of
 * the jdask API are the worker's own (so {@code Fn} casts work).
 *
 * <p>Fetching: {@link #fetch} sends {@code FetchClass} to the scheduler (which forwards it to the
 * client) and blocks the calling task thread until the matching {@code ClassBytes} arrives
 * ({@link #onClassBytes}, from an I/O thread) or the timeout passes. Never call it on the event
 * loop or an I/O thread.
 *
 * <p>Concurrency: thread-safe. Loaders are cached per client id for the life of the worker.
 */
final class CodeLoaders implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CodeLoaders.class);

    private final JarLayer jars;
    private final Serializer serializer;
    private final Consumer<WorkerMsg.FetchClass> toScheduler;
    private final Duration timeout;
    /** Client id to its loader; entries are never replaced. */
    private final ConcurrentHashMap<String, ClientClassLoader> byClient = new ConcurrentHashMap<>();
    /** Request id to the fetch waiting for its answer; an entry leaves when the answer or the timeout comes. */
    private final ConcurrentHashMap<Long, CompletableFuture<SchedulerMsg.ClassBytes>> pending =
            new ConcurrentHashMap<>();

    private final AtomicLong requestIds = new AtomicLong();
    /** Temp files of uploaded jars, deleted on close. */
    private final List<Path> jarFiles = new CopyOnWriteArrayList<>();

    private volatile boolean closed;

    CodeLoaders(
            ClassLoader workerLoader,
            Serializer serializer,
            Consumer<WorkerMsg.FetchClass> toScheduler,
            Duration timeout) {
        this.jars = new JarLayer(workerLoader);
        this.serializer = serializer;
        this.toScheduler = toScheduler;
        this.timeout = timeout;
    }

    /** The loader for tasks of {@code clientId}; the jar layer if the id is null or empty. */
    ClassLoader forClient(String clientId) {
        if (clientId == null || clientId.isEmpty()) {
            return jars;
        }
        return clientLoader(clientId);
    }

    private ClientClassLoader clientLoader(String clientId) {
        return byClient.computeIfAbsent(clientId, id -> new ClientClassLoader(id, jars, this, serializer));
    }

    /**
     * Classes a client pushed ahead of its tasks: its loader defines them when they are first needed, without asking
     * the client. Called on the scheduler connection's thread; does not block.
     */
    void offer(String clientId, List<ClientMsg.ClassFile> classes) {
        if (clientId == null || clientId.isEmpty() || classes == null) return;
        clientLoader(clientId).offer(classes);
    }

    /** Applies a client's changed static fields to the classes its loader has defined (see StaticState). */
    void updateStatics(String clientId, Map<String, Map<String, byte[]>> fields) {
        ClientClassLoader loader = byClient.get(clientId);
        if (loader != null) loader.updateStatics(fields);
    }

    /** Adds an uploaded jar to the layer every client loader sees. */
    void addJar(String name, byte[] bytes) throws IOException {
        String safe = name == null ? "upload" : name.replaceAll("[^A-Za-z0-9._-]", "_");
        Path file = Files.createTempFile("jdask-jar-", "-" + safe + (safe.endsWith(".jar") ? "" : ".jar"));
        file.toFile().deleteOnExit();
        Files.write(file, bytes);
        jarFiles.add(file);
        jars.add(file.toUri().toURL());
        LOG.info("added jar {} ({} bytes) to the class path of client code", name, bytes.length);
    }

    /** An answer to a {@link #fetch}; called on an I/O thread. */
    void onClassBytes(SchedulerMsg.ClassBytes answer) {
        CompletableFuture<SchedulerMsg.ClassBytes> f = pending.remove(answer.requestId());
        if (f == null) {
            LOG.debug("late or unknown answer for class {} of client {}", answer.className(), answer.clientId());
            return;
        }
        f.complete(answer);
    }

    /**
     * Asks {@code clientId} for class {@code name} and waits for the answer.
     *
     * @throws ClassNotFoundException on timeout, when the worker closes, or when interrupted
     */
    SchedulerMsg.ClassBytes fetch(String clientId, String name) throws ClassNotFoundException {
        if (closed) {
            throw new ClassNotFoundException(name + ": the worker is closing");
        }
        long id = requestIds.incrementAndGet();
        CompletableFuture<SchedulerMsg.ClassBytes> answer = new CompletableFuture<>();
        pending.put(id, answer);
        try {
            toScheduler.accept(new WorkerMsg.FetchClass(id, clientId, name));
            return answer.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new ClassNotFoundException("class " + name + " is not on this worker's class path and client "
                    + clientId + " did not send it within " + timeout + " (is the client still connected? classes"
                    + " can also be shipped ahead with client.uploadJar)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClassNotFoundException(name + ": interrupted while waiting for client " + clientId);
        } catch (java.util.concurrent.ExecutionException | RuntimeException e) {
            Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
            throw new ClassNotFoundException(
                    "could not fetch class " + name + " from client " + clientId + ": " + cause, cause);
        } finally {
            pending.remove(id);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (CompletableFuture<SchedulerMsg.ClassBytes> f : pending.values()) {
            f.completeExceptionally(new IllegalStateException("the worker is closing"));
        }
        for (ClientClassLoader l : byClient.values()) {
            serializer.release(l);
        }
        try {
            jars.close();
        } catch (IOException e) {
            LOG.debug("closing the jar layer: {}", e.toString());
        }
        for (Path p : jarFiles) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                LOG.debug("could not delete {}: {}", p, e.toString());
            }
        }
    }

    /** A URLClassLoader that takes more jars after construction. */
    static final class JarLayer extends URLClassLoader {
        static {
            registerAsParallelCapable();
        }

        JarLayer(ClassLoader parent) {
            super("jdask-jars", new URL[0], parent);
        }

        void add(URL jar) {
            addURL(jar);
        }
    }
}
