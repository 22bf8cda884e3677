package io.jdask.client;

import io.jdask.Fn;
import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.CoordOp;
import io.jdask.protocol.DataMsg;
import io.jdask.protocol.SerializationException;
import io.jdask.protocol.Serialized;
import io.jdask.protocol.Serializer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/*
 * Design note. Everything of the user's that this client sends for a worker to run or read (a task's function and
 * arguments, an actor method and its arguments, a value put in a queue, variable or topic, a scattered value) is
 * prepared here, because three things must happen for it to work on a worker that has never seen the user's classes,
 * and a request that missed one fails only there, much later:
 *
 *  1. the loader of each class is registered with the ClassServer, which answers a worker asking for a class by name
 *     (a class defined in a notebook cell exists only in the notebook's loader); and the classes no worker can have
 *     (defined in memory: cells, generated code), found once per class with what they refer to, wait to be pushed
 *     to every worker ahead of the request (ClientMsg.PushClasses), so that a worker defines them without asking;
 *  2. notebook (JShell) variables assigned since the workers loaded their cells' classes are sent first
 *     (ClientMsg.StaticStateForWorkers), so that the request finds the notebook's values, not the ones its classes were
 *     loaded with;
 *  3. the payload is serialized (a task's with an error that says how to fix a function or argument that cannot
 *     be).
 *
 * Steps 1 and 3 happen when a payload is made here (task, function, value, data). Step 2, and the push of step 1,
 * happen when the request carrying it is sent: the Session asks carriesUserCode of every message it sends and, for
 * one that does, sends the pending classes and the changed state ahead of it on the scheduler connection (so the
 * scheduler relays them to the workers before the request). An actor call also carries the classes pushed with it. Both switches are exhaustive: a new message type does not compile until it says whether it carries user
 * code. A request to a worker (an actor call, a scattered value) travels on a connection of its own, so the state,
 * which goes by the scheduler, is pushed before it but may arrive after it.
 *
 * Thread-safety: the class server and the serializer are thread-safe; `functions` is a concurrent map.
 */
/** Prepares user code and values for shipping to workers; see the note above. */
final class Shipping {
    /** At most this many serialized functions are kept in {@link #functions}. */
    private static final int FUNCTION_CACHE_LIMIT = 1024;

    private final ClassServer classes;
    private final Serializer serializer;
    /**
     * Serialized functions that capture nothing, by function object (a lambda equals only itself): a method reference
     * at one call site is one object, whose bytes are the same every time (an actor called in a loop serializes its
     * method once). Holds only functions already registered with {@link #classes}.
     */
    private final ConcurrentHashMap<Fn, byte[]> functions = new ConcurrentHashMap<>();
    /** Classes to push to the workers ahead of the next request that carries user code ({@link #takePush}). */
    private final ConcurrentLinkedQueue<ClientMsg.ClassFile> toPush = new ConcurrentLinkedQueue<>();

    Shipping(ClassServer classes, Serializer serializer) {
        this.classes = classes;
        this.serializer = serializer;
    }

    /**
     * A jdask function that carries a user's object to run on the worker (an actor's factory, a callable given to the
     * executor): its own class is jdask's, so the class to register is the one of {@link #carried()}.
     */
    interface Carrier {
        Object carried();
    }

    /**
     * The run spec of the task {@code key}: {@code {fn, args}} serialized once, the classes of the function and of each
     * argument registered.
     *
     * @throws IllegalArgumentException naming the key when the function or an argument is not serializable
     */
    byte[] task(String key, Fn fn, Object[] args) {
        register(fn);
        for (Object a : args) register(a);
        try {
            return serializer.serialize(new Object[] {fn, args});
        } catch (SerializationException e) {
            throw new IllegalArgumentException(
                    "cannot send task " + key + " to the cluster: " + e.getMessage()
                            + " A task's function and arguments must be Serializable: pass a method reference "
                            + "(MyClass::myMethod) or a lambda whose captured values are Serializable, and make "
                            + "argument classes implement java.io.Serializable (records do when their components do).",
                    e);
        }
    }

    /**
     * A function sent on its own (an actor method), its class registered; the bytes of one that captures nothing are
     * kept.
     */
    byte[] function(Fn fn) {
        byte[] b = functions.get(fn);
        if (b != null) return b;
        register(fn);
        b = serializer.serialize(fn);
        if (fn.getClass().getDeclaredFields().length == 0 && functions.size() < FUNCTION_CACHE_LIMIT) {
            functions.put(fn, b); // captures nothing: the same object and bytes every time
        }
        return b;
    }

    /**
     * A value a task or an actor will read (actor call arguments, a queue item, a variable's value, a published
     * message), its class registered, and for an array of arguments each element's.
     */
    byte[] value(Object value) {
        registerValue(value);
        return serializer.serialize(value);
    }

