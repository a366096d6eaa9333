# Sourced by the scripts: sets JAVA_HOME to a JDK >= 21 (the platform needs it; the system default may be 17).
# A JDK's version is read from its release file (starting a JVM for `java -version` cost ~0.1 s of every command).
jdk_major() { # JDK dir -> its major version, or nothing
  local v=""
  [ -f "$1/release" ] && v=$(sed -nE 's/^JAVA_VERSION="([0-9]+).*/\1/p' "$1/release")
  [ -n "$v" ] || v=$("$1/bin/java" -version 2>&1 | sed -nE '1s/.*version "([0-9]+).*/\1/p')
  echo "$v"
}
if [ -z "${JAVA_HOME:-}" ] || [ "$(jdk_major "$JAVA_HOME")" -lt 21 ] 2>/dev/null || [ -z "$(jdk_major "$JAVA_HOME")" ]; then
  JAVA_HOME=""
  for d in /usr/lib/jvm/*; do
    [ -x "$d/bin/javac" ] || continue
    v=$(jdk_major "$d")
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then JAVA_HOME="$d"; fi
  done
  [ -n "$JAVA_HOME" ] || { echo "cacheshadow: no JDK >= 21 found under /usr/lib/jvm (install e.g. openjdk-21-jdk)" >&2; exit 2; }
fi
export JAVA_HOME
