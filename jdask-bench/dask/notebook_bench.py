#!/usr/bin/python3
"""Dask's side of the notebook benchmark: the cells of jdask-bench's NotebookBench.java, run in a fresh IPython
kernel per repetition (driven with jupyter_client, as a notebook front end drives it), on
LocalCluster(n_workers=2, threads_per_worker=2, processes=True).

Run with Debian's Python (apt-get install python3-distributed python3-ipykernel python3-jupyter-client):

    /usr/bin/python3 jdask-bench/dask/notebook_bench.py [--reps 3] [--sleep 1.0] [--half 0.5] [--tiny 1000] ...
    /usr/bin/python3 jdask-bench/dask/notebook_bench.py --exec ...   (no kernel: a fresh python3 process per
                                                                       repetition executing the cells with exec)

Every function and class the tasks run is defined in a cell, so it lives in __main__ and cloudpickle ships it by
value to the workers: Dask's real notebook path. The cases and figures are NotebookBench's:

  inc_add      inc and add (each sleeps 1 s) defined in a cell; a cell building add(inc(1), inc(2)) with
               dask.delayed and calling .compute() the first time                                      s
  four_half    4 delayed tasks of 0.5 s, their first dask.compute                                       s
  tiny         1,000 client.submit(square, i, pure=False), then client.gather, from a new cell         us/task
  roundtrip_*  client.submit(plus1, k, pure=False).result() once in a cell, then 100 times in the next
               cell (median of the calls); three times                                                 us
  actor_*      an actor class defined in a cell: its creation, one call, then the median of 100 calls  us

Each case gives the time measured inside the cell (time.perf_counter_ns around the work) under its plain name,
and the cell's whole execution (execute_request sent until the kernel is idle again) as name_cell. Prints one line
per figure over the repetitions:

    RESULT figure=inc_add unit=s median=2.09 min=2.05 max=2.2 reps=3

Every cell's result is checked; a wrong value stops the run.
"""
import argparse
import os
import queue
import statistics
import subprocess
import sys
import time

MARK = "NBV "


def cells(o):
    """The notebook, as (name, code) pairs; timed cells print MARK, their result and the nanoseconds inside."""
    yield "imports", """
import time
import dask
from dask import delayed
from distributed import Client, LocalCluster
"""
    yield "cluster", f"""
cluster = LocalCluster(n_workers={o.workers}, threads_per_worker={o.threads_per_worker}, processes=True)
client = Client(cluster)
"""
    yield "define", f"""
def inc(x):
    time.sleep({o.sleep})
    return x + 1

def add(x, y):
    time.sleep({o.sleep})
    return x + y
"""
    yield "inc_add", f"""
t1 = time.perf_counter_ns()
x = delayed(inc)(1)
y = delayed(inc)(2)
z = delayed(add)(x, y)
zv = z.compute()
print("{MARK}" + str(zv), time.perf_counter_ns() - t1)
"""
    yield "define", f"""
def work(i):
    time.sleep({o.half})
    return i * 10
"""
    yield "four_half", f"""
t2 = time.perf_counter_ns()
parts = [delayed(work)(i) for i in range(4)]
parts_out = list(dask.compute(*parts))
print("{MARK}" + str(parts_out).replace(" ", ""), time.perf_counter_ns() - t2)
"""
    yield "define", """
def square(v):
    return v * v
"""
    yield "tiny", f"""
t3 = time.perf_counter_ns()
tiny = [client.submit(square, i, pure=False) for i in range({o.tiny})]
tiny_out = client.gather(tiny)
print("{MARK}" + str(sum(tiny_out)), time.perf_counter_ns() - t3)
"""
    yield "define", "tiny = None\ntiny_out = None\n"
    yield "define", """
def plus1(v):
    return v + 1
"""
    for k in range(1, o.rounds + 1):
        yield f"roundtrip_single_{k}", f"""
t4 = time.perf_counter_ns()
rt = client.submit(plus1, {k}, pure=False).result()
print("{MARK}" + str(rt), time.perf_counter_ns() - t4)
"""
        yield f"roundtrip_median_{k}", many_calls(o.trips, "client.submit(plus1, i, pure=False).result()", "i + 1")
    yield "define", """
class Counter:
    def __init__(self):
        self.n = 0

    def increment(self):
        self.n += 1
        return self.n
"""
    yield "actor_create", "counter = client.submit(Counter, actor=True).result()\n"
    yield "actor_single", f"""
t5 = time.perf_counter_ns()
c1 = counter.increment().result()
print("{MARK}" + str(c1), time.perf_counter_ns() - t5)
"""
    yield "actor_median", many_calls(o.actor_calls, "counter.increment().result()", "i + 2")
    yield "close", "client.close()\ncluster.close()\n"


def many_calls(n, call, expected):
    return f"""
calls = []
for i in range({n}):
    s = time.perf_counter_ns()
    r = {call}
    calls.append(time.perf_counter_ns() - s)
    if r != {expected}:
        raise RuntimeError(f"call {{i}} returned {{r}}")
calls.sort()
print("{MARK}ok", calls[({n} - 1) // 2])
"""


