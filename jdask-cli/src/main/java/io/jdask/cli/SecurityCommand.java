package io.jdask.cli;

import io.jdask.Security;
import io.jdask.protocol.CredentialsMaker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jdask security init FILE}: a new cluster's credentials. */
@Command(
        name = "security",
        mixinStandardHelpOptions = true,
        description = "Credentials for mutual TLS between a cluster's scheduler, workers and clients.",
        subcommands = {SecurityCommand.Init.class})
final class SecurityCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(
            name = "init",
            mixinStandardHelpOptions = true,
            description = {
                "Writes a new cluster's credentials to FILE (mode 0600): a new certificate authority and one"
                        + " certificate and key signed by it, which the scheduler, the workers and clients all use"
                        + " (--security FILE, JDASK_SECURITY=FILE, Security.load in code).",
                "Anyone holding FILE can join the cluster and run code on it: copy it only to the cluster's"
                        + " machines and users. The authority's own key is not kept; to revoke, make a new cluster."
            })
    static final class Init implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "Where to write the credentials (must not exist).")
        Path file;

        @Option(
                names = "--valid-days",
                defaultValue = "3650",
                description = "How long the certificates are valid (default: ${DEFAULT-VALUE} days).")
        int validDays;

        @Override
        public Integer call() {
            if (Files.exists(file)) {
                System.err.println("jdask security init: " + file + " exists already; credentials are never"
                        + " overwritten (delete it first, or choose another name)");
                return 1;
            }
            if (validDays < 1) {
                System.err.println("jdask security init: --valid-days must be at least 1, was " + validDays);
                return 2;
            }
            CredentialsMaker.Pem pem = CredentialsMaker.newCluster(Duration.ofDays(validDays));
            Security.of(pem.caCertificate(), pem.certificate(), pem.privateKey(), file.toString())
                    .write(file);
            System.out.println("jdask security init: wrote a new cluster's credentials to " + file
                    + " (mode 0600, valid " + validDays + " days). Start the cluster with"
                    + " `jdask scheduler --security " + file + "` and `jdask worker tls://HOST:8786 --security "
                    + file + "`.");
            return 0;
        }
    }
}
