package io.jdask.cli;

import io.jdask.Settings;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jdask config}: every setting's effective value in this environment and where it came from (the default, the
 * settings file, an environment variable, a system property). The sources are read afresh, as a program started here
 * would read them; options given to a command or in code, which win over all of these, are not visible here.
 */
@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        description = {
            "Prints the effective value of every jdask setting and where it came from.",
            "Sources, a later one winning: defaults; the settings file (~/.config/jdask/jdask.properties, or the file"
                    + " JDASK_CONFIG names; none for none); environment variables (jdask.worker.memory.target is"
                    + " JDASK_WORKER_MEMORY_TARGET: capitals, dots and dashes as underscores); system properties"
                    + " (-Djdask.worker.memory.target=0.7, e.g. in JDASK_JAVA_OPTS); then command-line options and code."
        })
final class ConfigCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--changed", description = "Only the settings that are not at their default.")
    boolean changed;

    @Option(names = "--doc", description = "With each setting's unit and what it does.")
    boolean doc;

    @Parameters(
            paramLabel = "KEY",
            arity = "0..*",
            description = "Only these settings (jdask. may be left out), e.g. worker.memory.target.")
    List<String> only = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Settings settings;
        try {
            settings = Settings.load();
        } catch (IllegalArgumentException e) {
            err.println("jdask config: " + e.getMessage());
            err.flush();
            return 2;
        }
        List<Settings.Key<?>> keys = new ArrayList<>();
        for (String name : only) {
            var key = Settings.key(name);
            if (key.isEmpty()) {
                err.println("jdask config: no setting " + name + " (`jdask config` lists them all)");
                err.flush();
                return 2;
            }
            keys.add(key.get());
        }
        if (keys.isEmpty()) keys.addAll(Settings.keys());
        List<Settings.Setting> shown = new ArrayList<>();
        for (Settings.Key<?> k : keys) {
            Settings.Setting s = settings.setting(k);
            if (!changed || s.source() != Settings.Source.DEFAULT) shown.add(s);
        }
        out.println("# settings file: "
                + settings.file()
                        .map(Object::toString)
                        .orElse("none (none at ~/.config/jdask/jdask.properties; JDASK_CONFIG=FILE names another)"));
        int nameWidth = 0;
        int valueWidth = 0;
        for (Settings.Setting s : shown) {
            nameWidth = Math.max(nameWidth, s.key().name().length());
            valueWidth = Math.max(valueWidth, shownValue(s).length());
        }
        for (Settings.Setting s : shown) {
            StringBuilder line = new StringBuilder();
            line.append(pad(s.key().name(), nameWidth)).append("  ");
            line.append(pad(shownValue(s), valueWidth)).append("  ");
            line.append(source(s));
            if (doc) {
                line.append("\n    ").append(s.key().doc());
                if (!s.key().unit().isEmpty())
                    line.append(" [").append(s.key().unit()).append(']');
            }
            out.println(line);
        }
        out.flush();
        for (String w : settings.warnings()) err.println(w);
        err.flush();
        return 0;
    }

    private static String shownValue(Settings.Setting s) {
        return s.value() == null ? "(not set)" : s.text();
    }

    private static String source(Settings.Setting s) {
        return switch (s.source()) {
            case DEFAULT -> "default";
            case FILE -> "file " + s.origin();
            case ENVIRONMENT -> "env " + s.origin();
            case SYSTEM_PROPERTY -> "property " + s.origin();
        };
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
