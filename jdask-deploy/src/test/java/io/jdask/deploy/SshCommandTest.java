package io.jdask.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ssh command lines SshCluster builds, and its wrapper's promise: the process ends when its input does. */
class SshCommandTest {

    @Test
    void sshLineCarriesTheBuildersConnectionSettings() throws Exception {
        SshCluster.Builder b = SshCluster.builder()
                .hosts("node1", "node2")
                .user("ana")
                .port(2222)
                .identityFile(Path.of("/keys/id"))
                .knownHostsFile(Path.of("/keys/known"))
                .sshOptions("ProxyJump=gw");
        List<String> cmd = SshCluster.commandFor(b, "node2", "true");
        assertThat(cmd)
                .containsSubsequence("ssh", "-T", "-o", "BatchMode=yes")
                .containsSubsequence("-p", "2222")
                .containsSubsequence("-i", "/keys/id")
                .containsSubsequence("-o", "UserKnownHostsFile=/keys/known", "-o", "StrictHostKeyChecking=yes")
                .containsSubsequence("-o", "ProxyJump=gw")
                .containsSubsequence("-l", "ana", "node2", "true");
        assertThat(cmd.get(cmd.size() - 1)).isEqualTo("true");
    }

    @Test
    void theRemoteWrapperStopsTheProcessWhenItsInputEnds() throws Exception {
        // The wrapper with `sleep` in place of java, run by a local shell as sshd would run it.
        String wrapper = SshCluster.remoteWrapper(List.of("sleep", "300"));
        Process p = new ProcessBuilder("bash", "-c", wrapper).start();
        assertThat(p.isAlive()).isTrue();
        p.getOutputStream().close();
        assertThat(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS))
                .as("ended after its input closed")
                .isTrue();
        assertThat(p.exitValue()).as("killed by SIGTERM").isEqualTo(128 + 15);
    }

    @Test
    void buildWithoutHostsSaysWhatIsMissing() {
        assertThatThrownBy(() -> SshCluster.builder().build()).hasMessageContaining("hosts(...) is required");
        assertThatThrownBy(() -> SshCluster.builder().hosts(List.of())).hasMessageContaining("at least one host");
        assertThatThrownBy(() -> SshCluster.builder().port(0)).hasMessageContaining("port must be 1..65535");
    }
}
