package io.jdask.worker;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The threads that run a worker's tasks: a line of tasks handed over by the state, at most {@code nthreads} threads
 * taking them, seceding and rejoining, and stopping a task the state no longer wants.
 *
 * <h2>Design</h2>
 *
 * The state hands a task over ({@link #submit}) when it has a free slot, and sometimes ahead of that (see {@code
 * WorkerConfig.executeAhead}); the task waits in the run line until a task thread takes it. A task thread runs tasks
 * from the line until it is empty, posting each outcome to the loop as it comes, so under a stream of short tasks a
 * thread goes from one task to the next without waiting for the loop in between, and a task handed over while every
 * thread is busy waits for the first thread to free instead of making the pool start a new thread.
 *
 * <p>A task that secedes ({@code Dask.secede()}) keeps its thread but gives the thread's place up: another thread
 * may start for the tasks behind it. When it rejoins, it blocks until the state gives it a slot again ({@link
 * #rejoined}), then counts among the places once more. A thread that ends a task without a place leaves unless a
 * place is free ({@link #HOLDS_PLACE}).
 *
 * <p>A cancel ({@link #cancel}) skips a task still in line (whoever removes it from {@link #notStarted} first decides
 * whether it runs) and interrupts a task that runs, at most once, so that a task blocked on a queue, lock or future
 * wakes up and ends instead of holding its thread.
 *
 * <h2>Threads</h2>
 *
 * {@link #submit}, {@link #cancel}, {@link #rejoined}, {@link #ended} and the start and running-count bookkeeping run
 * on the worker's loop; the fields marked "loop" are confined to it. {@link #secede} and {@link #rejoin} run on the
 * task's own thread; the run line, the places and the maps they touch are concurrent.
 */
final class TaskThreads {
    /** A task handed to the task threads: its run spec and its dependencies' values, taken on the loop. */
    record Job(String key, Object spec, Map<String, StoredValue> deps) {}

    /**
     * Whether this task thread holds one of the {@link #runners} places: given up when its task secedes, taken again
     * when it rejoins.
     */
    private static final ThreadLocal<boolean[]> HOLDS_PLACE = ThreadLocal.withInitial(() -> new boolean[] {true});

    private final int nthreads;
    private final Executor executor;
    /** Runs a job on the calling task thread; returns what the loop must do with its outcome, or null (closing). */
    private final Function<Job, Runnable> body;
    /** What the loop must do with a job that a cancel took out of line before it started. */
    private final Function<Job, Runnable> skipped;
    /** Posts a job to the worker's loop. */
    private final Consumer<Runnable> toLoop;

    /** Tasks handed over that no task thread has taken yet, in the order the state chose them. */
    private final ConcurrentLinkedQueue<Job> runLine = new ConcurrentLinkedQueue<>();
    /**
     * The not yet started jobs of {@link #runLine} by key. A cancel removes the key, and the thread that then takes
     * the job skips it; whoever removes the entry first decides whether the task runs.
     */
    private final ConcurrentHashMap<String, Job> notStarted = new ConcurrentHashMap<>();
    /** Task threads taking jobs: at most {@code nthreads}, less the threads of seceded tasks. */
    private final AtomicInteger runners = new AtomicInteger();
    /** Threads of tasks whose function runs now, by key; the profiler samples them and a cancel interrupts them. */
    private final ConcurrentHashMap<String, Thread> running = new ConcurrentHashMap<>();
    /** Threads blocked in {@code Dask.rejoin()}, by key, until the state hands them a slot ({@link #rejoined}). */
    private final ConcurrentHashMap<String, CompletableFuture<Void>> rejoins = new ConcurrentHashMap<>();

    /**
     * Loop: tasks handed over whose outcome the loop has not handled yet, less those that seceded (they wait on other
     * tasks, so their outcome is not coming soon).
     */
    private int runningTasks;
    /** Loop: handed-over tasks that seceded and have not rejoined. */
    private final HashSet<String> seceded = new HashSet<>();
    /** Loop: keys handed over whose start is not reported yet, in hand-over order. */
    private final LinkedHashSet<String> unreportedStarts = new LinkedHashSet<>();

    TaskThreads(
            int nthreads,
            Executor executor,
            Function<Job, Runnable> body,
            Function<Job, Runnable> skipped,
            Consumer<Runnable> toLoop) {
        this.nthreads = nthreads;
        this.executor = executor;
        this.body = body;
        this.skipped = skipped;
        this.toLoop = toLoop;
    }

    /** Loop: puts a task in line, and starts a thread if fewer than nthreads take jobs. */
    void submit(Job job) {
        runningTasks++;
        unreportedStarts.add(job.key());
        notStarted.put(job.key(), job);
        runLine.add(job);
        startRunnerIfRoom();
    }

    /**
     * Loop: stops the run of {@code key}: a task still in line is skipped (its thread hands the loop the {@code
     * skipped} outcome), a running one is interrupted. The interrupt and the removal from {@link #running} happen in
     * one atomic step, and the task thread removes its own entry before it clears its flag, so a run is interrupted
     * at most once and no interrupt reaches the next task run on that thread.
     */
    void cancel(String key) {
        if (notStarted.remove(key) != null) {
            return;
        }
        running.computeIfPresent(key, (k, t) -> {
            t.interrupt();
            return null;
        });
    }

    /** Loop: the outcome of {@code key} is being handled: it no longer runs, and its start needs no report. */
    void ended(String key) {
        unreportedStarts.remove(key);
        if (!seceded.remove(key)) {
            runningTasks--;
        }
    }

    /** Loop: whether a handed-over task that has not seceded is still without a handled outcome. */
    boolean anyRunning() {
        return runningTasks > 0;
    }

    /**
     * Loop: takes the keys whose start is not reported yet and whose function runs now; they count as reported from
     * here on. A task still in line is not running yet, and one that just returned has its outcome on the way.
     */
    List<String> takeUnreportedRunning() {
        List<String> out = new ArrayList<>();
        for (var it = unreportedStarts.iterator(); it.hasNext(); ) {
            String key = it.next();
            if (running.containsKey(key)) {
                out.add(key);
                it.remove();
            }
        }
        return out;
    }

    /** Loop: whether some task's start is not reported yet. */
    boolean hasUnreportedStarts() {
        return !unreportedStarts.isEmpty();
    }

    /** Loop: the state gave the rejoining thread of {@code key} a slot (or it never needed one): it may go on. */
    void rejoined(String key) {
        CompletableFuture<Void> waiting = rejoins.remove(key);
        if (waiting != null) {
            waiting.complete(null);
        }
    }

    /** On a task thread: whether it holds a place (its task has not seceded, or has rejoined since). */
    static boolean holdsPlace() {
        return HOLDS_PLACE.get()[0];
    }

    /**
     * On the task's thread: its task waits on other tasks now, so its place goes to a thread for the tasks in line
     * behind it; then {@code onLoop} runs on the loop, after the bookkeeping.
     */
    void secede(String key, Runnable onLoop) {
        boolean[] holdsPlace = HOLDS_PLACE.get();
        if (holdsPlace[0]) {
            holdsPlace[0] = false;
            runners.decrementAndGet();
            startRunnerIfRoom();
        }
        toLoop.accept(() -> {
            if (seceded.add(key)) {
                runningTasks--;
            }
            onLoop.run();
        });
    }

    /**
     * On the task's thread: runs {@code onLoop} on the loop (which tells the state), then blocks until the state
     * hands this task a slot ({@link #rejoined}); the thread then counts among the places again.
     *
     * @throws CancellationException if the thread is interrupted while it waits
     */
    void rejoin(String key, Runnable onLoop) {
        CompletableFuture<Void> slot = new CompletableFuture<>();
        if (rejoins.putIfAbsent(key, slot) != null) {
            throw new IllegalStateException("task " + key + " is already rejoining on another thread");
        }
        toLoop.accept(() -> {
            if (seceded.remove(key)) {
                runningTasks++;
            }
            onLoop.run();
        });
        try {
            slot.get();
            boolean[] holdsPlace = HOLDS_PLACE.get();
            if (!holdsPlace[0]) {
                holdsPlace[0] = true;
                runners.incrementAndGet();
            }
        } catch (InterruptedException e) {
            rejoins.remove(key, slot);
            Thread.currentThread().interrupt();
            throw new CancellationException("task " + key + " was interrupted while rejoining");
        } catch (ExecutionException e) {
            throw new IllegalStateException("task " + key + " could not rejoin: " + e.getCause(), e.getCause());
        }
    }

    /** On a task thread: the function of {@code key} starts running on it. */
    void started(String key, Thread self) {
        running.put(key, self);
    }

    /** On a task thread: the function of {@code key} returned; from now on a cancel cannot interrupt it. */
    void stopped(String key, Thread self) {
        running.remove(key, self);
    }

    /** The threads of the tasks whose function runs now, by key (live, concurrent: the profiler's view). */
    Map<String, Thread> runningThreads() {
        return running;
    }

    /** Per-key entries held now, summed over every map (the per-key bookkeeping test). */
    int perKeyEntries() {
        return notStarted.size() + running.size() + rejoins.size() + seceded.size() + unreportedStarts.size();
    }

    private void startRunnerIfRoom() {
        if (!runLine.isEmpty() && takePlace()) {
            try {
                executor.execute(this::runTasks);
            } catch (RejectedExecutionException ignored) {
                runners.decrementAndGet(); // closing
            }
        }
    }

    /** Takes one of the nthreads places of task threads, if one is free. */
    private boolean takePlace() {
        for (int n = runners.get(); n < nthreads; n = runners.get()) {
            if (runners.compareAndSet(n, n + 1)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A task thread: runs jobs from the line until it is empty. Outcomes are never held back to share a post: a
     * thread may block in its next task (on a queue, or on tasks that need an outcome it holds) and would hold them
     * with it; batching them measured no faster either.
     */
    private void runTasks() {
        boolean[] holdsPlace = HOLDS_PLACE.get();
        holdsPlace[0] = true;
        try {
            while (true) {
                Job job = runLine.poll();
                if (job == null) {
                    runners.decrementAndGet();
                    // A job queued after the poll may have found every place taken: look once more.
                    if (runLine.isEmpty() || !takePlace()) {
                        return;
                    }
                    continue;
                }
                Runnable outcome = notStarted.remove(job.key(), job) ? body.apply(job) : skipped.apply(job);
                if (outcome != null) {
                    toLoop.accept(outcome);
                }
                if (!holdsPlace[0] && !(holdsPlace[0] = takePlace())) {
                    return; // the task seceded and did not rejoin: its place went to another thread
                }
            }
        } finally {
            holdsPlace[0] = true;
        }
    }
}
