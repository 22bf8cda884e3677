package io.jdask.deploy;

import java.util.ArrayList;
import java.util.List;

/**
 * The batch script of a {@link SlurmCluster} job: {@code #SBATCH} directives from the builder, the prologue, then
 * {@code processes} workers started in the background and waited for (SIGTERM from {@code scancel} is passed on).
 * Pure: the same builder and scheduler give the same text.
 */
final class JobScript {
    private JobScript() {}

    static String render(SlurmCluster.Builder b, String schedulerAddress, String credentialsFile) {
        List<String> lines = new ArrayList<>();
        lines.add("#!/usr/bin/env bash");
        lines.add("");
        lines.add("#SBATCH --job-name=" + b.jobName);
        if (b.queue != null) lines.add("#SBATCH --partition=" + b.queue);
        lines.add("#SBATCH --nodes=1");
        lines.add("#SBATCH --ntasks=1");
        lines.add("#SBATCH --cpus-per-task=" + b.cores);
        lines.add("#SBATCH --mem=" + Math.max(1, b.memoryBytes >> 20) + "M");
        lines.add("#SBATCH --time=" + b.walltime);
        lines.add("#SBATCH --output=" + b.sharedDirectory.resolve("%x-%j.out"));
        for (String d : b.extraDirectives) lines.add("#SBATCH " + d);
        lines.add("");
        lines.addAll(b.prologue);
        if (!b.prologue.isEmpty()) lines.add("");
        long perProcess = b.memoryBytes / b.processes;
        // The heap gets 85% of a worker's share: the rest is for the JVM's own memory (code, threads, buffers).
        long heapMb = Math.max(32, (perProcess >> 20) * 85 / 100);
        int threads = Math.max(1, b.cores / b.processes);
        for (int i = 0; i < b.processes; i++) {
            List<String> java = new ArrayList<>();
            java.add(b.javaCommand);
            java.add("-Xmx" + heapMb + "m");
            java.addAll(b.javaOptions);
            java.addAll(List.of("-cp", b.classPath, "io.jdask.cli.Main", "worker", schedulerAddress));
            java.addAll(List.of("--security", credentialsFile, "--nthreads", Integer.toString(threads)));
            java.addAll(List.of("--memory-limit", Long.toString(heapMb << 20)));
            String line = Shell.join(java);
            if (b.localDirectory != null) line += " --local-directory " + doubleQuote(b.localDirectory);
            lines.add(line + " --name " + Shell.quote(b.jobName + "-") + "\"${SLURM_JOB_ID}\"-" + i + " &");
        }
        // scancel's SIGTERM reaches this shell: pass it on and wait, so each worker closes cleanly.
        lines.add("trap 'kill $(jobs -p) 2>/dev/null; wait' TERM INT");
        lines.add("wait");
        return String.join("\n", lines) + "\n";
    }

    /** {@code text} in double quotes: the job's shell expands variables such as {@code $TMPDIR} in it, nothing else. */
    static String doubleQuote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("`", "\\`") + "\"";
    }
}
