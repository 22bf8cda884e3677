#!/usr/bin/python3
"""Dask's side of jdask-bench's SpillBench: a dataset of 2.5 times the cluster's memory limit, made by tasks and held
as futures, then read back whole by a reduction; time, spilled bytes and spill throughput.

Run with Debian's Python, which has Dask 2022.12 and numpy (apt-get install python3-distributed):

    /usr/bin/python3 jdask-bench/dask/spill_bench.py [--workers 2] [--worker-mb 512] [--chunk-mb 32] [--factor 2.5]
                                                     [--local-directory DIR] [--reps 1]

The same shape as SpillBench.java: LocalCluster(n_workers, threads_per_worker=1, processes=True,
memory_limit="512MB", local_directory=DIR) with Dask's default fractions (target 0.6, spill 0.7, pause 0.8,
terminate 0.95, as jdask's); chunks = ceil(factor * workers * limit / chunk) tasks, each returning a numpy array of
chunk-mb MiB (int8) filled with one byte that depends on its number; a repetition:

  make       client.map(chunk, range(chunks), pure=False) until every future is done (distributed.wait)
  spilled    the bytes the workers hold on disk once every chunk exists (each worker's SpillBuffer.spilled_total,
             its on-disk size, through client.run; summed)
  read       client.map(checksum, futures): one byte per 4 KiB page summed, gathered and checked
  write_rate spilled / make, MB/s (10^6 bytes), end to end
  read_rate  spilled / read, MB/s, end to end

The rates are end to end, as jdask's (which reports no I/O times): a lower bound of the disk I/O. Dask's workers do
time their own spilling (SpillBuffer.get_metrics: disk_write_bytes_total / disk_write_time_total, the same for
reads, pickling apart); those rates are printed as comment lines and as the figures disk_write_rate and
disk_read_rate, for reference.
"""
import argparse
import logging
import math
import os
import statistics
import sys
import time

import dask
import distributed
import numpy as np
from distributed import Client, LocalCluster


def fill(i):
    """The byte chunk i is filled with, as a signed byte (Java's (byte) (i * 31 + 7))."""
    v = (i * 31 + 7) & 0xFF
    return v - 256 if v >= 128 else v


def chunk(i, mb):
    return np.full(mb << 20, fill(i), dtype=np.int8)


def checksum(b):
    return int(b[::4096].astype(np.int64).sum())


def expected_checksum(i, mb):
    return ((mb << 20) // 4096) * fill(i)


def fmt(v):
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.4g}"


def line(figure, unit, values, extra):
    return (f"RESULT figure={figure} unit={unit} median={fmt(statistics.median(values))} min={fmt(min(values))} "
            f"max={fmt(max(values))} reps={len(values)} {extra}")


def spill_metrics(dask_worker=None):
    """This worker's bytes on disk and its SpillBuffer's cumulative I/O counters (zeros if it does not spill)."""
    data = dask_worker.data
    try:
        on_disk = data.spilled_total.disk
        m = data.get_metrics()
    except AttributeError:
        return {"disk": 0}
    m["disk"] = on_disk
    return m


def totals(client):
    """Each worker's spill metrics, summed over the workers."""
    out = {}
    for m in client.run(spill_metrics).values():
        for k, v in m.items():
            if isinstance(v, (int, float)):
                out[k] = out.get(k, 0) + v
    return out


