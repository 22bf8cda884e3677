#!/usr/bin/env bash
# The notebook benchmark (issue 17, rows "notebook"), jdask and Dask in one run: the same cells in a fresh kernel per
# repetition, on a fresh LocalCluster of 2 worker processes with 2 threads each.
#
#   jdask-bench/run-notebook-bench.sh                   full run: jdask, then Dask, then the table (a few minutes)
#   jdask-bench/run-notebook-bench.sh --reps 1          extra arguments go to NotebookBench (see --help there)
#   JDASK_SKIP=1 jdask-bench/run-notebook-bench.sh      Dask only        DASK_SKIP=1 ...   jdask only
#   JDASK_SKIP=1 DASK_SKIP=1 jdask-bench/run-notebook-bench.sh           reprints the last table
#   DASK_ARGS="--reps 1 --exec" jdask-bench/run-notebook-bench.sh        Dask's cells by exec in python3, no kernel
#
# 1. builds jdask-bench/target/benchmarks.jar with a JDK 21+ (the one `./jdask java-home` prints);
# 2. runs io.jdask.bench.NotebookBench from it: each repetition a fresh JVM running JShell (local execution engine,
#    as the rapaio kernel) with the jar on its class path; the worker processes run from the same jar;
# 3. runs jdask-bench/dask/notebook_bench.py on Debian's /usr/bin/python3 (Dask 2022.12 and an IPython kernel:
#    apt-get install python3-distributed python3-ipykernel python3-jupyter-client), a fresh kernel per repetition;
# 4. prints one table: figure, unit, jdask, Dask, how many times faster jdask is, and issue 17's target.
# Raw results stay in jdask-bench/target/notebook-bench/ (jdask.txt, dask.txt, table.txt).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
OUT="$HERE/target/notebook-bench"
DASK_PY="${DASK_PYTHON:-/usr/bin/python3}"

# shellcheck source=bench-env.sh
source "$HERE/bench-env.sh"

build_jar
mkdir -p "$OUT"
# A part that is skipped keeps its last results, so JDASK_SKIP=1 DASK_SKIP=1 reprints the last table.
[[ -z "${JDASK_SKIP:-}" ]] && rm -f "$OUT/jdask.txt"
[[ -z "${DASK_SKIP:-}" ]] && rm -f "$OUT/dask.txt"
echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run" | tee "$OUT/machine.txt"

if [[ -z "${JDASK_SKIP:-}" ]]; then
  echo "== jdask (NotebookBench)"
  # The flags reach each repetition's JVM too: NotebookBench starts it with its own JVM's flags.
  "$JAVA" "${JAVA_FLAGS[@]}" -cp "$JAR" io.jdask.bench.NotebookBench "$@" | tee "$OUT/jdask.txt"
fi

if [[ -z "${DASK_SKIP:-}" ]]; then
  if [[ -x "$DASK_PY" ]] && "$DASK_PY" -c 'import distributed' 2>/dev/null; then
    if [[ "${DASK_ARGS:-}" != *--exec* ]] && ! "$DASK_PY" -c 'import ipykernel, jupyter_client' 2>/dev/null; then
      echo "== no IPython kernel for $DASK_PY (apt-get install python3-ipykernel python3-jupyter-client):" \
        "Dask's cells run by exec in a python3 process instead"
      DASK_ARGS="${DASK_ARGS:-} --exec"
    fi
    echo "== Dask ($DASK_PY)"
    # shellcheck disable=SC2086  # DASK_ARGS is a list of words on purpose
    "$DASK_PY" "$HERE/dask/notebook_bench.py" ${DASK_ARGS:-} | tee "$OUT/dask.txt"
  else
    echo "== Dask's distributed is not installed for $DASK_PY: only jdask's figures follow. To compare, install it:"
    echo "     sudo apt-get update && sudo apt-get install -y python3-distributed python3-ipykernel python3-jupyter-client"
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
    unit[f["figure"]] = f["unit"]
    if (!(f["figure"] in seen)) { seen[f["figure"]] = 1; order[++n] = f["figure"] }
  }
  END {
    # Targets of issue 17 (every figure here is a time: lower is better).
    target["inc_add"] = "<= 2.3"; target["four_half"] = "<= 0.8"; target["tiny"] = "<= 100"
    target["roundtrip_single_1"] = "<= 200"; target["roundtrip_median_1"] = "<= 200"
    target["roundtrip_single_3"] = "<= 200"; target["roundtrip_median_3"] = "<= 200"
    target["actor_single"] = "<= 150"; target["actor_median"] = "<= 150"
    fmt = "%-25s %-8s %12s %12s %9s   %-9s %-5s %15s\n"
    printf "\n" fmt, "figure", "unit", "jdask", "Dask", "jdask is", "target", "met?", "jdask min-max"
    for (k = 1; k <= n; k++) {
      s = order[k]; j = v["j", s]; d = v["d", s]
      better = "-"
      if (j > 0 && d > 0) better = sprintf("%.2fx", d / j)
      met = "-"
      if (s in target && j != "") {
        tv = target[s]; gsub(/[^0-9.]/, "", tv)
        met = (j + 0 <= tv + 0) ? "yes" : "NO"
      }
      printf fmt, s, unit[s], cell(j), cell(d), better, (s in target ? target[s] : ""), met, range["j", s]
    }
    printf "\nMedians over the repetitions (each a fresh kernel and cluster). A plain name is the time inside the\n"
    printf "cell (jdask: with JShell compiling the snippets after the first); _cell is the whole cell as the user waits.\n"
    printf "\"jdask is\" says how many times faster jdask is (above 1) or slower (below 1) than Dask.\n"
  }
' "$OUT/jdask.txt" "$OUT/dask.txt" | tee "$OUT/table.txt"
