#!/usr/bin/env bash
# The fleet's sector-hash search on Spark (issue 16; module bundles/cacheshadow.fleet.spark, a plain Maven jar outside
# the Tycho reactor). Spark 3.5 runs on the JDK 17 (the system default here), launched as spark-submit launches
# an application: org.apache.spark.deploy.SparkSubmit from the module's class path (no Spark distribution needed).
#   releng/spark-search.sh build              # the module's jar and its class path (Maven; skipped when up to date)
#   releng/spark-search.sh submit ARGS...     # spark-submit --master ${SPARK_MASTER:-local[*]} FleetSearch ARGS
#   releng/spark-search.sh test [DIR]         # the job's hits == ./cacheshadow search's (see test() below)
#   releng/spark-search.sh bench [--writes N] [DIR]   # niced: the local search vs the job on local[2], partitions
# CACHESHADOW_CMD: the ./cacheshadow to compare with (default this checkout's). Exit 0 when every check passes.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MOD="$ROOT/bundles/cacheshadow.fleet.spark"
JAR="$MOD/target/cacheshadow.fleet.spark.jar"
CS=${CACHESHADOW_CMD:-$ROOT/cacheshadow}
say() { echo "spark-search: $*" >&2; }

# a JDK 17: Spark 3.5's Hadoop client needs the Subject API that JDK 23+ took away
java17() {
  local d
  for d in "${SPARK_JAVA_HOME:-}" /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/*17*; do
    [ -n "$d" ] && [ -x "$d/bin/java" ] && { echo "$d"; return; }
  done
  say "no JDK 17 under /usr/lib/jvm (apt-get install openjdk-17-jdk-headless)"; exit 2
}
JDK=$(java17)

build() {
  # up to date: the jar newer than every source it is built from (the module's and the bundles' it compiles) and its tests
  # (the unit tests in test/ run in the package phase)
  if [ -f "$JAR" ] && [ -f "$MOD/target/classpath.txt" ] && [ -z "$(find "$MOD/pom.xml" "$MOD/src" "$MOD/test" "$MOD/resources" \
      "$ROOT"/bundles/cacheshadow.{journal,layers,listing,cli}/src -newer "$JAR" -print -quit)" ]; then return 0; fi
  say "building $MOD"
  JAVA_HOME="$JDK" mvn -B -q -f "$MOD/pom.xml" package || { say "FAIL the module does not build"; exit 1; }
}

# what Spark's own launcher passes on Java 17 (launcher/.../JavaModuleOptions)
OPENS=(-XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false)

submit() { build; launch "$@"; }
launch() {
  "$JDK/bin/java" "${OPENS[@]}" -Xmx${SPARK_DRIVER_MEMORY:-1g} -cp "$JAR:$(cat "$MOD/target/classpath.txt")" \
    org.apache.spark.deploy.SparkSubmit --master "${SPARK_MASTER:-local[*]}" --conf spark.ui.enabled=false \
    --class cacheshadow.fleet.spark.FleetSearch "$JAR" "$@"
}

fail=0
check() { if [ "$1" = 0 ]; then say "PASS $2"; else say "FAIL $2"; fail=1; fi; }
# the damage a search's stderr reports (journals named relative to $2), in name order: the job's tasks report in any order
damages() { grep 'the entries before it are searched' "$1" | sed "s#$2##g" | sort; }
# same hits table, byte for byte; the diff's head when not
same() { if cmp -s "$1" "$2"; then return 0; fi; diff "$1" "$2" | head -n 5 >&2; return 1; }

# The job's HITS.tsv against ./cacheshadow search's on the same journals, named the same way:
#   1. the samples' dm-log-writes journals (build/samples/*/writes.log), files the workloads wrote (read out of the
#      final disk images with debugfs, read-only) plus one never written; and the same as a hash set (--hashes);
#   2. generated guest journals, dm-log-writes and .csj (times of their own), as a directory of journals, searched
#      whole (one task per journal) and in shares of 1 MB (many tasks per journal; the hits must not change);
#   3. journals in HDFS (releng/hdfs.sh's mini cluster), when that script is there.
test() {
  local W=${1:-$ROOT/build/spark-search}; rm -rf "$W"; mkdir -p "$W/known" "$W/fleet"
  build
  local S; S=$("$ROOT/releng/samples.sh") || { say "FAIL no samples"; exit 1; }
  local files=() j=() set f rc
  for set in "$S"/*/; do
    set=${set%/}; j+=(--journal "$set/writes.log")
    for f in /data/blob.bin /phase1/new1.txt /var/log/app.log; do
      debugfs -R "dump $f $W/known/$(basename "$set")$(echo "$f" | tr / _)" "$set/disk.img" 2>/dev/null
    done
  done
  head -c 65536 /dev/urandom > "$W/known/never-written.bin"
  for f in "$W"/known/*; do [ -s "$f" ] && files+=(--file "$f"); done
  [ "${#files[@]}" -ge 6 ] || { say "FAIL debugfs gave ${#files[@]} of the files"; exit 1; }
  "$CS" search "${j[@]}" "${files[@]}" --out "$W/cli-samples.tsv" --save-hashes "$W/known.hashes" 2> "$W/cli-samples.err"; check $? "./cacheshadow search on the samples"
  launch "${j[@]}" "${files[@]}" --out "$W/spark-samples.tsv" 2> "$W/spark-samples.err"; check $? "the Spark job on the samples ($(tail -n 2 "$W/spark-samples.err" | head -n 1))"
  local hits; hits=$(($(wc -l < "$W/cli-samples.tsv") - 1))
  [ "$hits" -ge 6 ]; check $? "the samples' journals have hits ($hits)"
  same "$W/cli-samples.tsv" "$W/spark-samples.tsv"; check $? "samples: the job's hits table is the command line's ($hits rows)"
  launch "${j[@]}" --hashes "$W/known.hashes" --out "$W/spark-hashes.tsv" --split-mb 1 2> "$W/spark-hashes.err"
  same "$W/cli-samples.tsv" "$W/spark-hashes.tsv"; check $? "samples, as a hash set, in shares: the same table"
  "$CS" search "${j[@]}" --hashes "$W/known.hashes" --every-sector --out "$W/cli-every.tsv" 2> "$W/cli-every.err"
  launch "${j[@]}" --hashes "$W/known.hashes" --every-sector --out "$W/spark-every.tsv" --split-mb 1 2> "$W/spark-every.err"
  same "$W/cli-every.tsv" "$W/spark-every.tsv" && [ "$(wc -l < "$W/spark-every.tsv")" -gt 1 ]
  check $? "samples, every sector offset (--every-sector), in shares: the same table ($(grep -o '[0-9]* windows' "$W/spark-every.err"))"
  # a dm-log-writes journal's times from its timing sidecar, as the command line gives them; two untimed journals refused
  local one="$S/debian-6.1-kaslr"
  "$CS" search --journal "$one/writes.log" --timeline "$one/timeline.tsv" "${files[@]}" --out "$W/cli-timed.tsv" 2> "$W/cli-timed.err"
  launch --journal "$one/writes.log" --timeline "$one/timeline.tsv" "${files[@]}" --out "$W/spark-timed.tsv" 2> "$W/spark-timed.err"
  same "$W/cli-timed.tsv" "$W/spark-timed.tsv" && [ "$(cut -f3 "$W/spark-timed.tsv" | grep -c '^20')" -ge 3 ]
  check $? "a sample with its timing sidecar (--timeline): the same table, with times ($(cut -f3 "$W/spark-timed.tsv" | sed -n 2p))"
  launch "${j[@]}" --timeline "$one/timeline.tsv" "${files[@]}" --out "$W/spark-two.tsv" 2> "$W/spark-two.err"; rc=$?
  [ "$rc" = 2 ] && [ ! -e "$W/spark-two.tsv" ] && grep -q 'journals have no time of their own' "$W/spark-two.err"
  check $? "--timeline with two untimed journals: exit 2 and no table, as the command line (rc $rc)"

  # generated guest journals: the bench generator's (4 KiB writes of distinct data, 64 of its blocks in known.bin)
  local g
  for g in 1 2; do
    "$CS" bench search --writes $((2000 * g)) --dir "$W/gen$g" --keep > "$W/gen$g.out" 2>&1 || { say "FAIL generating journal $g: $(tail -n 3 "$W/gen$g.out")"; exit 1; }
    mv "$W/gen$g/writes.log" "$W/fleet/guest$g.log"; mv "$W/gen$g/writes.csj" "$W/fleet/guest$g.csj"
  done
  cp "$S"/debian-6.1-kaslr/writes.log "$W/fleet/sample.log"
  # damaged copies: a dm-log-writes journal cut mid-entry (a crash's torn tail) and a .csj with one byte flipped
  # half-way (a record that fails its CRC32C): searched up to the damage, the damage said, by both alike
  head -c $(( $(stat -c %s "$W/fleet/guest1.log") / 2 + 100 )) "$W/fleet/guest1.log" > "$W/fleet/guest1-torn.log"
  python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 2] ^= 0x5a; open(sys.argv[2], "wb").write(b)' \
    "$W/fleet/guest1.csj" "$W/fleet/guest1-corrupt.csj"
  echo "not a journal" > "$W/fleet/notes.txt"
  j=(); for f in $(cd "$W/fleet" && ls | sort); do [ "$f" = notes.txt ] || j+=(--journal "$W/fleet/$f"); done
  files=(--file "$W/gen1/known.bin" --file "$W/gen2/known.bin" --file "$W/known/debian-6.1-kaslr_data_blob.bin")
  "$CS" search "${j[@]}" "${files[@]}" --out "$W/cli-fleet.tsv" 2> "$W/cli-fleet.err"; check $? "./cacheshadow search on the fleet directory's journals"
  hits=$(($(wc -l < "$W/cli-fleet.tsv") - 1))
  [ "$hits" -ge 128 ] && grep -q 'guest1.csj	[0-9]*	20' "$W/cli-fleet.tsv"; check $? "the fleet has hits, the .csj ones with times ($hits)"
  local d n full
  for d in guest1-torn.log:guest1.log guest1-corrupt.csj:guest1.csj; do
    n=$(grep -c "/${d%%:*}	" "$W/cli-fleet.tsv"); full=$(grep -c "/${d#*:}	" "$W/cli-fleet.tsv")
    [ "$n" -gt 0 ] && [ "$n" -lt "$full" ]; check $? "${d%%:*}: searched up to its damage ($n of ${d#*:}'s $full hits)"
  done
  damages "$W/cli-fleet.err" "$W/fleet/" > "$W/cli-damages.txt"
  [ "$(wc -l < "$W/cli-damages.txt")" = 2 ]; check $? "the command line says both journals' damage ($(cut -c1-60 "$W/cli-damages.txt" | tr '\n' ';'))"
  launch --journal "$W/fleet" "${files[@]}" --out "$W/spark-fleet.tsv" 2> "$W/spark-fleet.err"
  same "$W/cli-fleet.tsv" "$W/spark-fleet.tsv"; check $? "fleet directory, one task per journal: the same table ($(tail -n 2 "$W/spark-fleet.err" | head -n 1))"
  damages "$W/spark-fleet.err" "$W/fleet/" | same "$W/cli-damages.txt" -; check $? "fleet directory: the job says the same damage"
  grep -q 'notes.txt is no journal; passed over' "$W/spark-fleet.err"; check $? "a file that is no journal is passed over with a note"
  launch --journal "$W/fleet" "${files[@]}" --out "$W/spark-fleet-split.tsv" --split-mb 1 2> "$W/spark-fleet-split.err"
  same "$W/cli-fleet.tsv" "$W/spark-fleet-split.tsv"; check $? "fleet directory in shares of 1 MB: the same table ($(tail -n 2 "$W/spark-fleet-split.err" | head -n 1))"
  launch --journal "$W/nothing-here" --file "$W/gen1/known.bin" --out "$W/x.tsv" 2> "$W/missing.err"; rc=$?
  [ "$rc" = 2 ] && grep -q 'no such file or directory' "$W/missing.err"; check $? "a journal that is not there: exit 2 with a reason (rc $rc)"

  if [ -x "$ROOT/releng/hdfs.sh" ]; then hdfs_test "$W"; else say "SKIP HDFS: releng/hdfs.sh is not there"; fi
  [ "$fail" = 0 ] && say "all checks passed" || say "some checks FAILED"
  return "$fail"
}

# WebHDFS CREATE of a local file (python3: curl is not on every machine): the name node redirects to a data node.
# In pieces of 8 MiB (CREATE, then APPENDs): the mini cluster takes a writer's lease back after 2 s (MiniHdfs.java),
# which one write of a bench's hundreds of MB outlasts on a loaded machine.
webhdfs_put() {
  python3 - "$@" <<'PY'
import sys, urllib.error, urllib.request
http, src, dst = sys.argv[1:4]
class Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
def send(op, method, data):
    try:
        urllib.request.build_opener(Stay).open(urllib.request.Request(f"http://{http}/webhdfs/v1{dst}?op={op}", method=method))
        sys.exit("no redirect to a data node")
    except urllib.error.HTTPError as e:
        if e.code != 307:
            raise
        to = e.headers["Location"]
    urllib.request.urlopen(urllib.request.Request(to, data=data, method=method))
with open(src, "rb") as f:
    send("CREATE&overwrite=true", "PUT", f.read(8 << 20))
    while piece := f.read(8 << 20):
        send("APPEND", "POST", piece)
PY
}

# The name node's RPC address (host:port), from its JMX status on the WebHDFS port HTTP ($1: host:port)
hdfs_rpc() {
  python3 -c 'import json, sys, urllib.request
print(json.load(urllib.request.urlopen(sys.argv[1]))["beans"][0]["HostAndPort"])' "http://$1/jmx?qry=Hadoop:service=NameNode,name=NameNodeStatus"
}

# The fleet directory in HDFS (releng/hdfs.sh's mini cluster, uploaded over WebHDFS): the job reads it by
# hdfs:// (the name node's RPC address, from its JMX status) and by webhdfs://, both through Spark's Hadoop file
# system, and gives the command line's table of the local copies, the journals named by their HDFS paths.
hdfs_test() {
  local W=$1 D="$ROOT/build/hdfs" mine=0 web f
  [ -f "$D/pid" ] && kill -0 "$(cat "$D/pid")" 2>/dev/null && [ -f "$D/address" ] || mine=1
  web=$("$ROOT/releng/hdfs.sh" start "$D") || { check 1 "HDFS: the mini cluster did not start"; return; }
  local http=${web#webhdfs://}
  for f in $(cd "$W/fleet" && ls | sort); do
    webhdfs_put "$http" "$W/fleet/$f" "/fleet/$f" || check 1 "HDFS: uploading $f"
  done
  local rpc; rpc=$(hdfs_rpc "$http")
  [ -n "$rpc" ] || check 1 "HDFS: no name node RPC address in its JMX status"
  local url
  for url in "hdfs://$rpc" "$web"; do
    launch --journal "$url/fleet" "${files[@]}" --out "$W/spark-hdfs.tsv" --split-mb 4 2> "$W/spark-hdfs.err"
    sed "s#^$W/fleet/#$url/fleet/#" "$W/cli-fleet.tsv" > "$W/cli-hdfs.tsv"
    same "$W/cli-hdfs.tsv" "$W/spark-hdfs.tsv"; check $? "${url%%:*}: the fleet directory in HDFS gives the command line's table ($(tail -n 2 "$W/spark-hdfs.err" | head -n 1))"
    damages "$W/spark-hdfs.err" "$url/fleet/" | same "$W/cli-damages.txt" -; check $? "${url%%:*}: read in place, the same damage"
  done
  [ "$mine" = 1 ] && "$ROOT/releng/hdfs.sh" stop "$D"
}

# The bench, niced, in one run: a generated dm-log-writes journal of N 4 KiB writes and the same as .csj (./cacheshadow
# bench search's generator, whose own figures against a plain read are printed first), searched for its known.bin by
# ./cacheshadow search and by the job on local[2] in 2 (one per journal), 4, 16 and 64 tasks, and on local[1] in 16;
# every table must be the command line's. GB/s = journal bytes / seconds; "job" leaves out the JVM's and Spark's start.
calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }
bench() {
  local N=131072 W="$ROOT/build/spark-bench"
  while [ $# -gt 0 ]; do case "$1" in --writes) N=$2; shift 2;; *) W=$1; shift;; esac; done
  rm -rf "$W"; mkdir -p "$W"
  build
  renice -n 10 $$ > /dev/null # everything below niced (other work shares the machine)
  "$CS" bench search --writes "$N" --dir "$W/gen" --keep | tee "$W/local-bench.txt" >&2 || { say "FAIL generating the journals"; exit 1; }
  local j=(--journal "$W/gen/writes.log" --journal "$W/gen/writes.csj") k=(--file "$W/gen/known.bin")
  local bytes; bytes=$(($(stat -c %s "$W/gen/writes.log") + $(stat -c %s "$W/gen/writes.csj")))
  local t0 t1 search
  t0=$(date +%s.%N); "$CS" search "${j[@]}" "${k[@]}" --out "$W/cli.tsv" 2> "$W/cli.err" || { say "FAIL ./cacheshadow search"; exit 1; }; t1=$(date +%s.%N)
  search=$(sed -n 's/.* hits in \([0-9.]*\) s$/\1/p' "$W/cli.err" | awk '{t += $1} END {print t}')
  printf '%-28s %6s %8s %8s %8s %8s\n' "run (%.2f GB of journals)" tasks "wall s" "GB/s" "search s" "GB/s" | sed "s/%.2f/$(calc "$bytes/1e9")/"
  printf '%-28s %6s %8.2f %8.3f %8.2f %8.3f\n' "./cacheshadow search" 1 "$(calc "$t1-$t0")" "$(calc "$bytes/1e9/($t1-$t0)")" "$search" "$(calc "$bytes/1e9/$search")"
  local run master split job
  for run in "local[2] 4096" "local[2] 256" "local[2] 64" "local[2] 16" "local[1] 64"; do
    master=${run% *}; split=${run#* }
    t0=$(date +%s.%N); SPARK_MASTER=$master launch "${j[@]}" "${k[@]}" --split-mb "$split" --out "$W/spark.tsv" 2> "$W/spark.err"; t1=$(date +%s.%N)
    same "$W/cli.tsv" "$W/spark.tsv" || { say "FAIL $master, shares of $split MB: not the command line's table"; exit 1; }
    job=$(sed -n 's/.*(the job \([0-9.]*\) s)$/\1/p' "$W/spark.err")
    printf '%-28s %6s %8.2f %8.3f %8.2f %8.3f\n' "Spark $master, $split MB shares" "$(sed -n 's/.* in \([0-9]*\) tasks.*/\1/p' "$W/spark.err")" \
      "$(calc "$t1-$t0")" "$(calc "$bytes/1e9/($t1-$t0)")" "$job" "$(calc "$bytes/1e9/$job")"
  done
  # the same journals in HDFS (a mini cluster of the bench's own in build/hdfs-bench, 1 MiB blocks), read by hdfs:// on local[2]
  if [ -x "$ROOT/releng/hdfs.sh" ] && [ "${CACHESHADOW_HDFS:-1}" != 0 ]; then
    local web http rpc f
    if web=$("$ROOT/releng/hdfs.sh" start "$ROOT/build/hdfs-bench"); then
      http=${web#webhdfs://}; rpc=$(hdfs_rpc "$http")
      t0=$(date +%s.%N)
      for f in writes.log writes.csj; do webhdfs_put "$http" "$W/gen/$f" "/bench/$f" || say "FAIL uploading $f"; done
      say "uploaded the journals to hdfs://$rpc/bench in $(calc "$(date +%s.%N)-$t0") s"
      sed "s#^$W/gen/#hdfs://$rpc/bench/#" "$W/cli.tsv" > "$W/cli-hdfs.tsv"
      for split in 4096 256 64; do
        t0=$(date +%s.%N); SPARK_MASTER="local[2]" launch --journal "hdfs://$rpc/bench/writes.log" --journal "hdfs://$rpc/bench/writes.csj" "${k[@]}" \
          --split-mb "$split" --out "$W/spark.tsv" 2> "$W/spark.err"; t1=$(date +%s.%N)
        same "$W/cli-hdfs.tsv" "$W/spark.tsv" || { say "FAIL HDFS, shares of $split MB: not the command line's table"; tail -n 5 "$W/spark.err" >&2; break; }
        job=$(sed -n 's/.*(the job \([0-9.]*\) s)$/\1/p' "$W/spark.err")
        printf '%-28s %6s %8.2f %8.3f %8.2f %8.3f\n' "HDFS, local[2], $split MB" "$(sed -n 's/.* in \([0-9]*\) tasks.*/\1/p' "$W/spark.err")" \
          "$(calc "$t1-$t0")" "$(calc "$bytes/1e9/($t1-$t0)")" "$job" "$(calc "$bytes/1e9/$job")"
      done
      "$ROOT/releng/hdfs.sh" stop "$ROOT/build/hdfs-bench"
    else
      say "HDFS rows left out: the mini cluster did not start"
    fi
  fi
  say "every run's table is the command line's ($(($(wc -l < "$W/cli.tsv") - 1)) hits); search s: the command line's own search time / the Spark job's"
  rm -rf "$W"
}

case "${1:-}" in
  build) build ;;
  submit) shift; submit "$@" ;;
  test) shift; test "$@"; exit $? ;;
  bench) shift; bench "$@" ;;
  *) sed -n '2,9p' "$0" >&2; exit 2 ;;
esac
