#!/usr/bin/env bash
# Builds CacheShadow Workbench with Tycho (Maven >= 3.9, fetched through the system Maven; JDK >= 21).
# Any arguments go to Maven; default: build the product without running tests.
#   releng/build.sh                      # product, no tests
#   releng/build.sh clean verify         # everything, tests included (see releng/test.sh)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
. "$ROOT/releng/jdk.sh"
MVN="$("$ROOT/releng/bootstrap-maven.sh")"
SAMPLES="$ROOT/build/samples"
[ $# -gt 0 ] || set -- verify -DskipTests
cd "$ROOT"
exec "$MVN" -B -Dcacheshadow.samples="$SAMPLES" "$@"
