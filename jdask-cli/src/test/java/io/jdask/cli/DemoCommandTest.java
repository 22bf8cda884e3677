package io.jdask.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DemoCommandTest {

    @Test
    void demoRunsEveryExampleOnACluster(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DemoCommand.Demo.unitMs = 20;
        new DemoCommand.Demo(new PrintStream(bytes, true, StandardCharsets.UTF_8), dir, 2, 2, false).run();
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out)
                .contains("scheduler at tcp://")
                .containsPattern("sequential result = \\[0, 2, 4, 6\\]")
                .containsPattern("delayed    result = \\[0, 2, 4, 6\\]")
                .containsPattern("delayed    result = 3 ")
                .contains("all results:    [0, 2, 4, 6]")
                .containsPattern("delayed    result = 5 ")
                .containsPattern("delayed    result = 204 ")
                .containsPattern("futures    result = 204 ")
                .contains("Which one?");
        assertThat(Files.readString(dir.resolve("inc-add.svg")))
                .startsWith("<svg")
                .contains(">inc<")
                .contains(">add<");
        assertThat(Files.readString(dir.resolve("pipeline.svg")))
                .contains(">load<")
                .contains(">aggregate<");
    }

    @Test
    void helpListsTheCommands() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CommandLine cmd = new CommandLine(new Main());
        cmd.setOut(new java.io.PrintWriter(bytes, true, StandardCharsets.UTF_8));
        assertThat(cmd.execute("--help")).isZero();
        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .contains("demo")
                .contains("scheduler")
                .contains("worker");
    }
}
