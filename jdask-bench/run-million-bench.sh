#!/usr/bin/env bash
# The million-task graph, jdask and Dask in one run (issue 17, row "any"): a delayed graph of 1,000,000 leaves, 1,000
# partial sums and a total on a LocalCluster of 2 worker processes, 1 thread each; times, tasks/s and memory per task.
#
#   jdask-bench/run-million-bench.sh                    full run: jdask at 1M, then Dask at 10k, then the table
#                                                       (about 4 minutes today, at 48 s per jdask compute, + 1 for Dask)
#   jdask-bench/run-million-bench.sh --reps 1           extra arguments go to MillionBench (--n, --partials, --reps,
#                                                       --worker-memory, --no-memory; see --help there)
#   DASK_SKIP=1 jdask-bench/run-million-bench.sh --reps 1 --histogram
#                                                       also prints what the scheduler's bytes per task are made of
#                                                       (the classes whose live heap grew most on submitting)
#   JDASK_SKIP=1 jdask-bench/run-million-bench.sh       Dask only        DASK_SKIP=1 ...   jdask only
#   JDASK_SKIP=1 DASK_SKIP=1 jdask-bench/run-million-bench.sh            reprints the last table
#   DASK_ARGS="--n 20000 --partials 20" jdask-bench/run-million-bench.sh
#   CLIENT_HEAP=8g jdask-bench/run-million-bench.sh     the client JVM's -Xmx (default 6g): it holds the Delayeds, the
#                                                       run specs being sent and the scheduler's state at once
#
# 1. builds jdask-bench/target/benchmarks.jar with a JDK 21+ (the one `./jdask java-home` prints);
# 2. runs io.jdask.bench.MillionBench from it (its worker processes run from the same jar);
# 3. runs jdask-bench/dask/million_bench.py on Debian's /usr/bin/python3 (Dask 2022.12, python3-distributed) at a
#    smaller N: Dask needs about 40 minutes for 1M, so it runs 10,000 leaves in 10 partial sums of 1,000;
# 4. prints one table: figure, unit, jdask, Dask, how many times better jdask is (for the per-task figures only: the
#    times are for different N), the target of the issue and whether jdask meets it.
# Raw results stay in jdask-bench/target/million-bench/ (jdask.txt, dask.txt, table.txt).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
OUT="$HERE/target/million-bench"
DASK_PY="${DASK_PYTHON:-/usr/bin/python3}"

JAVA_FLAGS=("-Xmx${CLIENT_HEAP:-6g}")
# shellcheck source=bench-env.sh
source "$HERE/bench-env.sh"

build_jar
mkdir -p "$OUT"
# A part that is skipped keeps its last results, so JDASK_SKIP=1 DASK_SKIP=1 reprints the last table.
[[ -z "${JDASK_SKIP:-}" ]] && rm -f "$OUT/jdask.txt"
[[ -z "${DASK_SKIP:-}" ]] && rm -f "$OUT/dask.txt"
echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run" | tee "$OUT/machine.txt"

if [[ -z "${JDASK_SKIP:-}" ]]; then
  echo "== jdask (MillionBench)"
  "$JAVA" "${JAVA_FLAGS[@]}" -cp "$JAR" io.jdask.bench.MillionBench "$@" | tee "$OUT/jdask.txt"
fi

if [[ -z "${DASK_SKIP:-}" ]]; then
  if [[ -x "$DASK_PY" ]] && "$DASK_PY" -c 'import distributed' 2>/dev/null; then
    echo "== Dask ($DASK_PY)"
    # shellcheck disable=SC2086  # DASK_ARGS is a list of words on purpose
    "$DASK_PY" "$HERE/dask/million_bench.py" ${DASK_ARGS:-} | tee "$OUT/dask.txt"
  else
    echo "== Dask's distributed is not installed for $DASK_PY: only jdask's figures follow. To compare, install it:"
    echo "     sudo apt-get update && sudo apt-get install -y python3-distributed"
  fi
fi
echo "== load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"

touch "$OUT/jdask.txt" "$OUT/dask.txt"
awk '
  function commas(x,   s, r, neg) {
    neg = x < 0; if (neg) x = -x
    s = sprintf("%.0f", x); r = ""
    while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
    return (neg ? "-" : "") s r
  }
  function cell(x) { return x == "" ? "-" : (x + 0 >= 100 ? commas(x) : sprintf("%.3g", x)) }
  $1 == "RESULT" {
    delete f
    for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    who = FILENAME ~ /jdask\.txt$/ ? "j" : "d"
    v[who, f["figure"]] = f["median"]; range[who, f["figure"]] = f["min"] "-" f["max"]
    if ("first" in f) cold[who, f["figure"]] = f["first"]
    unit[f["figure"]] = f["unit"]
    n[who] = f["n"]; tasks[who] = f["tasks"]; partials[who] = f["partials"]
  }
  END {
    k = split("build send submit wall rate client_bytes scheduler_bytes", figs, " ")
    # The targets of issue 17 (for the 1,000,000-leaf graph): 15 s at most, 1 KB of scheduler memory per task.
    target["wall"] = "<= 15"; target["scheduler_bytes"] = "<= 1024"
    # Only figures per task compare across the two sizes.
    compare["rate"] = 1; compare["client_bytes"] = 1; compare["scheduler_bytes"] = 1
    printf "\njdask: n=%s leaves, %s partial sums, %s tasks.   Dask: n=%s leaves, %s partial sums, %s tasks.\n", \
      commas(n["j"]), commas(partials["j"]), commas(tasks["j"]), commas(n["d"]), commas(partials["d"]), commas(tasks["d"])
    fmt = "%-16s %-8s %12s %12s %9s   %-9s %-5s %12s\n"
    printf "\n" fmt, "figure", "unit", "jdask", "Dask", "jdask is", "target", "met?", "jdask cold"
    for (i = 1; i <= k; i++) {
      s = figs[i]; j = v["j", s]; d = v["d", s]
      better = "-"
      if (s in compare && j > 0 && d > 0) better = sprintf("%.1fx", unit[s] ~ /\/s$/ ? j / d : d / j)
      met = "-"
      if (s in target && j != "" && (s != "wall" || n["j"] == 1000000)) {
        t = target[s]; tv = t; gsub(/[^0-9.]/, "", tv)
        met = (t ~ /^>=/ ? j + 0 >= tv + 0 : j + 0 <= tv + 0) ? "yes" : "NO"
      }
      printf fmt, s, unit[s], cell(j), cell(d), better, (s in target ? target[s] : ""), met, cell(cold["j", s])
    }
    printf "\nMedians over the timed repetitions (ranges, min-max: jdask"
    for (i = 1; i <= k; i++) if (("j", figs[i]) in range) printf " %s %s", figs[i], range["j", figs[i]]
    printf "; Dask"
    for (i = 1; i <= k; i++) if (("d", figs[i]) in range) printf " %s %s", figs[i], range["d", figs[i]]
    printf ").\n\"jdask is\" says how many times better jdask is (above 1) or worse (below 1) than Dask, per task:\n"
    printf "the times are for graphs of different sizes and are not compared.\n"
    printf "Memory per task: jdask, heap after full GC (live objects); Dask, RSS growth of its process (an upper bound).\n"
    printf "\"jdask cold\" is the first repetition (fresh JIT in the client, scheduler and workers).\n"
  }
' "$OUT/jdask.txt" "$OUT/dask.txt" | tee "$OUT/table.txt"
