# Sourced by the scripts: sets JAVA_HOME to a JDK >= 21 (the platform needs it; the system default may be 17).
if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])'; then
  JAVA_HOME=""
  for d in /usr/lib/jvm/*; do
    [ -x "$d/bin/javac" ] || continue
    v=$("$d/bin/java" -version 2>&1 | sed -nE '1s/.*version "([0-9]+).*/\1/p')
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then JAVA_HOME="$d"; fi
  done
  [ -n "$JAVA_HOME" ] || { echo "cacheshadow: no JDK >= 21 found under /usr/lib/jvm (install e.g. openjdk-21-jdk)" >&2; exit 2; }
fi
export JAVA_HOME
