package io.jdask.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShellTest {

    @Test
    void quotedWordsComeBackUnchangedFromARealShell() {
        List<String> words =
                List.of("plain", "two words", "it's", "$HOME", "a\"b", "`id`", "*", "", "x;y", "tab\there");
        String out =
                Shell.run(List.of("sh", "-c", "printf '%s\\n' " + Shell.join(words)), null, Duration.ofSeconds(10));
        assertThat(out).isEqualTo(String.join("\n", words) + "\n");
    }

    @Test
    void plainWordsStayUnquoted() {
        assertThat(Shell.quote("/opt/jdk-25/bin/java")).isEqualTo("/opt/jdk-25/bin/java");
        assertThat(Shell.quote("-Xmx1g")).isEqualTo("-Xmx1g");
        assertThat(Shell.quote("a b")).isEqualTo("'a b'");
    }

    @Test
    void aFailingCommandSaysItsStatusAndOutput() {
        assertThatThrownBy(
                        () -> Shell.run(List.of("sh", "-c", "echo broken >&2; exit 3"), null, Duration.ofSeconds(10)))
                .hasMessageContaining("exit status 3")
                .hasMessageContaining("broken");
        assertThatThrownBy(() -> Shell.run(List.of("/no/such/program"), null, Duration.ofSeconds(10)))
                .hasMessageContaining("cannot run /no/such/program");
    }
}
