#!/usr/bin/python3
"""Dask's side of the cold benchmark: the cases of jdask-bench's ColdBench.java, each repetition of each case in a
fresh Python process, on LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None).

Run with Debian's Python, which has Dask 2022.12 (apt-get install python3-distributed):

    /usr/bin/python3 jdask-bench/dask/cold_bench.py [--reps 5] [--only burst,roundtrip,actor,scatter] ...

Cases (the clock starts once the client is connected; nothing runs before it in that process):
  burst      N client.submit(noop, i, pure=False), then one client.gather             cold_burst, tasks/s
  roundtrip  the first N sequential client.submit(noop, i, pure=False).result()      cold_roundtrip_*, us
             (median, p99, and the very first one alone)
  actor      client.submit(Counter, actor=True).result() (cold_actor_create, ms), then the first N sequential
             counter.increment().result() (cold_actor_median, _p99, _first, us)
  scatter    the first client.scatter(a, direct=False) of a BYTES-byte numpy uint8 array (cold_scatter_first, GB/s),
             then SCATTERS more of fresh arrays of other content (so no key is the same), their median
             (cold_scatter_warm). Dask's scatter returns once the scheduler has put the value on a worker and heard
             back, so each time runs to the value being in a worker's memory; it includes tokenizing the value for
             its key (hash=True, the default), as a user's scatter does. Each value is made before its clock starts,
             and checked on the worker (a CRC-32 task) and released after it stops.
Each child also reports its cluster start, LocalCluster(...) plus Client(cluster) (cold_start, s).

A child process prints one "CHILD name=value ..." line and exits with status 0 only if every value was right
(gathered values 0..N-1, each round trip its own argument, the counter counting 1..N, each scattered array
whole on its worker). The parent runs --prime
untimed children first (default 1: Python's own caches, .pyc files and the page cache, are warm for later
programs, as jdask's worker AOT cache is), then for each repetition one child per case, and prints the median,
min and max over the repetitions:

    RESULT figure=cold_burst unit=tasks/s median=520 min=500 max=540 reps=5 n=10000
"""
import argparse
import logging
import os
import statistics
import subprocess
import sys
import time
import warnings
import zlib

CASES = ["burst", "roundtrip", "actor", "scatter"]
CHILD_PREFIX = "CHILD "

# Child field, printed figure, unit, size option (None: one value per child, the cluster start).
FIGURES = [
    ("burst_tasks_per_s", "cold_burst", "tasks/s", "tasks"),
    ("roundtrip_median_us", "cold_roundtrip_median", "us", "round_trips"),
    ("roundtrip_p99_us", "cold_roundtrip_p99", "us", "round_trips"),
    ("roundtrip_first_us", "cold_roundtrip_first", "us", "round_trips"),
    ("actor_create_ms", "cold_actor_create", "ms", "actor_calls"),
    ("actor_median_us", "cold_actor_median", "us", "actor_calls"),
    ("actor_p99_us", "cold_actor_p99", "us", "actor_calls"),
    ("actor_first_us", "cold_actor_first", "us", "actor_calls"),
    ("scatter_first_gb_per_s", "cold_scatter_first", "GB/s", "bytes"),
    ("scatter_warm_gb_per_s", "cold_scatter_warm", "GB/s", "scatters"),
    ("start_s", "cold_start", "s", None),
]


# ---------------------------------------------------------------- run on the workers

def noop(x):
    return x


class Counter:
    """The actor of the actor case, as in Dask's actor example."""

    def __init__(self):
        self.n = 0

    def increment(self):
        self.n += 1
        return self.n


def crc(b):
    return zlib.crc32(b)


# ---------------------------------------------------------------- helpers

def fmt(v):
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.4g}"


def median_line(figure, unit, values, extra):
    return (f"RESULT figure={figure} unit={unit} median={fmt(statistics.median(values))} min={fmt(min(values))} "
            f"max={fmt(max(values))} reps={len(values)} {extra}")


