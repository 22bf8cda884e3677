package io.jdask.worker.state;

import io.jdask.protocol.state.Priority;
import io.jdask.worker.state.WorkerEvent.ComputeTask;
import io.jdask.worker.state.WorkerEvent.ExecuteFailure;
import io.jdask.worker.state.WorkerEvent.ExecuteSuccess;
import io.jdask.worker.state.WorkerEvent.FreeKeys;
import io.jdask.worker.state.WorkerEvent.GatherDepFailure;
import io.jdask.worker.state.WorkerEvent.GatherDepNetworkFailure;
import io.jdask.worker.state.WorkerEvent.GatherDepSuccess;
import io.jdask.worker.state.WorkerEvent.RefreshWhoHas;
import io.jdask.worker.state.WorkerEvent.UpdateData;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Short factories for test events. Every dependency is 100 bytes, every result 8 bytes. */
final class Events {
    static final long DEP_BYTES = 100;
    static final long RESULT_BYTES = 8;
    static final String TYPE = "java.lang.Integer";

    private Events() {}

    static Object spec(String key) {
        return "run-" + key;
    }

    static ComputeTask compute(String key, String stim) {
        return compute(key, Priority.of(0), stim);
    }

    static ComputeTask compute(String key, Priority priority, String stim) {
        return new ComputeTask(key, spec(key), priority, Map.of(), Map.of(), Map.of(), stim, 0);
    }

    static ComputeTask computeNeeding(String key, Map<String, Double> resources, String stim) {
        return new ComputeTask(key, spec(key), Priority.of(0), Map.of(), Map.of(), resources, stim, 0);
    }

    /** A task with dependencies: {@code whoHas} maps each dependency to its holders. */
    static ComputeTask compute(String key, Map<String, List<String>> whoHas, String stim) {
        var nbytes = new LinkedHashMap<String, Long>();
        for (String dep : whoHas.keySet()) nbytes.put(dep, DEP_BYTES);
        return new ComputeTask(key, spec(key), Priority.of(0), whoHas, nbytes, Map.of(), stim, 0);
    }

    /** Ordered map literal: whoHas("a", List.of(P1), "b", List.of(P1, P2)). */
    static Map<String, List<String>> whoHas(Object... keysAndPeers) {
        var m = new LinkedHashMap<String, List<String>>();
        for (int i = 0; i < keysAndPeers.length; i += 2) {
            @SuppressWarnings("unchecked")
            var peers = (List<String>) keysAndPeers[i + 1];
            m.put((String) keysAndPeers[i], peers);
        }
        return m;
    }

    static ExecuteSuccess success(String key, String stim) {
        return new ExecuteSuccess(key, RESULT_BYTES, TYPE, 1, 2, stim, 0);
    }

    static WorkerInstruction.TaskFinishedMsg finished(String key, String stim) {
        return new WorkerInstruction.TaskFinishedMsg(key, RESULT_BYTES, TYPE, 1, 2, stim);
    }

    static ExecuteFailure failure(String key, Object error, String stim) {
        return new ExecuteFailure(key, error, stim, 0);
    }

    static FreeKeys freeKeys(String stim, String... keys) {
        return new FreeKeys(List.of(keys), stim, 0);
    }

    static GatherDepSuccess gathered(String peer, String stim, String... keys) {
        var received = new LinkedHashMap<String, Long>();
        for (String k : keys) received.put(k, DEP_BYTES);
        return new GatherDepSuccess(peer, received, stim, 0);
    }

    static GatherDepNetworkFailure unreachable(String peer, String stim, String... keys) {
        return new GatherDepNetworkFailure(peer, List.of(keys), stim, 0);
    }

    static GatherDepFailure gatherFailed(String peer, Object error, String stim, String... keys) {
        return new GatherDepFailure(peer, List.of(keys), error, stim, 0);
    }

    static UpdateData scattered(String stim, String... keys) {
        var data = new LinkedHashMap<String, Long>();
        for (String k : keys) data.put(k, RESULT_BYTES);
        return new UpdateData(data, stim, 0);
    }

    static RefreshWhoHas refresh(Map<String, List<String>> whoHas, String stim) {
        return new RefreshWhoHas(whoHas, stim, 0);
    }
}
