package io.jdask.scheduler;

import io.jdask.protocol.state.InvalidTransition;
import io.jdask.protocol.state.Transition;
import io.jdask.protocol.state.TransitionCounterMaxExceeded;
import io.jdask.scheduler.state.SchedulerEvent;
import io.jdask.scheduler.state.SchedulerState;
import io.jdask.scheduler.state.SchedulerTaskState;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Explains a failure inside the state machine for the log: the events of the batch, the exception and, unless the
 * exception tells it already, the story of the keys involved (STYLE.md section 9).
 */
final class StateFailures {
    private StateFailures() {}

    static String describe(SchedulerEvent[] events, RuntimeException e, SchedulerState state) {
        var sb = new StringBuilder();
        sb.append("the scheduler state failed while handling ")
                .append(events.length)
                .append(" events (")
                .append(describeEvents(events))
                .append("): ")
                .append(e);
        if (!(e instanceof InvalidTransition) && !(e instanceof TransitionCounterMaxExceeded)) {
            for (String k : keysOf(events, 5)) {
                List<Transition<SchedulerTaskState>> story = state.story(k);
                sb.append("\n  story of '")
                        .append(k)
                        .append("' (last ")
                        .append(Math.min(20, story.size()))
                        .append(" of ")
                        .append(story.size())
                        .append("):");
                for (Transition<SchedulerTaskState> t : story.subList(Math.max(0, story.size() - 20), story.size())) {
                    sb.append("\n    ").append(t);
                }
            }
        }
        return sb.toString();
    }

    private static String describeEvents(SchedulerEvent[] events) {
        var sb = new StringBuilder();
        for (int i = 0; i < events.length && i < 5; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(events[i].getClass().getSimpleName()).append(' ').append(events[i].stimulusId());
        }
        if (events.length > 5) {
            sb.append(", ...");
        }
        return sb.toString();
    }

    private static Set<String> keysOf(SchedulerEvent[] events, int max) {
        var keys = new LinkedHashSet<String>();
        for (SchedulerEvent e : events) {
            List<String> ks = switch (e) {
                case SchedulerEvent.TaskFinished f -> List.of(f.key());
                case SchedulerEvent.TaskErred f -> List.of(f.key());
                case SchedulerEvent.LongRunning f -> List.of(f.key());
                case SchedulerEvent.StealResponse f -> List.of(f.key());
                case SchedulerEvent.Balance b -> List.of();
                case SchedulerEvent.MissingData f -> List.of(f.key());
                case SchedulerEvent.WorkerReleasedKey f -> List.of(f.key());
                case SchedulerEvent.UpdateGraph u -> {
                    var ks2 = new ArrayList<String>(u.wantedKeys());
                    for (int i = 0; i < u.graph().size(); i++) {
                        ks2.addAll(u.graph().dependencyKeys(i)); // known dependencies have a story already
                        if (ks2.size() > max * 4) {
                            break;
                        }
                    }
                    yield ks2;
                }
                case SchedulerEvent.ReleaseKeys r -> r.keys();
                case SchedulerEvent.CancelKeys r -> r.keys();
                case SchedulerEvent.RetryKeys r -> r.keys();
                case SchedulerEvent.AddKeys r -> r.keys();
                case SchedulerEvent.UpdateData d -> List.copyOf(d.data().keySet());
                case SchedulerEvent.AddWorker w -> List.of(w.address());
                case SchedulerEvent.RemoveWorker w -> List.of(w.address());
                case SchedulerEvent.WorkerMemory w -> List.of(w.worker());
                case SchedulerEvent.WorkerHeartbeat w -> List.of(w.worker());
                case SchedulerEvent.CheckWorkerTtl c -> List.of();
                case SchedulerEvent.RetireWorkers w -> w.workers();
                case SchedulerEvent.AddClient c -> List.of(c.clientId());
                case SchedulerEvent.RemoveClient c -> List.of(c.clientId());
                case SchedulerEvent.CheckDeadlines c -> List.of();
            };
            for (String k : ks) {
                if (keys.size() >= max) {
                    return keys;
                }
                keys.add(k);
            }
        }
        return keys;
    }
}