def percentile(sorted_values, p):
    """Nearest-rank percentile, as ClusterBench.percentile."""
    rank = -(-p * len(sorted_values) // 100)  # ceil
    return sorted_values[max(0, min(len(sorted_values) - 1, int(rank) - 1))]


def latencies(prefix, nanos):
    """The median, p99 and first of nanos (in call order), in microseconds, as child fields."""
    first = nanos[0]
    s = sorted(nanos)
    return {f"{prefix}_median_us": percentile(s, 50) / 1e3, f"{prefix}_p99_us": percentile(s, 99) / 1e3,
            f"{prefix}_first_us": first / 1e3}


# ---------------------------------------------------------------- a child: one case in this fresh process

def child(a):
    # Imported here, after the clock of nothing: the parent never imports distributed, and a child's import is part
    # of its cluster start, as loading jdask's classes is part of a jdask child's.
    start = time.perf_counter()
    from distributed import Client, LocalCluster
    logging.getLogger("distributed").setLevel(logging.ERROR)
    # Without a dashboard the scheduler still serves HTTP, on 8787 if free, and warns when another program has it.
    warnings.filterwarnings("ignore", message="Port 8787 is already in use")
    cluster = LocalCluster(n_workers=a.workers, threads_per_worker=a.threads_per_worker, processes=True,
                           dashboard_address=None)
    client = Client(cluster)
    fields = {"start_s": time.perf_counter() - start}
    try:
        if a.child == "burst":
            n = a.tasks
            t0 = time.perf_counter()
            fs = [client.submit(noop, i, pure=False) for i in range(n)]
            values = client.gather(fs)
            seconds = time.perf_counter() - t0
            if values != list(range(n)):
                sys.exit(f"burst: gathered values are not 0..{n - 1}")
            fields["burst_tasks_per_s"] = n / seconds
        elif a.child == "roundtrip":
            nanos = []
            for i in range(a.round_trips):
                t0 = time.perf_counter_ns()
                v = client.submit(noop, i, pure=False).result()
                nanos.append(time.perf_counter_ns() - t0)
                if v != i:
                    sys.exit(f"round trip {i} returned {v}")
            fields.update(latencies("roundtrip", nanos))
        elif a.child == "actor":
            t0 = time.perf_counter_ns()
            counter = client.submit(Counter, actor=True, pure=False).result()
            fields["actor_create_ms"] = (time.perf_counter_ns() - t0) / 1e6
            fields.update(latencies("actor", actor_calls(counter, a.actor_calls)))
        elif a.child == "scatter":
            first = filled_array(a.bytes, 0)
            seconds = scatter_once(client, first)
            del first
            warm = [scatter_once(client, filled_array(a.bytes, i + 1)) for i in range(a.scatters)]
            fields["scatter_first_gb_per_s"] = a.bytes / seconds / 1e9
            fields["scatter_warm_gb_per_s"] = statistics.median(a.bytes / s / 1e9 for s in warm)
        elif a.child == "prime":
            if client.gather([client.submit(noop, i, pure=False) for i in range(100)]) != list(range(100)):
                sys.exit("prime: gathered values are not 0..99")
            actor_calls(client.submit(Counter, actor=True, pure=False).result(), 10)
        else:
            sys.exit(f"not a case: {a.child}")
    finally:
        client.close()
        cluster.close()
    print(CHILD_PREFIX + " ".join(f"{k}={v!r}" for k, v in fields.items()), flush=True)


def actor_calls(counter, n):
    """n sequential counter.increment().result(); their latencies in ns, in call order. Call i must return i + 1."""
    nanos = []
    for i in range(n):
        t0 = time.perf_counter_ns()
        v = counter.increment().result()
        nanos.append(time.perf_counter_ns() - t0)
        if v != i + 1:
            sys.exit(f"actor call {i + 1} returned {v}")
    return nanos


def filled_array(size, seed):
    """A numpy uint8 array of size bytes, a pattern that differs per position and per seed (ClusterWorkloads.fill's
    over its first 64 KiB, repeated). numpy rather than bytes: Dask tokenizes a bytes object for its key through its
    repr (1.6 s for 100 MB here) but hashes an array's buffer (0.05 s); a user scattering big data has an array."""
    import numpy as np
    block = np.frombuffer(bytes((i * 31 + seed + i // 2048) & 0xFF for i in range(1 << 16)), dtype=np.uint8)
    return np.resize(block, size)


def scatter_once(client, data):
    """Times one client.scatter(data, direct=False) to its return; then, untimed, checks the worker's copy (CRC-32)
    and releases the future. Returns the seconds."""
    t0 = time.perf_counter()
    f = client.scatter(data, direct=False)
    seconds = time.perf_counter() - t0
    check = client.submit(crc, f, pure=False)
    try:
        if check.result() != zlib.crc32(data):
            sys.exit(f"scattered {len(data)} bytes, the worker's copy has another CRC-32")
    finally:
        check.release()
        f.release()
    return seconds


# ---------------------------------------------------------------- the parent

def run_child(a, case):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", case, "--workers", str(a.workers),
           "--threads-per-worker", str(a.threads_per_worker), "--tasks", str(a.tasks),
           "--round-trips", str(a.round_trips), "--actor-calls", str(a.actor_calls), "--bytes", str(a.bytes),
           "--scatters", str(a.scatters)]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, timeout=300)
    if p.returncode != 0:
        sys.exit(f"the {case} child exited with status {p.returncode} (its errors are above); output: {p.stdout!r}")
    for line in p.stdout.splitlines():
        if line.startswith(CHILD_PREFIX):
            return {k: float(v) for k, v in (part.split("=", 1) for part in line[len(CHILD_PREFIX):].split())}
    sys.exit(f"the {case} child printed no line starting with {CHILD_PREFIX!r}: {p.stdout!r}")


def parent(a):
    only = a.only.split(",")
    for c in only:
        if c not in CASES:
            sys.exit(f"--only: unknown case '{c}'; the cases are {','.join(CASES)}")
    version = subprocess.run([sys.executable, "-c", "import dask, distributed; "
                              "print(dask.__version__, distributed.__version__)"],
                             stdout=subprocess.PIPE, text=True).stdout.split()
    print(f"# Dask cold_bench: dask {version[0]}, distributed {version[1]}, python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores, a fresh process per case and repetition, LocalCluster n_workers={a.workers} "
          f"threads_per_worker={a.threads_per_worker} processes=True, {a.reps} repetitions (median, min, max), "
          f"{a.prime} priming run(s)", flush=True)
    for p in range(a.prime):
        print(f"# priming run {p + 1}: cluster start {run_child(a, 'prime')['start_s']:.3f} s", flush=True)
    values = {}
    for r in range(a.reps):
        for c in only:
            fields = run_child(a, c)
            for k, v in fields.items():
                values.setdefault(k, []).append(v)
            print(f"# rep {r + 1} {c}: " + " ".join(f"{k}={fmt(v)}" for k, v in fields.items()), flush=True)
    for field, figure, unit, size in FIGURES:
        if field in values:
            if size == "bytes":
                extra = f"bytes={a.bytes}"
            elif size == "scatters":
                extra = f"bytes={a.bytes} n={a.scatters}"
            else:
                extra = f"n={getattr(a, size)}" if size else f"children={a.reps * len(only)}"
            print(median_line(figure, unit, values[field], extra), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads-per-worker", type=int, default=1)
    p.add_argument("--reps", type=int, default=5, help="fresh processes per case; medians are printed")
    p.add_argument("--prime", type=int, default=1, help="untimed children before the repetitions")
    p.add_argument("--tasks", type=int, default=10_000)
    p.add_argument("--round-trips", type=int, default=1_000)
    p.add_argument("--actor-calls", type=int, default=1_000)
    p.add_argument("--bytes", type=int, default=100_000_000, help="size of each scattered value")
    p.add_argument("--scatters", type=int, default=5, help="warm scatters after the first")
    p.add_argument("--only", default=",".join(CASES), help="comma-separated cases: " + ",".join(CASES))
    p.add_argument("--child", choices=CASES + ["prime"], help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        child(a)
    else:
        parent(a)


if __name__ == "__main__":
    main()
