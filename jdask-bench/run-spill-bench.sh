#!/usr/bin/env bash
# The spill benchmark of issue 13, jdask and Dask in one run with the disk alone (dd) in the same directory: a dataset of
# 2.5 x the cluster's memory limit (2 workers x 512 MB -> 77 chunks of 32 MiB, 2.6 GB) made by tasks and held as
# futures, then read back whole by one checksum task per chunk; time, spilled bytes, spill write and read throughput.
#
#   jdask-bench/run-spill-bench.sh                       full run: dd, jdask, Dask, then the table (a few minutes)
#   jdask-bench/run-spill-bench.sh --reps 3              extra arguments go to SpillBench and spill_bench.py alike
#                                                        (--workers, --worker-mb, --chunk-mb, --factor, --reps)
#   LOCAL_DIR=/some/disk jdask-bench/run-spill-bench.sh  where workers spill and dd writes (default
#                                                        jdask-bench/target/spill-bench/local, on the worktree's disk)
#   JDASK_SKIP=1 / DASK_SKIP=1 / DD_SKIP=1 ...           skip a part (it keeps its last results);
#   JDASK_SKIP=1 DASK_SKIP=1 DD_SKIP=1 ...               reprints the last table
#
# 1. builds jdask-bench/target/benchmarks.jar with a JDK 21+ (the one `./jdask java-home` prints);
# 2. dd: writes 1 GiB of zeros to LOCAL_DIR/ddtest with O_DIRECT (oflag=direct, bs=1M) and reads it back with
#    O_DIRECT (iflag=direct): the disk without the page cache; then removes it;
# 3. runs io.jdask.bench.SpillBench, its workers spilling under LOCAL_DIR/jdask;
# 4. runs jdask-bench/dask/spill_bench.py on Debian's /usr/bin/python3 (Dask 2022.12, numpy), spilling under
#    LOCAL_DIR/dask;
# 5. prints one table: figure, unit, jdask, Dask, dd, jdask / Dask, jdask / dd, the target of the issue (>= 1 GB/s
#    spill write and read) and whether jdask meets it.
# Raw results stay in jdask-bench/target/spill-bench/ (dd.txt, jdask.txt, dask.txt, table.txt).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
OUT="$HERE/target/spill-bench"
LOCAL_DIR="${LOCAL_DIR:-$OUT/local}"
DASK_PY="${DASK_PYTHON:-/usr/bin/python3}"

JAVA_FLAGS=("-Xmx${CLIENT_HEAP:-1g}")
# shellcheck source=bench-env.sh
source "$HERE/bench-env.sh"

build_jar
mkdir -p "$OUT" "$LOCAL_DIR"
[[ -z "${DD_SKIP:-}" ]] && rm -f "$OUT/dd.txt"
[[ -z "${JDASK_SKIP:-}" ]] && rm -f "$OUT/jdask.txt"
[[ -z "${DASK_SKIP:-}" ]] && rm -f "$OUT/dask.txt"
echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run;" \
  "$LOCAL_DIR is on $(df -h --output=source,fstype "$LOCAL_DIR" | tail -1)" | tee "$OUT/machine.txt"

# dd prints e.g. "1073741824 bytes (1.1 GB, 1.0 GiB) copied, 0.52 s, 2.1 GB/s" on stderr: bytes and seconds give MB/s.
dd_rate() {
  awk '/copied/ { for (i = 1; i <= NF; i++) if ($i == "s,") s = $(i - 1); printf "%.0f", $1 / s / 1e6 }'
}
if [[ -z "${DD_SKIP:-}" ]]; then
  echo "== dd on $LOCAL_DIR (1 GiB, O_DIRECT)"
  f="$LOCAL_DIR/ddtest"
  w=$(dd if=/dev/zero of="$f" bs=1M count=1024 oflag=direct 2>&1 | tee /dev/stderr | dd_rate)
  r=$(dd if="$f" of=/dev/null bs=1M iflag=direct 2>&1 | tee /dev/stderr | dd_rate)
  rm -f "$f"
  {
    echo "RESULT figure=write_rate unit=MB/s median=$w min=$w max=$w reps=1 method=dd-oflag-direct bytes=1073741824"
    echo "RESULT figure=read_rate unit=MB/s median=$r min=$r max=$r reps=1 method=dd-iflag-direct bytes=1073741824"
  } | tee "$OUT/dd.txt"
