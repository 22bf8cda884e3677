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
    void demoPrintsTheTutorialResultsAndWritesGraphs(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DemoCommand.Demo.unitMs = 5;
        new DemoCommand.Demo(new PrintStream(bytes, true, StandardCharsets.UTF_8), dir).run();
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).containsPattern("sequential result = 5 ")
                .containsPattern("delayed    result = 5 ")
                .containsPattern("delayed    result = 44 ")
                .containsPattern("delayed    result = 90 ");
        assertThat(Files.readString(dir.resolve("inc-add.svg"))).startsWith("<svg").contains(">inc<").contains(">add<");
        assertThat(Files.readString(dir.resolve("control-flow.svg"))).contains(">doubleIt<");
    }

    @Test
    void helpListsTheDemo() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CommandLine cmd = new CommandLine(new Main());
        cmd.setOut(new java.io.PrintWriter(bytes, true, StandardCharsets.UTF_8));
        assertThat(cmd.execute("--help")).isZero();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("demo");
    }
}
