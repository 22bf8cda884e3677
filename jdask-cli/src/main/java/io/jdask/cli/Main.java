package io.jdask.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code jdask} command. */
@Command(
        name = "jdask",
        mixinStandardHelpOptions = true,
        version = "jdask 0.1.0",
        description = "Dask's delayed and futures for Java.",
        subcommands = {
            DemoCommand.class,
            SchedulerCommand.class,
            WorkerCommand.class,
            SecurityCommand.class,
            ConfigCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