    /**
     * A value to scatter, as bytes with their format apart ({@link Serializer#serializeValue}), its class registered.
     */
    Serialized data(Object value) {
        registerValue(value);
        return serializer.serializeValue(value);
    }

    /** The notebook variables changed since they were last shipped, as the message that carries them; null if none. */
    ClientMsg.StaticStateForWorkers changedState() {
        Map<String, Map<String, byte[]>> changed = classes.changedStaticState(serializer);
        return changed.isEmpty() ? null : new ClientMsg.StaticStateForWorkers(changed);
    }

    /** Whether a message to the scheduler carries something made here, so that the notebook state must go first. */
    static boolean carriesUserCode(ClientMsg msg) {
        return switch (msg) {
            case ClientMsg.UpdateGraph u -> true; // the run specs of its tasks
            case ClientMsg.RunOnWorkers r -> true; // a function to run
            case ClientMsg.RegisterPlugin p -> true; // a plugin object
            case ClientMsg.Coordinate c -> carriesUserCode(c.op());
            // What a worker asked for: the class and the state it is loaded with travel together.
            case ClientMsg.ClassBytesForWorker b -> false;
            case ClientMsg.StaticStateForWorkers s -> false; // the state itself
            case ClientMsg.PushClasses p -> false; // classes, pushed ahead of what needs them
            case ClientMsg.UploadJar j -> false; // classes, but read from the worker's class path, no notebook's
            // Keys, requests and answers: no user code.
            case ClientMsg.ReleaseKeys r -> false;
            case ClientMsg.DesireKeys d -> false;
            case ClientMsg.CancelKeys c -> false;
            case ClientMsg.RetryKeys r -> false;
            case ClientMsg.FireAndForget f -> false;
            case ClientMsg.ScatterDone s -> false; // the values went to the workers, see carriesUserCode(DataMsg)
            case ClientMsg.ClusterInfoRequest r -> false;
            case ClientMsg.RestartWorkers r -> false;
            case ClientMsg.RetireWorkers r -> false;
            case ClientMsg.WorkerExited w -> false;
            case ClientMsg.AdaptiveTargetRequest r -> false;
            case ClientMsg.CancelWait w -> false;
            case ClientMsg.TaskStreamRequest r -> false;
            case ClientMsg.ProfileRequest r -> false;
            case ClientMsg.Heartbeat h -> false;
        };
    }

    /** Whether a coordination operation carries a value serialized by {@link #value} (not a future's key). */
    private static boolean carriesUserCode(CoordOp op) {
        return switch (op) {
            case CoordOp.QueuePut p -> p.value() != null;
            case CoordOp.VarSet s -> s.value() != null;
            case CoordOp.Publish p -> true;
            // Bytes that came from the scheduler, going back unopened.
            case CoordOp.QueueReturn r -> false;
            case CoordOp.QueueGet g -> false;
            case CoordOp.QueueSize s -> false;
            case CoordOp.LockAcquire a -> false;
            case CoordOp.LockRelease r -> false;
            case CoordOp.LockState s -> false;
            case CoordOp.SemAcquire a -> false;
            case CoordOp.SemRelease r -> false;
            case CoordOp.SemState s -> false;
            case CoordOp.EventSet s -> false;
            case CoordOp.EventClear c -> false;
            case CoordOp.EventWait w -> false;
            case CoordOp.VarGet g -> false;
            case CoordOp.VarDelete d -> false;
            case CoordOp.Subscribe s -> false;
            case CoordOp.Unsubscribe u -> false;
        };
    }

    /** Whether a request to a worker carries something made here, so that the notebook state must be pushed first. */
    static boolean carriesUserCode(DataMsg msg) {
        return switch (msg) {
            case DataMsg.ActorCall c -> true;
            case DataMsg.PutData p -> true; // scattered values
            case DataMsg.GetData g -> false;
            // Replies: a client sends none.
            case DataMsg.DataReply r -> false;
            case DataMsg.PutDataAck a -> false;
            case DataMsg.ActorReply r -> false;
        };
    }

    private void register(Object o) {
        classes.toPush(o, serializer, toPush::add);
        if (o instanceof Carrier c) classes.toPush(c.carried(), serializer, toPush::add);
    }

    /**
     * The classes found by payloads made so far that no worker can have and that were not sent yet, as the message
     * that pushes them to every worker; null if none. Sent ahead of the request that carries the payloads.
     */
    ClientMsg.PushClasses takePush() {
        if (toPush.isEmpty()) return null;
        List<ClientMsg.ClassFile> batch = new ArrayList<>();
        for (ClientMsg.ClassFile f; (f = toPush.poll()) != null; ) batch.add(f);
        return batch.isEmpty() ? null : new ClientMsg.PushClasses(batch);
    }

    private void registerValue(Object value) {
        register(value);
        if (value instanceof Object[] parts) {
            for (Object p : parts) register(p);
        }
    }
}
