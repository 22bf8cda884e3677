#!/usr/bin/python3
"""Dask's side of the cluster benchmark: the six figures of jdask-bench's ClusterBench.java, measured with
dask.distributed on LocalCluster(n_workers=2, threads_per_worker=1, processes=True).

Run with Debian's Python, which has Dask 2022.12 (apt-get install python3-distributed):

    /usr/bin/python3 jdask-bench/dask/cluster_bench.py [--warmup 1] [--reps 3] [--tasks 10000] ...

Figures (the same workloads as ClusterBench; every task function is a no-op in cost):
  submit_gather     N client.submit(noop, i) calls, then one client.gather             tasks/s
  map_gather        client.map(noop, range(N)), then one client.gather                  tasks/s
  roundtrip_*       sequential client.submit(noop, i).result(): median and p99 latency  us
  chain             inc(0), then N - 1 incs each on the previous future, .result()      us per task
  scatter           client.scatter of a 100 MB numpy uint8 array                        GB/s (1e9 bytes/s)
  gather            client.gather of a finished 100 MB numpy uint8 result               GB/s
  startup           LocalCluster(...) until its workers are up, plus Client(cluster)    s

Every submit uses pure=False, so each call gets a fresh key, as jdask's default does (Dask's default, pure=True,
would make a repeated call return the earlier result instead of running a task). A figure runs --warmup untimed
repetitions, then --reps timed ones, and prints the median, min and max of the timed ones, one line per figure:

    RESULT figure=submit_gather unit=tasks/s median=520 min=500 max=540 reps=3 n=10000

Lines starting with '#' are comments. Results are checked after each repetition, outside the timed region, and
futures are dropped (released) after it, followed by one untimed round trip. Start-up is timed on fresh clusters
after the other figures; the first start in this process, which also imports distributed's modules, is a comment.
"""
import argparse
import gc
import logging
import os
import statistics
import sys
import time

import numpy as np
import dask
import distributed
from distributed import Client, LocalCluster, wait


# ---------------------------------------------------------------- task functions (run on the workers)

def noop(x):
    return x


def inc(x):
    return x + 1


def filled(size, seed):
    """size bytes whose content depends on seed, so a check can tell they were moved whole."""
    return ((np.arange(size, dtype=np.int64) * 31 + seed) % 251).astype(np.uint8)


def checksum(a):
    return int(a.sum(dtype=np.int64)) * 1_000_003 + int(a[::4099].astype(np.int64) @ np.arange(len(a[::4099])))


# ---------------------------------------------------------------- helpers

def median_line(figure, unit, values, extra):
    fmt = lambda v: f"{v:.0f}" if abs(v) >= 100 else f"{v:.4g}"
    return (f"RESULT figure={figure} unit={unit} median={fmt(statistics.median(values))} min={fmt(min(values))} "
            f"max={fmt(max(values))} reps={len(values)} {extra}")


