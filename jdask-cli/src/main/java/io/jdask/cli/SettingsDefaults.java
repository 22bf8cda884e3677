package io.jdask.cli;

import io.jdask.Settings;
import picocli.CommandLine;

/**
 * The defaults of {@code jdask scheduler} and {@code jdask worker} options that are settings: an option given on the
 * command line wins, else the setting's value (settings file, {@code JDASK_*}, {@code -Djdask.*}), else its default.
 * Options not listed here keep their own defaults.
 */
public final class SettingsDefaults implements CommandLine.IDefaultValueProvider {
    /** For picocli. */
    public SettingsDefaults() {}

    @Override
    public String defaultValue(CommandLine.Model.ArgSpec argument) {
        if (!(argument instanceof CommandLine.Model.OptionSpec option)) return null;
        Settings.Key<?> key = key(argument.command().name(), option.longestName());
        if (key == null) return null;
        Object value = Settings.current().get(key);
        if (value == null) return null;
        // picocli parses doubles with Double.valueOf, which reads "Infinity", not the settings' "inf"
        return value instanceof Double d && d.isInfinite() ? "Infinity" : key.format(value);
    }

    /** The setting behind an option of a command, or null. */
    static Settings.Key<?> key(String command, String option) {
        return switch (command + " " + option) {
            case "scheduler --port" -> Settings.SCHEDULER_PORT;
            case "scheduler --dashboard-port" -> Settings.SCHEDULER_DASHBOARD_PORT;
            case "scheduler --dashboard-host" -> Settings.SCHEDULER_DASHBOARD_HOST;
            case "scheduler --worker-saturation" -> Settings.SCHEDULER_WORKER_SATURATION;
            case "worker --nthreads" -> Settings.WORKER_NTHREADS;
            default -> null;
        };
    }
}