fi

if [[ -z "${JDASK_SKIP:-}" ]]; then
  echo "== jdask (SpillBench)"
  rm -rf "$LOCAL_DIR/jdask"
  "$JAVA" "${JAVA_FLAGS[@]}" -cp "$JAR" io.jdask.bench.SpillBench --local-directory "$LOCAL_DIR/jdask" "$@" \
    | tee "$OUT/jdask.txt"
fi

if [[ -z "${DASK_SKIP:-}" ]]; then
  if [[ -x "$DASK_PY" ]] && "$DASK_PY" -c 'import distributed, numpy' 2>/dev/null; then
    echo "== Dask ($DASK_PY)"
    rm -rf "$LOCAL_DIR/dask"
    "$DASK_PY" "$HERE/dask/spill_bench.py" --local-directory "$LOCAL_DIR/dask" "$@" | tee "$OUT/dask.txt"
  else
    echo "== Dask's distributed or numpy is not installed for $DASK_PY: only jdask's figures follow. To compare:"
    echo "     sudo apt-get update && sudo apt-get install -y python3-distributed python3-numpy"
  fi
fi
echo "== load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"

touch "$OUT/dd.txt" "$OUT/jdask.txt" "$OUT/dask.txt"
awk '
  function cell(x) { return x == "" ? "-" : (x + 0 >= 100 ? sprintf("%.0f", x) : sprintf("%.3g", x)) }
  function ratio(a, b) { return (a == "" || b == "" || a + 0 == 0 || b + 0 == 0) ? "-" : sprintf("%.2f", a / b) }
  $1 == "RESULT" {
    delete f
    for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    who = FILENAME ~ /jdask\.txt$/ ? "j" : (FILENAME ~ /dask\.txt$/ ? "d" : "dd")
    v[who, f["figure"]] = f["median"]; unit[f["figure"]] = f["unit"]
    if ("chunks" in f) { chunks[who] = f["chunks"]; mb[who] = f["chunk_mb"]; lim[who] = f["workers"] " x " f["limit"] }
  }
  END {
    printf "\njdask: %s chunks of %s MiB on %s.   Dask: %s chunks of %s MiB on %s.\n", \
      chunks["j"], mb["j"], lim["j"], chunks["d"], mb["d"], lim["d"]
    k = split("make read spilled write_rate read_rate disk_write_rate disk_read_rate", figs, " ")
    target["write_rate"] = ">= 1000"; target["read_rate"] = ">= 1000"
    fmt = "%-16s %-5s %12s %12s %8s %9s %9s   %-8s %-5s\n"
    printf "\n" fmt, "figure", "unit", "jdask", "Dask", "dd", "jdask is", "jdask/dd", "target", "met?"
    for (i = 1; i <= k; i++) {
      s = figs[i]
      if (!(("j", s) in v) && !(("d", s) in v)) continue
      j = v["j", s]; d = v["d", s]; dd = ((s == "write_rate" || s == "read_rate") ? v["dd", s] : "")
      met = "-"
      if (s in target && j != "") met = (j + 0 >= 1000) ? "yes" : "NO"
      # A time is better when smaller: "jdask is" is Dask / jdask for times, jdask / Dask for rates and bytes.
      better = unit[s] == "s" ? ratio(d, j) : ratio(j, d)
      printf fmt, s, unit[s], cell(j), cell(d), cell(dd), better, ratio(j, dd), (s in target ? target[s] : ""), met
    }
    printf "\nwrite_rate = spilled / make, read_rate = spilled / read: end to end (making the arrays, running the\n"
    printf "tasks and the spill I/O together), so lower bounds of the spill I/O. disk_*_rate: the counters that\n"
    printf "Dask workers keep of their spill I/O (SpillBuffer.get_metrics); jdask reports no I/O times. dd: 1 GiB with\n"
    printf "O_DIRECT in the same directory, in the same run. \"jdask is\": how many times faster jdask is than Dask\n"
    printf "(Dask / jdask for times, jdask / Dask for rates; for spilled bytes, jdask / Dask). MB = 10^6 bytes.\n"
  }
' "$OUT/dd.txt" "$OUT/jdask.txt" "$OUT/dask.txt" | tee "$OUT/table.txt"
