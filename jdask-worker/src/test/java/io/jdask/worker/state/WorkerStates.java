package io.jdask.worker.state;

import java.util.List;
import java.util.function.Consumer;

/**
 * Test fixture: a {@link WorkerState} whose every {@code handle} is followed by {@link
 * WorkerState#validate()}, so a test that breaks an invariant fails at the event that broke it.
 */
final class WorkerStates {
    private final WorkerState state;

    private WorkerStates(WorkerState state) {
        this.state = state;
    }

    static WorkerStates forTest(String address) {
        return forTest(address, b -> {});
    }

    /** A validated state; {@code options} tweaks the builder (nthreads, limits...). */
    static WorkerStates forTest(String address, Consumer<WorkerStateBuilder> options) {
        var b = WorkerState.builder(address).transitionCounterMax(1_000_000);
        options.accept(b);
        return new WorkerStates(b.build());
    }

    List<WorkerInstruction> handle(WorkerEvent... events) {
        var out = state.handle(events);
        state.validate();
        return out;
    }

    WorkerTask task(String key) {
        return state.task(key);
    }

    WorkerTaskState stateOf(String key) {
        WorkerTask t = state.task(key);
        return t == null ? WorkerTaskState.FORGOTTEN : t.state();
    }

    WorkerState state() {
        return state;
    }
}
