package io.jdask.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.protocol.Message;
import io.jdask.protocol.WorkerMsg;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The pure parts of task output forwarding, without threads or sockets: how a capture cuts bytes into lines, and how
 * the forwarder batches lines per client and when it asks the loop to send them.
 */
class TaskOutputUnitTest {

    private record Line(boolean error, String text) {}

    private static OutputCapture.Capture capture(List<Line> into) {
        return new OutputCapture.Capture(
                (error, text) -> into.add(new Line(error, text)), StandardCharsets.UTF_8, StandardCharsets.UTF_8);
    }

    private static void write(OutputCapture.Capture c, boolean error, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        c.write(error, b, 0, b.length);
    }

    @Test
    void aCaptureCutsLinesPerStreamAcrossWritesAndPassesOnTheLastPartialLineWhenClosed() {
        List<Line> lines = new ArrayList<>();
        OutputCapture.Capture c = capture(lines);

        write(c, false, "load");
        write(c, true, "warn: x\r\n");
        write(c, false, "ing ü\nsecond\n\nthird");
        assertThat(lines)
                .containsExactly(
                        new Line(true, "warn: x"),
                        new Line(false, "loading ü"),
                        new Line(false, "second"),
                        new Line(false, ""));

        c.close();
        assertThat(lines).last().isEqualTo(new Line(false, "third"));
    }

    @Test
    void aLineLongerThanTheLimitIsPassedOnInPiecesAndNothingIsLost() {
        List<Line> lines = new ArrayList<>();
        OutputCapture.Capture c = capture(lines);
        String longLine = "x".repeat(OutputCapture.MAX_LINE_BYTES * 2 + 10);

        write(c, false, longLine + "\n");

        assertThat(lines).hasSize(3).allMatch(l -> l.text().length() <= OutputCapture.MAX_LINE_BYTES);
        assertThat(String.join("", lines.stream().map(Line::text).toList())).isEqualTo(longLine);
    }

    /** A forwarder whose timer, posts and sends are recorded, to be run by the test. */
    private static final class Rig {
        final List<Message> sent = new ArrayList<>();
        final List<Runnable> timed = new ArrayList<>();
        final List<Runnable> posted = new ArrayList<>();
        final OutputForwarder forwarder = new OutputForwarder(
                () -> "local-7",
                sent::add,
                (job, delay) -> {
                    assertThat(delay).isEqualTo(OutputForwarder.FLUSH_NANOS);
                    return timed.add(job);
                },
                posted::add);
    }

    @Test
    void linesAreBatchedPerClientInOrderAndSentByOneTimerPerBatch() {
        Rig rig = new Rig();
        rig.forwarder.add("client-1", "a", false, "one");
        rig.forwarder.add("client-2", "b", true, "two");
        rig.forwarder.add("client-1", "a", false, "three");
        assertThat(rig.timed).hasSize(1);
        assertThat(rig.sent).isEmpty();

        rig.timed.get(0).run();

        assertThat(rig.sent)
                .containsExactly(
                        new WorkerMsg.TaskOutput(
                                "client-1",
                                "local-7",
                                List.of(
                                        new WorkerMsg.OutputLine("a", false, "one"),
                                        new WorkerMsg.OutputLine("a", false, "three"))),
                        new WorkerMsg.TaskOutput(
                                "client-2", "local-7", List.of(new WorkerMsg.OutputLine("b", true, "two"))));
        assertThat(rig.forwarder.waitingLines()).isZero();

        rig.forwarder.add("client-1", "c", false, "four"); // a new batch arms a new timer
        assertThat(rig.timed).hasSize(2);
    }

    @Test
    void aFlushBeforeAnOutcomeSendsAtOnceAndTheTimerThenFindsNothing() {
        Rig rig = new Rig();
        rig.forwarder.add("client-1", "a", false, "one");

        rig.forwarder.flush();
        assertThat(rig.sent).hasSize(1);

        rig.timed.get(0).run();
        assertThat(rig.sent).hasSize(1);
        rig.forwarder.flush(); // nothing waits: nothing is sent
        assertThat(rig.sent).hasSize(1);
    }

    @Test
    void aFullBatchIsPostedToTheLoopOnceWithoutWaitingForTheTimer() {
        Rig rig = new Rig();
        String chunk = "y".repeat(1000);
        int n = OutputForwarder.MAX_BUFFERED_CHARS / 1000 + 5;
        for (int i = 0; i < n; i++) rig.forwarder.add("client-1", "a", false, chunk);

        assertThat(rig.posted).hasSize(1);
        rig.posted.get(0).run();
        assertThat(rig.sent)
                .singleElement()
                .satisfies(m -> assertThat(((WorkerMsg.TaskOutput) m).lines()).hasSize(n));
    }
}
