#!/usr/bin/env bash
# The cluster benchmark, jdask and Dask in one run: futures on a LocalCluster of 2 worker processes, 1 thread each.
#
#   jdask-bench/run-cluster-bench.sh                    full run: jdask, then Dask, then the table (about 6 minutes)
#   jdask-bench/run-cluster-bench.sh --reps 3           extra arguments go to ClusterBench (see --help there)
#   JDASK_SKIP=1 jdask-bench/run-cluster-bench.sh       Dask only        DASK_SKIP=1 ...   jdask only
#   JDASK_SKIP=1 DASK_SKIP=1 jdask-bench/run-cluster-bench.sh            reprints the last table
#   DASK_ARGS="--reps 5 --tasks 5000" jdask-bench/run-cluster-bench.sh
#   jdask-bench/run-cluster-bench.sh profile [--only submit --profile-seconds 30]
#       JFR recordings of the client JVM (which also runs the scheduler) and of both worker JVMs while ClusterBench
#       repeats the chosen figures; prints CPU us per task per thread group (from /proc), then the JFR samples of
#       the measured window by category (jfr_breakdown.py): where the time per task goes.
#
# 1. builds jdask-bench/target/benchmarks.jar with a JDK 21+ (the one `./jdask java-home` prints);
# 2. runs io.jdask.bench.ClusterBench from it (its worker processes run from the same jar);
# 3. runs jdask-bench/dask/cluster_bench.py on Debian's /usr/bin/python3 (Dask 2022.12, python3-distributed);
# 4. prints one table: figure, unit, jdask, Dask, how many times better jdask is, and the jdask target.
# Raw results stay in jdask-bench/target/cluster-bench/ (jdask.txt, dask.txt, table.txt; profile/ for profiles).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
OUT="$HERE/target/cluster-bench"
DASK_PY="${DASK_PYTHON:-/usr/bin/python3}"

# shellcheck source=bench-env.sh
source "$HERE/bench-env.sh"


