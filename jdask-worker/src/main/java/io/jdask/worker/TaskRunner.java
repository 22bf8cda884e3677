package io.jdask.worker;

import io.jdask.graph.Args;
import io.jdask.graph.Task;
import io.jdask.graph.TaskRef;
import io.jdask.protocol.Clock;
import io.jdask.protocol.RunSpec;
import io.jdask.protocol.Serialized;
import io.jdask.protocol.Serializer;
import io.jdask.spi.TaskContext;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Runs one task on the calling task thread: decodes its run spec with the submitting client's class loader,
 * substitutes dependency values for {@link TaskRef}s, calls the function, and serializes the result once to learn
 * its size. Never throws: whatever the task does wrong (including {@link Error}s such as {@link StackOverflowError})
 * becomes a {@link Failed} outcome; the worker never goes down for a task.
 *
 * <p>Stateless apart from its collaborators; safe to call from any number of task threads at once.
 */
final class TaskRunner {

    /** When a task's function ran (wall clock nanos, 0 if it never started) and on which thread slot (-1: none). */
    record RunTimes(long startNanos, long stopNanos, int thread) {
        static final RunTimes NONE = new RunTimes(0, 0, -1);
    }

    /** How a run ended. */
    sealed interface Outcome {
        String key();

        RunTimes times();
    }

    /** The function returned {@code value}, {@code nbytes} long when serialized. */
    record Finished(String key, StoredValue value, long nbytes, String typeName, RunTimes times) implements Outcome {}

    /** The task failed (its function threw, or its run spec or result could not be handled). */
    record Failed(String key, TaskError error, RunTimes times) implements Outcome {}

    private final Serializer serializer;
    private final FnDecoder decoder;
    private final CodeLoaders code;
    private final TaskThreads threads;
    private final ThreadSlots slots;
    private final Clock clock;
    private final TaskContext.Host host;
    /** True once the worker closes: a task that fails then failed because of the shutdown, and has no outcome. */
    private final BooleanSupplier closing;
    /** Where a task's printing and logging go while its function runs; null: not captured (they go to the log). */
    private final OutputForwarder output;

    TaskRunner(
            Serializer serializer,
            FnDecoder decoder,
            CodeLoaders code,
            TaskThreads threads,
            ThreadSlots slots,
            Clock clock,
            TaskContext.Host host,
            BooleanSupplier closing,
            OutputForwarder output) {
        this.serializer = serializer;
        this.decoder = decoder;
        this.code = code;
        this.threads = threads;
        this.slots = slots;
        this.clock = clock;
        this.host = host;
        this.closing = closing;
        this.output = output;
    }

    /** Runs the job on this thread; null if it failed because the worker is closing. */
    Outcome run(TaskThreads.Job job) {
        String key = job.key();
        Thread self = Thread.currentThread();
        ClassLoader previous = self.getContextClassLoader();
        long start = 0;
        long stop = 0;
        int slot = -1;
        try {
            if (!(job.spec() instanceof RunSpec run)) {
                throw new IllegalStateException("task " + key + " has no run spec (" + job.spec() + ")");
            }
            ClassLoader loader = code.forClient(run.clientId());
            self.setContextClassLoader(loader);
            FnDecoder.Call call = decoder.call(run.bytes(), loader, key);
            Map<String, StoredValue> deps = job.deps();
            Object[] resolved = (Object[]) Args.rewrite(
                    call.args(),
                    o -> o instanceof TaskRef ref ? dependencyValue(key, ref.key(), deps, loader) : Args.KEEP);
            Object result;
            TaskContext.enter(key, host);
            slot = slots.acquire();
            threads.started(key, self);
            boolean capturing = output != null && run.clientId() != null;
            if (capturing) OutputCapture.begin(output.sink(run.clientId(), key));
            start = clock.wallNanos();
            try {
                result = Task.call(call.fn(), resolved);
            } finally {
                stop = clock.wallNanos();
                if (capturing) OutputCapture.end();
                threads.stopped(key, self);
                slots.release(slot);
                Thread.interrupted(); // a cancel that came late must not leak into the next task on this thread
                TaskContext.exit();
            }
            Serialized bytes;
            try {
                bytes = serializer.serializeValue(result);
            } catch (RuntimeException | StackOverflowError ex) {
                throw new IllegalStateException(
                        "task " + key + " returned a value that cannot be serialized, so it"
                                + " could not be kept or shipped: " + ex.getMessage(),
                        ex);
            }
            String typeName = result == null ? "null" : result.getClass().getName();
            return new Finished(
                    key,
                    StoredValue.computed(result, bytes),
                    bytes.nbytes(),
                    typeName,
                    new RunTimes(start, stop, slot));
        } catch (Throwable t) { // everything a task does wrong is the task's failure, never the worker's
            if (closing.getAsBoolean()) {
                return null;
            }
            RunTimes times =
                    start == 0 ? RunTimes.NONE : new RunTimes(start, stop == 0 ? clock.wallNanos() : stop, slot);
            return new Failed(key, TaskError.of(t, serializer), times);
        } finally {
            self.setContextClassLoader(previous);
        }
    }

    private Object dependencyValue(String key, String dep, Map<String, StoredValue> deps, ClassLoader loader) {
        StoredValue v = deps.get(dep);
        if (v == null) {
            throw new IllegalStateException("task " + key + " refers to " + dep
                    + ", which is not among its dependencies in this worker's memory");
        }
        return v.value(loader, serializer);
    }
}
