#!/usr/bin/env bash
# A real HDFS for the WebHDFS tests (issue 16): Hadoop's in-process mini cluster (one name node, one data node,
# WebHDFS on the name node's HTTP port), resolved by releng/hdfs/pom.xml through the system Maven and run on the
# system's default java (JDK 17 here; test-only, never in the product). About 20-40 s to start.
#   releng/hdfs.sh start [DIR]   # starts it in the background; DIR/address gets "webhdfs://127.0.0.1:PORT" and the
#                                # control port (see releng/hdfs/MiniHdfs.java); prints the URL. DIR.rc on failure.
#   releng/hdfs.sh stop [DIR]    # shuts it down (and removes its data)
# Default DIR: build/hdfs.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cmd="${1:-}"; DIR="$(mkdir -p "${2:-$ROOT/build/hdfs}" && cd "${2:-$ROOT/build/hdfs}" && pwd)"
case "$cmd" in
start)
  rm -f "$DIR.rc"
  if [ -f "$DIR/pid" ] && kill -0 "$(cat "$DIR/pid")" 2>/dev/null && [ -f "$DIR/address" ]; then head -1 "$DIR/address"; exit 0; fi
  rm -rf "$DIR/data" "$DIR/address" "$DIR/pid"
  fail() { echo "hdfs.sh: $*" >&2; echo 1 > "$DIR.rc"; exit 1; }
  # the class path, resolved once per version of the pom
  key="$(sha256sum "$ROOT/releng/hdfs/pom.xml" | cut -c1-16)"
  if [ ! -s "$DIR/classpath.$key" ]; then
    (cd "$ROOT/releng/hdfs" && mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
      -Dmdep.outputFile="$DIR/classpath.$key") > "$DIR/mvn.log" 2>&1 || fail "resolving the mini cluster failed (see $DIR/mvn.log)"
  fi
  nohup java -Xmx768m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$(cat "$DIR/classpath.$key")" \
    "$ROOT/releng/hdfs/MiniHdfs.java" "$DIR/data" "$DIR/address" > "$DIR/log" 2>&1 < /dev/null &
  echo $! > "$DIR/pid"
  for _ in $(seq 180); do
    [ -f "$DIR/address" ] && { head -1 "$DIR/address"; exit 0; }
    kill -0 "$(cat "$DIR/pid")" 2>/dev/null || fail "the mini cluster ended before serving (see $DIR/log)"
    sleep 1
  done
  kill "$(cat "$DIR/pid")" 2>/dev/null || true
  fail "the mini cluster did not serve within 180 s (see $DIR/log)";;
stop)
  [ -f "$DIR/pid" ] || exit 0
  pid="$(cat "$DIR/pid")"
  if [ -f "$DIR/address" ] && kill -0 "$pid" 2>/dev/null; then
    port="$(sed -n 2p "$DIR/address")"
    { exec 3<>"/dev/tcp/127.0.0.1/$port" && echo stop >&3 && read -r -t 30 _ <&3; } 2>/dev/null || true
  fi
  for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  kill "$pid" 2>/dev/null || true
  rm -rf "$DIR/data" "$DIR/pid" "$DIR/address";;
*) echo "usage: releng/hdfs.sh start|stop [DIR]" >&2; exit 2;;
esac