if [[ "${1:-}" == "profile" ]]; then
  shift
  build_jar
  P="$OUT/profile"
  rm -rf "$P" && mkdir -p "$P"
  args=("$@")
  (( ${#args[@]} )) || args=(--only submit --profile-seconds 30)
  echo "== profiling ClusterBench ${args[*]} (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  # JAVA_TOOL_OPTIONS reaches the worker JVMs too (LocalCluster starts them with the same java); %p is the pid.
  # jdk.CPUTimeSample (JDK 25, Linux) samples by CPU time, native frames and system calls included; the usual
  # jdk.ExecutionSample only sees threads running Java code.
  jfr_opts="settings=profile,filename=$P/jvm-%p.jfr,dumponexit=true"
  if "$JAVA" -XX:StartFlightRecording=jdk.CPUTimeSample#enabled=true,filename=/dev/null -version >/dev/null 2>&1; then
    jfr_opts="$jfr_opts,jdk.CPUTimeSample#enabled=true,jdk.CPUTimeSample#throttle=2ms"
  fi
  # No CDS archive for the workers here: a JVM that writes one disables JFR (and says so).
  JAVA_TOOL_OPTIONS="-XX:StartFlightRecording=$jfr_opts" \
    "$JAVA" "${JAVA_FLAGS[@]}" -Djdask.worker.cds=false -cp "$JAR" io.jdask.bench.ClusterBench "${args[@]}" 2>&1 \
    | grep -v '^Picked up JAVA_TOOL_OPTIONS\|jfr,startup\|^$' | tee "$P/run.txt"
  for f in "$P"/jvm-*.jfr; do
    # The client JVM also runs the scheduler; the others are workers.
    if "$JAVA_HOME/bin/jfr" view thread-cpu-load "$f" | grep -qE 'jdask-scheduler-loop|jdask-io-scheduler'; then
      role=client+scheduler
    else
      role=worker
    fi
    echo "== $role: $(basename "$f")"
    if "$JAVA_HOME/bin/jfr" summary "$f" | grep -q 'jdk.CPUTimeSample '; then
      "$JAVA_HOME/bin/jfr" view --width 200 cpu-time-hot-methods "$f" | head -30
    else
      "$JAVA_HOME/bin/jfr" view --width 200 hot-methods "$f" | head -30
    fi
  done > "$P/hot-methods.txt"
  echo "== hottest methods of each JVM: $P/hot-methods.txt"
  if [[ -x /usr/bin/python3 ]]; then
    /usr/bin/python3 "$HERE/jfr_breakdown.py" "$JAVA_HOME/bin/jfr" "$P/run.txt" "$P"/jvm-*.jfr | tee "$P/breakdown.txt"
  fi
  echo "== recordings in $P (open with 'jfr view ...' or JDK Mission Control)"
  exit 0
fi

build_jar
mkdir -p "$OUT"
# A part that is skipped keeps its last results, so JDASK_SKIP=1 DASK_SKIP=1 reprints the last table.
[[ -z "${JDASK_SKIP:-}" ]] && rm -f "$OUT/jdask.txt"
[[ -z "${DASK_SKIP:-}" ]] && rm -f "$OUT/dask.txt"
echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run" | tee "$OUT/machine.txt"

if [[ -z "${JDASK_SKIP:-}" ]]; then
  echo "== jdask (ClusterBench)"
  "$JAVA" "${JAVA_FLAGS[@]}" -cp "$JAR" io.jdask.bench.ClusterBench "$@" | tee "$OUT/jdask.txt"
fi

if [[ -z "${DASK_SKIP:-}" ]]; then
  if [[ -x "$DASK_PY" ]] && "$DASK_PY" -c 'import distributed, numpy' 2>/dev/null; then
    echo "== Dask ($DASK_PY)"
    # shellcheck disable=SC2086  # DASK_ARGS is a list of words on purpose
    "$DASK_PY" "$HERE/dask/cluster_bench.py" ${DASK_ARGS:-} | tee "$OUT/dask.txt"
  else
    echo "== Dask's distributed is not installed for $DASK_PY: only jdask's figures follow. To compare, install it:"
    echo "     sudo apt-get update && sudo apt-get install -y python3-distributed python3-numpy"
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
  }
  END {
    n = split("submit_gather map_gather roundtrip_median roundtrip_p99 chain scatter gather startup", figs, " ")
    # Targets from the brief: rates at least, times at most.
    target["submit_gather"] = ">= 100,000"; target["map_gather"] = ">= 100,000"
    target["roundtrip_median"] = "<= 100"; target["chain"] = "<= 100"
    target["scatter"] = ">= 2"; target["gather"] = ">= 2"; target["startup"] = "<= 1"
    fmt = "%-17s %-8s %12s %12s %9s   %-11s %-5s %12s\n"
    printf "\n" fmt, "figure", "unit", "jdask", "Dask", "jdask is", "target", "met?", "jdask cold"
    for (k = 1; k <= n; k++) {
      s = figs[k]; j = v["j", s]; d = v["d", s]
      higher = unit[s] ~ /\/s$/   # a rate: higher is better; else a time: lower is better
      better = "-"
      if (j > 0 && d > 0) better = sprintf("%.1fx", higher ? j / d : d / j)
      met = "-"
      if (s in target && j != "") {
        t = target[s]; tv = t; gsub(/[^0-9.]/, "", tv)
        met = (t ~ /^>=/ ? j + 0 >= tv + 0 : j + 0 <= tv + 0) ? "yes" : "NO"
      }
      printf fmt, s, unit[s], cell(j), cell(d), better, (s in target ? target[s] : ""), met, cell(cold["j", s])
    }
    printf "\nMedians over the timed repetitions (ranges, min-max: jdask"
    for (k = 1; k <= n; k++) if (("j", figs[k]) in range) printf " %s %s", figs[k], range["j", figs[k]]
    printf "; Dask"
    for (k = 1; k <= n; k++) if (("d", figs[k]) in range) printf " %s %s", figs[k], range["d", figs[k]]
    printf ").\n\"jdask is\" says how many times faster jdask is (above 1) or slower (below 1) than Dask.\n"
    printf "\"jdask cold\" is the first warm-up repetition of each figure, before the JIT compilers have settled.\n"
  }
' "$OUT/jdask.txt" "$OUT/dask.txt" | tee "$OUT/table.txt"