def once(client, a, chunks):
    before = totals(client)
    start = time.perf_counter()
    data = client.map(chunk, range(chunks), mb=a.chunk_mb, pure=False)
    distributed.wait(data)
    made = time.perf_counter()
    for f in data:
        if f.status != "finished":
            sys.exit(f"making a chunk failed: {f.status} {f.exception()}")
    after_make = totals(client)
    spilled = after_make["disk"]
    read_start = time.perf_counter()
    sums = client.gather(client.map(checksum, data, pure=False))
    read = time.perf_counter()
    after_read = totals(client)
    for i, s in enumerate(sums):
        if s != expected_checksum(i, a.chunk_mb):
            sys.exit(f"chunk {i} read back with checksum {s}, expected {expected_checksum(i, a.chunk_mb)}")
    del data
    # The released chunks leave the workers (and their files) before the next repetition.
    deadline = time.time() + 30
    while totals(client)["disk"] > 0 and time.time() < deadline:
        time.sleep(0.1)

    def delta(k, frm, to):
        return to.get(k, 0) - frm.get(k, 0)

    io = {
        "write_bytes": delta("disk_write_bytes_total", before, after_read),
        "write_time": delta("disk_write_time_total", before, after_read),
        "read_bytes": delta("disk_read_bytes_total", before, after_read),
        "read_time": delta("disk_read_time_total", before, after_read),
        "pickle_time": delta("pickle_time_total", before, after_read),
        "unpickle_time": delta("unpickle_time_total", before, after_read),
    }
    return made - start, read - read_start, spilled, io


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--worker-mb", type=int, default=512, help="memory_limit per worker, MB (10^6 bytes)")
    p.add_argument("--chunk-mb", type=int, default=32, help="chunk size, MiB")
    p.add_argument("--factor", type=float, default=2.5, help="dataset size / the cluster's memory limit")
    p.add_argument("--local-directory", default=None, help="where workers spill (default: Dask's)")
    p.add_argument("--reps", type=int, default=1)
    a = p.parse_args()
    if a.workers < 1 or a.worker_mb < 1 or a.chunk_mb < 1 or a.factor <= 0 or a.reps < 1:
        sys.exit("need --workers, --worker-mb, --chunk-mb, --reps >= 1 and --factor > 0")
    logging.getLogger("distributed").setLevel(logging.ERROR)
    limit = a.worker_mb * 1_000_000
    chunk_bytes = a.chunk_mb << 20
    chunks = math.ceil(a.factor * a.workers * limit / chunk_bytes)
    if a.local_directory:
        os.makedirs(a.local_directory, exist_ok=True)
    print(f"# dask {dask.__version__}, distributed {distributed.__version__}, numpy {np.__version__}, python "
          f"{sys.version.split()[0]}, {os.cpu_count()} cores; LocalCluster n_workers={a.workers} threads_per_worker=1 "
          f"processes=True memory_limit={a.worker_mb}MB; {chunks} chunks of {a.chunk_mb} MiB = "
          f"{chunks * chunk_bytes / 1e9:.2f} GB ({chunks * chunk_bytes / (a.workers * limit):.2f} x the cluster's "
          f"limit); local directory {a.local_directory or '(Dask default)'}; {a.reps} repetitions", flush=True)
    extra = (f"chunks={chunks} chunk_mb={a.chunk_mb} workers={a.workers} limit={a.worker_mb}MB "
             f"dataset_bytes={chunks * chunk_bytes}")
    with LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True, memory_limit=f"{a.worker_mb}MB",
                      local_directory=a.local_directory, dashboard_address=None) as cluster, Client(cluster) as client:
        reps = []
        for r in range(a.reps):
            workers = sorted(client.scheduler_info()["workers"])
            make, read, spilled, io = once(client, a, chunks)
            reps.append((make, read, spilled, io))
            print(f"# repetition {r + 1}: make {make:.2f} s, spilled {spilled / 1e9:.2f} GB, read {read:.2f} s; "
                  f"spill write {spilled / make / 1e6:.0f} MB/s, read {spilled / read / 1e6:.0f} MB/s (end to end)",
                  flush=True)
            print(f"#   the workers' own spill counters: wrote {io['write_bytes'] / 1e9:.2f} GB in "
                  f"{io['write_time']:.2f} s (+ pickling {io['pickle_time']:.2f} s), read {io['read_bytes'] / 1e9:.2f}"
                  f" GB in {io['read_time']:.2f} s (+ unpickling {io['unpickle_time']:.2f} s)", flush=True)
            if sorted(client.scheduler_info()["workers"]) != workers:
                print(f"# WARNING: the workers changed during repetition {r + 1}: a worker died and was restarted; "
                      "this repetition's times include recomputing its chunks", flush=True)
        print(line("make", "s", [x[0] for x in reps], extra), flush=True)
        print(line("read", "s", [x[1] for x in reps], extra), flush=True)
        print(line("spilled", "B", [x[2] for x in reps], extra), flush=True)
        print(line("write_rate", "MB/s", [x[2] / x[0] / 1e6 for x in reps], extra), flush=True)
        print(line("read_rate", "MB/s", [x[2] / x[1] / 1e6 for x in reps], extra), flush=True)
        w = [x[3]["write_bytes"] / x[3]["write_time"] / 1e6 for x in reps if x[3]["write_time"] > 0]
        rd = [x[3]["read_bytes"] / x[3]["read_time"] / 1e6 for x in reps if x[3]["read_time"] > 0]
        if w:
            print(line("disk_write_rate", "MB/s", w, extra + " method=spillbuffer-counters"), flush=True)
        if rd:
            print(line("disk_read_rate", "MB/s", rd, extra + " method=spillbuffer-counters"), flush=True)


if __name__ == "__main__":
    main()
