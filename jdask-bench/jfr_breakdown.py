#!/usr/bin/python3
"""Where the CPU goes per task: JFR CPU-time samples of the client, scheduler and worker JVMs, by category.

    jdask-bench/jfr_breakdown.py JFR_BIN WINDOW_FILE recording.jfr...

Used by `run-cluster-bench.sh profile`. WINDOW_FILE is ClusterBench's profile output: its "# window" line gives the
measured window (epoch milliseconds) and its "# CPU time ... N tasks" line the task count; samples outside the
window (start-up, warm-up) are ignored. Each sample (jdk.CPUTimeSample, or jdk.ExecutionSample on JDKs without it)
is put in the first category that matches, looking from the innermost frame outwards, so a socket write made while
encoding counts as a socket write. The table gives, per JVM role, each category's share of that role's samples;
multiplying by the role's CPU us/task from ClusterBench's "CPU ... (sum)" lines gives us/task.
"""
import collections
import datetime
import re
import subprocess
import sys

# (category, pattern on a frame "pkg.Class.method"), checked innermost frame first.
RULES = [
    ("socket write (syscall)", r"SocketDispatcher\.writev?0|FileDispatcherImpl\.writev?0"),
    ("socket read (syscall)", r"SocketDispatcher\.read0|FileDispatcherImpl\.read0"),
    ("selector wake-up (eventfd)", r"EventFD\.set0|IOUtil\.drain|Selector\w*\.wakeup"),
    ("selector wait (epoll)", r"EPoll\.wait"),
    ("park/unpark (hand-off)", r"Unsafe\.park|Unsafe\.unpark"),
    ("encode (Fory)", r"io\.jdask\.protocol\.MessageCodec\.encode|io\.jdask\.protocol\.Serializer\.serialize"),
    ("decode (Fory)", r"io\.jdask\.protocol\.MessageCodec\.decode|io\.jdask\.protocol\.Serializer\.deserialize"),
    ("scheduler state machine", r"io\.jdask\.scheduler\.state\."),
    ("worker state machine", r"io\.jdask\.worker\.state\."),
    ("client submit path", r"io\.jdask\.client\.(ClientImpl\.(submitCall|mapCall|keyFor)|Submission\.)"),
    ("client gather path", r"io\.jdask\.client\.(Session\.fetch|ClientImpl\.gather)"),
    ("client future bookkeeping", r"io\.jdask\.client\.(Session|KeyState|FutureImpl)\."),
    ("scheduler loop (other)", r"io\.jdask\.scheduler\."),
    ("worker server (other)", r"io\.jdask\.worker\."),
    ("netty pipeline/buffers", r"io\.netty\."),
]
COMPILED = [(c, re.compile(p)) for c, p in RULES]


def window_of(path):
    start = end = tasks = None
    for line in open(path):
        m = re.search(r"# window: start=(\d+) end=(\d+)", line)
        if m:
            start, end = int(m.group(1)), int(m.group(2))
        m = re.search(r"wall, (\d+) tasks", line)
        if m:
            tasks = int(m.group(1))
    return start, end, tasks


def samples(jfr, path, event):
    out = subprocess.run([jfr, "print", "--events", event, "--stack-depth", "64", path],
                         capture_output=True, text=True, check=True).stdout
    for block in out.split(event + " {")[1:]:
        t = re.search(r"startTime = (\d\d):(\d\d):(\d\d)\.(\d+) \((\d{4})-(\d\d)-(\d\d)\)", block)
        thread = re.search(r'(?:eventThread|sampledThread) = "([^"]*)"', block)
        # Frames: "    pkg.Class.method(ArgTypes) line: N" ("line:" is missing on native frames).
        frames = re.findall(r"^ {4}([\w$.<>]+)\([^)]*\)", block, re.M)
        when = None
        if t:
            hh, mm, ss, frac, y, mo, d = t.groups()
            dt = datetime.datetime(int(y), int(mo), int(d), int(hh), int(mm), int(ss),
                                   int(frac.ljust(6, "0")[:6]))
            when = dt.timestamp() * 1000  # local time, as ClusterBench's epoch ms
        yield when, (thread.group(1) if thread else "?"), frames


def categorize(thread, frames):
    if "CompilerThread" in thread:
        return "JIT compiler threads"
    if thread.startswith("GC Thread") or "G1 " in thread or "GC " in thread:
        return "GC threads"
    for f in frames:
        for cat, rx in COMPILED:
            if rx.search(f):
                return cat
    return "other (" + re.sub(r"[-#_ 0-9]+$", "", thread) + ")"


def main():
    jfr, window_file, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    start, end, tasks = window_of(window_file)
    table = {}
    for path in files:
        kinds = subprocess.run([jfr, "summary", path], capture_output=True, text=True).stdout
        event = "jdk.CPUTimeSample" if re.search(r"jdk\.CPUTimeSample\s+[1-9]", kinds) else "jdk.ExecutionSample"
        counts = collections.Counter()
        threads = set()
        for when, thread, frames in samples(jfr, path, event):
            if start and when and not (start <= when <= end):
                continue
            threads.add(thread)
            counts[categorize(thread, frames)] += 1
        role = "client+scheduler" if "jdask-scheduler-loop" in threads else "worker"
        table.setdefault(role, collections.Counter()).update(counts)
    print(f"# JFR samples in the measured window, by category (innermost matching frame), share of each role's samples")
    roles = sorted(table)
    cats = sorted({c for r in roles for c in table[r]}, key=lambda c: -sum(table[r][c] for r in roles))
    print(f"{'category':34s}" + "".join(f"{r + ' (' + str(sum(table[r].values())) + ')':>26s}" for r in roles))
    for c in cats:
        print(f"{c:34s}" + "".join(f"{100.0 * table[r][c] / max(1, sum(table[r].values())):25.1f}%" for r in roles))
    if tasks:
        print(f"# {tasks} tasks in the window; see the CPU lines above for us/task per role")


if __name__ == "__main__":
    main()
