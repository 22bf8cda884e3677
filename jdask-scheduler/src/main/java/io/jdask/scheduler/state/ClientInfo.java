package io.jdask.scheduler.state;

import java.util.LinkedHashSet;

/** The scheduler's record of one client: what it wants. */
final class ClientInfo {
    final String id;

    /** Exactly the tasks whose whoWants contains this client. */
    final LinkedHashSet<SchedulerTask> wantsWhat = new LinkedHashSet<>();

    ClientInfo(String id) {
        this.id = id;
    }

    @Override
    public String toString() {
        return "<Client " + id + " wants=" + wantsWhat.size() + ">";
    }
}
