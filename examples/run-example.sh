#!/usr/bin/env bash
# Builds and runs examples/hello-jdask the way a user would: jdask installed into a Maven repository, the example
# built against it as a project of its own, then run against `./jdask scheduler` and one `./jdask worker`, which do
# not have the example's jar (its classes, its META-INF/services entry and its properties file come from the program).
# Checks the program's output, that its JVM printed no JDK warning, and that the worker logged no error.
#
# The Maven repository is a private one under target/ (-Dmaven.repo.local), with the user's ~/.m2 as a read-only
# tail for third-party artifacts: nothing is installed into ~/.m2. Everything started is stopped on exit.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXAMPLE="$ROOT/examples/hello-jdask"
WORK="$ROOT/target/example-run"
REPO="$ROOT/target/example-m2"
export JAVA_HOME="$("$ROOT/jdask" java-home)"
export PATH="$JAVA_HOME/bin:$PATH"
# Also for any Maven run the launcher makes: a rebuild of jdask.jar installs into the private repository too.
export MAVEN_ARGS="-Dmaven.repo.local=$REPO -Dmaven.repo.local.tail=$HOME/.m2/repository"
MVN=("$ROOT/mvnw" -B -q --no-transfer-progress)

rm -rf "$WORK" && mkdir -p "$WORK" "$REPO"
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if (( status != 0 )); then
    for f in scheduler.log worker.log example.out example.err; do
      [[ -f "$WORK/$f" ]] && { echo "---- $f" >&2; tail -n 40 "$WORK/$f" >&2; }
    done
  fi
  exit $status
}
trap cleanup EXIT

fail() { echo "run-example: FAILED: $*" >&2; exit 1; }
start=$SECONDS

echo "run-example: installing jdask into $REPO"
# Tests are neither compiled nor run here: .ci/run ran the suite before.
(cd "$ROOT" && "${MVN[@]}" -Dmaven.test.skip=true install -pl jdask-bom,jdask-client,jdask-cli -am)

echo "run-example: building the example against it ($((SECONDS - start)) s)"
(cd "$EXAMPLE" && "${MVN[@]}" -f "$EXAMPLE/pom.xml" package dependency:build-classpath \
  -Dmdep.outputFile="$WORK/classpath.txt")
JAR="$EXAMPLE/target/hello-jdask-1.0.jar"
[[ -f "$JAR" ]] || fail "the example's jar was not built"
# The program's class path: its jar and its dependencies, all from the private repository.
CP="$JAR:$(cat "$WORK/classpath.txt")"
grep -q "$REPO/io/jdask/jdask-client/" "$WORK/classpath.txt" || fail "jdask-client did not come from $REPO"

wait_for() { # file pattern seconds
  local deadline=$((SECONDS + $3))
  until grep -q "$2" "$1" 2>/dev/null; do
    (( SECONDS < deadline )) || fail "no '$2' in $1 after $3 s"
    sleep 0.2
  done
}

echo "run-example: starting ./jdask scheduler and one ./jdask worker ($((SECONDS - start)) s)"
"$ROOT/jdask" scheduler --port 0 --dashboard-port -1 >"$WORK/scheduler.log" 2>&1 &
pids+=($!)
wait_for "$WORK/scheduler.log" "listening at tcp://" 60
ADDRESS=$(sed -n 's/.*listening at \(tcp:\/\/[^ ]*\).*/\1/p' "$WORK/scheduler.log" | head -1)
JDASK_JAVA_OPTS="-Xmx256m" "$ROOT/jdask" worker "$ADDRESS" >"$WORK/worker.log" 2>&1 &
pids+=($!)
wait_for "$WORK/worker.log" "registered with" 60

echo "run-example: running com.example.hello.HelloJdask against $ADDRESS ($((SECONDS - start)) s)"
# A plain `java -cp`: no flags, as a user would start it.
java -cp "$CP" com.example.hello.HelloJdask "$ADDRESS" >"$WORK/example.out" 2>"$WORK/example.err" \
  || fail "the example exited with $?"

for i in 0 1 2; do
  name=$(echo Ada Grace Barbara | cut -d' ' -f$((i + 1)))
  grep -qx "greeting $i: Hello, $name, from a jdask worker!" "$WORK/example.out" \
    || fail "greeting $i for $name is missing from the example's output"
done
grep -qx "hello-jdask: 3 greetings from 1 worker(s)" "$WORK/example.out" || fail "the summary line is missing"
if grep -n "^WARNING" "$WORK/example.err"; then fail "the example's JVM printed JDK warnings"; fi
if grep -nE "Exception|ERROR" "$WORK/worker.log"; then fail "the worker logged an error"; fi
cat "$WORK/example.out"
echo "run-example: OK in $((SECONDS - start)) s"