def expected(o):
    n = o.tiny
    return {
        "inc_add": "5",
        "four_half": "[0,10,20,30]",
        "tiny": str((n - 1) * n * (2 * n - 1) // 6),
        **{f"roundtrip_single_{k}": str(k + 1) for k in range(1, o.rounds + 1)},
        "actor_single": "1",
    }


# ---------------------------------------------------------------- ways to run cells

class KernelRunner:
    """A fresh IPython kernel; a cell's time runs from its execute_request to the kernel's idle status for it."""

    def __init__(self):
        from jupyter_client.manager import KernelManager
        self.km = KernelManager(kernel_name="python3")
        # The kernel must run on this Python, the one with Dask.
        self.km.kernel_spec.argv[0] = sys.executable
        self.km.start_kernel()
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def run(self, code, timeout):
        start = time.perf_counter_ns()
        msg_id = self.kc.execute(code, store_history=True)
        out = []
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=timeout)
            except queue.Empty:
                raise RuntimeError(f"no answer from the kernel in {timeout} s, cell:\n{code}")
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                out.append(content["text"])
            elif kind == "error":
                raise RuntimeError("cell failed: " + content["ename"] + ": " + content["evalue"] + "\n"
                                   + "\n".join(content["traceback"]) + "\ncell:\n" + code)
            elif kind == "status" and content["execution_state"] == "idle":
                return time.perf_counter_ns() - start, "".join(out)

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=False)


class ExecRunner:
    """No kernel: a fresh python3 process (this script with --cell-server) running each cell with exec."""

    def __init__(self):
        self.p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--cell-server"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, code, timeout):
        start = time.perf_counter_ns()
        self.p.stdin.write(f"{len(code)}\n{code}")
        self.p.stdin.flush()
        out = []
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise RuntimeError("the cell process died, cell:\n" + code)
            if line.startswith("CELL-DONE"):
                if line.strip() != "CELL-DONE ok":
                    raise RuntimeError("cell failed: " + line + "".join(out) + "\ncell:\n" + code)
                return time.perf_counter_ns() - start, "".join(out)
            out.append(line)

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=60)


def cell_server():
    """The --exec side: reads cells (length line, then code) and runs them in one __main__-like namespace."""
    import traceback
    namespace = {"__name__": "__main__"}
    while True:
        header = sys.stdin.readline()
        if not header:
            return
        code = sys.stdin.read(int(header))
        try:
            exec(compile(code, "<cell>", "exec"), namespace)
            print("CELL-DONE ok", flush=True)
        except BaseException:
            traceback.print_exc(file=sys.stdout)
            print("CELL-DONE failed", flush=True)


# ---------------------------------------------------------------- the notebook

def notebook(o):
    """One repetition in a fresh kernel (or process): {figure: (unit, value)}."""
    figures = {}
    start = time.perf_counter_ns()
    runner = ExecRunner() if o.exec else KernelRunner()
    checks = expected(o)
    try:
        for name, code in cells(o):
            nanos, out = runner.run(code, o.timeout)
            if name == "imports":
                figures["kernel_start"] = ("s", (time.perf_counter_ns() - start) / 1e9)
                continue
            if name == "cluster":
                figures["cluster_start"] = ("s", nanos / 1e9)
                continue
            if name == "actor_create":
                figures["actor_create_cell"] = ("s", nanos / 1e9)
                continue
            if name in ("define", "close"):
                continue
            marks = [line[len(MARK):] for line in out.splitlines() if line.startswith(MARK)]
            if not marks:
                raise RuntimeError(f"{name}: the cell printed no result: {out}")
            result, inner = marks[-1].rsplit(" ", 1)
            inner = int(inner)
            if name.startswith(("roundtrip_median", "actor_median")):
                if result != "ok":
                    raise RuntimeError(f"{name}: {result}")
                figures[name] = ("us", inner / 1e3)
                continue
            if result != checks[name]:
                raise RuntimeError(f"{name}: the cell returned {result}, expected {checks[name]}")
            unit, scale, per = {
                "inc_add": ("s", 1e9, 1), "four_half": ("s", 1e9, 1), "tiny": ("us/task", 1e3, o.tiny),
            }.get(name, ("us", 1e3, 1))
            figures[name] = (unit, inner / scale / per)
            figures[name + "_cell"] = (unit, nanos / scale / per)
    finally:
        runner.close()
    return figures


def num(v):
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.4g}"


def main():
    if "--cell-server" in sys.argv:
        cell_server()
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads-per-worker", type=int, default=2)
    ap.add_argument("--sleep", type=float, default=1.0, help="seconds inc and add sleep")
    ap.add_argument("--half", type=float, default=0.5, help="seconds each of the four tasks sleeps")
    ap.add_argument("--tiny", type=int, default=1000)
    ap.add_argument("--trips", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--actor-calls", type=int, default=100)
    ap.add_argument("--timeout", type=float, default=300, help="seconds a cell may take")
    ap.add_argument("--exec", action="store_true", help="run cells with exec in a python3 process, no kernel")
    o = ap.parse_args()
    # ipykernel 6 starts its debugger support, which warns about frozen modules on every kernel start.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")

    import distributed
    print(f"# Dask notebook_bench: python {sys.version.split()[0]}, distributed {distributed.__version__}, "
          f"{'exec in a fresh python3 process' if o.exec else 'a fresh IPython kernel (jupyter_client)'} per "
          f"repetition, LocalCluster n_workers={o.workers} threads_per_worker={o.threads_per_worker} "
          f"processes=True, {o.reps} repetitions (median, min, max)", flush=True)
    values, units = {}, {}
    for _ in range(o.reps):
        for name, (unit, v) in notebook(o).items():
            values.setdefault(name, []).append(v)
            units[name] = unit
    for name, vs in values.items():
        print(f"RESULT figure={name} unit={units[name]} median={num(statistics.median(vs))} min={num(min(vs))} "
              f"max={num(max(vs))} reps={len(vs)}", flush=True)


if __name__ == "__main__":
    main()
