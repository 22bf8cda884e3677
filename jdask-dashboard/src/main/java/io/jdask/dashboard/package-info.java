/**
 * The web dashboard of a jdask scheduler: {@link io.jdask.dashboard.Dashboard} serves {@code /status} (live),
 * {@code /info/workers}, {@code /profile}, {@code /json/status} and {@code /health} from the scheduler's process,
 * reading only immutable {@link io.jdask.scheduler.ClusterSnapshot}s that the scheduler loop makes on request.
 */
package io.jdask.dashboard;