def percentile(sorted_values, p):
    """Nearest-rank percentile, as ClusterBench.percentile."""
    rank = -(-p * len(sorted_values) // 100)  # ceil
    return sorted_values[max(0, min(len(sorted_values) - 1, int(rank) - 1))]


def settle(client):
    """One untimed round trip, after a repetition's futures were dropped, so the releases have been handled."""
    gc.collect()
    client.submit(noop, -1, pure=False).result()


def repeat(a, once):
    """--warmup untimed calls of once(), then --reps timed ones; returns the timed ones' values."""
    for _ in range(a.warmup):
        once()
    return [once() for _ in range(a.reps)]


# ---------------------------------------------------------------- the figures

def noops_per_second(client, n, figure, submit_all):
    """Times submit_all() (futures of noop(0..n-1)) and one gather; checks the values outside the clock."""
    start = time.perf_counter()
    fs = submit_all()
    values = client.gather(fs)
    seconds = time.perf_counter() - start
    if values != list(range(n)):
        sys.exit(f"{figure}: gathered values are not 0..{n - 1}")
    del fs
    settle(client)
    return n / seconds


def submit_gather(client, n):
    return noops_per_second(client, n, "submit_gather",
                            lambda: [client.submit(noop, i, pure=False) for i in range(n)])


def map_gather(client, n):
    return noops_per_second(client, n, "map_gather", lambda: client.map(noop, range(n), pure=False))


def round_trips(client, n):
    nanos = []
    for i in range(n):
        start = time.perf_counter_ns()
        v = client.submit(noop, i, pure=False).result()
        nanos.append(time.perf_counter_ns() - start)
        if v != i:
            sys.exit(f"round trip {i} returned {v}")
    settle(client)
    nanos.sort()
    return percentile(nanos, 50) / 1e3, percentile(nanos, 99) / 1e3


def chain(client, n):
    start = time.perf_counter()
    f = client.submit(inc, 0, pure=False)
    for _ in range(1, n):
        f = client.submit(inc, f, pure=False)
    v = f.result()
    seconds = time.perf_counter() - start
    if v != n:
        sys.exit(f"a chain of {n} incs from 0 returned {v}")
    del f
    settle(client)
    return seconds * 1e6 / n


def scatter(client, data):
    start = time.perf_counter()
    f = client.scatter(data)
    seconds = time.perf_counter() - start
    remote = client.submit(checksum, f, pure=False).result()
    if remote != checksum(data):
        sys.exit(f"scattered {len(data)} bytes, the worker's copy differs")
    del f
    settle(client)
    return len(data) / seconds / 1e9


def gather(client, size, seed):
    f = client.submit(filled, size, seed, pure=False)
    wait(f)
    start = time.perf_counter()
    got = client.gather(f)
    seconds = time.perf_counter() - start
    if len(got) != size or not np.array_equal(got, filled(size, seed)):
        sys.exit(f"the gathered {size} bytes differ from what the task made")
    del f, got
    settle(client)
    return size / seconds / 1e9


def cluster(a):
    # No dashboard: jdask's LocalCluster has none by default either.
    return LocalCluster(n_workers=a.workers, threads_per_worker=a.threads_per_worker, processes=True,
                        dashboard_address=None)


def startup(a):
    seconds = []
    for _ in range(a.startups):
        start = time.perf_counter()
        c = cluster(a)
        client = Client(c)
        seconds.append(time.perf_counter() - start)
        try:
            if len(client.scheduler_info()["workers"]) != a.workers:
                sys.exit("a fresh cluster started without all its workers")
            if client.submit(inc, 41, pure=False).result() != 42:
                sys.exit("inc(41) is not 42 on a fresh cluster")
        finally:
            client.close()
            c.close()
    print(median_line("startup", "s", seconds, f"fresh_starts={a.startups}"), flush=True)


FIGURES = ["submit", "map", "roundtrip", "chain", "scatter", "gather", "startup"]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads-per-worker", type=int, default=1)
    p.add_argument("--warmup", type=int, default=1, help="untimed repetitions before the timed ones")
    p.add_argument("--reps", type=int, default=3, help="timed repetitions per figure; medians are printed")
    p.add_argument("--tasks", type=int, default=10_000)
    p.add_argument("--round-trips", type=int, default=1_000)
    p.add_argument("--chain", type=int, default=1_000)
    p.add_argument("--bytes", type=int, default=100_000_000)
    p.add_argument("--startups", type=int, default=5)
    p.add_argument("--only", default=",".join(FIGURES), help="comma-separated figures: " + ",".join(FIGURES))
    a = p.parse_args()
    only = a.only.split(",")
    for f in only:
        if f not in FIGURES:
            sys.exit(f"--only: unknown figure '{f}'; the figures are {','.join(FIGURES)}")
    logging.getLogger("distributed").setLevel(logging.ERROR)

    print(f"# dask {dask.__version__}, distributed {distributed.__version__}, python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores, LocalCluster n_workers={a.workers} threads_per_worker={a.threads_per_worker} "
          f"processes=True, warmup {a.warmup} + {a.reps} timed repetitions (median, min, max)", flush=True)
    start = time.perf_counter()
    with cluster(a) as c, Client(c) as client:
        print(f"# first start in this process (cold imports): {time.perf_counter() - start:.3f} s, "
              f"workers {sorted(client.scheduler_info()['workers'])}", flush=True)
        if "submit" in only:
            print(median_line("submit_gather", "tasks/s", repeat(a, lambda: submit_gather(client, a.tasks)),
                              f"n={a.tasks}"), flush=True)
        if "map" in only:
            print(median_line("map_gather", "tasks/s", repeat(a, lambda: map_gather(client, a.tasks)),
                              f"n={a.tasks}"), flush=True)
        if "roundtrip" in only:
            pairs = repeat(a, lambda: round_trips(client, a.round_trips))
            print(median_line("roundtrip_median", "us", [m for m, _ in pairs], f"n={a.round_trips}"), flush=True)
            print(median_line("roundtrip_p99", "us", [q for _, q in pairs], f"n={a.round_trips}"), flush=True)
        if "chain" in only:
            print(median_line("chain", "us/task", repeat(a, lambda: chain(client, a.chain)), f"n={a.chain}"),
                  flush=True)
        if "scatter" in only:
            data = filled(a.bytes, 7)
            print(median_line("scatter", "GB/s", repeat(a, lambda: scatter(client, data)), f"bytes={a.bytes}"),
                  flush=True)
            del data
        if "gather" in only:
            seeds = iter(range(1_000_000))
            print(median_line("gather", "GB/s", repeat(a, lambda: gather(client, a.bytes, next(seeds))),
                              f"bytes={a.bytes}"), flush=True)
    if "startup" in only:
        startup(a)


if __name__ == "__main__":
    main()
