# Sourced by the run-*-bench.sh scripts (after they set HERE and ROOT): the JDK, the JVM flags every benchmark JVM
# gets, the benchmark jar, and how to build it. A script may put flags of its own in JAVA_FLAGS before sourcing this.
JAVA_HOME="$("$ROOT/jdask" java-home)"
export JAVA_HOME
JAVA="$JAVA_HOME/bin/java"
JAVA_FLAGS=(${JAVA_FLAGS[@]+"${JAVA_FLAGS[@]}"})
# Fory reads fields through sun.misc.Unsafe; JDK 23+ warns about it unless told it is allowed.
"$JAVA" --sun-misc-unsafe-memory-access=allow -version >/dev/null 2>&1 && JAVA_FLAGS+=(--sun-misc-unsafe-memory-access=allow)
# Netty's native epoll transport loads a library; JDK 24+ warns (and jdask then takes NIO) unless this is allowed.
"$JAVA" --enable-native-access=ALL-UNNAMED -version >/dev/null 2>&1 && JAVA_FLAGS+=(--enable-native-access=ALL-UNNAMED)
# shellcheck disable=SC2206  # JAVA_OPTS is a list of words on purpose
JAVA_FLAGS+=(${JAVA_OPTS:-})
JAR="$HERE/target/benchmarks.jar"

# Builds jdask-bench/target/benchmarks.jar (shaded: the benchmarks, jdask and its dependencies; worker processes
# run from it too).
build_jar() {
  echo "== building jdask-bench/target/benchmarks.jar (JDK: $JAVA_HOME)" >&2
  (cd "$ROOT" && ./mvnw -B -q --no-transfer-progress -pl jdask-bench -am package -DskipTests) >&2
}
