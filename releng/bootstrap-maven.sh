#!/usr/bin/env bash
# Fetches Apache Maven 3.9.16 through the system 'mvn' (so the machine's settings and mirrors apply; no host is
# named here) into releng/tools/. Tycho 5 needs Maven >= 3.9; Debian bookworm ships 3.8.7. Prints the mvn path.
set -euo pipefail
cd "$(dirname "$0")"
V=3.9.16
mkdir -p tools
if [ ! -x "tools/apache-maven-$V/bin/mvn" ]; then
  command -v mvn >/dev/null || { echo "bootstrap-maven: no system 'mvn' (apt-get install maven)" >&2; exit 2; }
  mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact=org.apache.maven:apache-maven:$V:tar.gz:bin -DoutputDirectory=tools >&2
  tar xzf "tools/apache-maven-$V-bin.tar.gz" -C tools && rm "tools/apache-maven-$V-bin.tar.gz"
fi
if [ ! -f tools/junit-platform-console-standalone-1.14.4.jar ]; then
  mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.4 -DoutputDirectory=tools >&2
fi
echo "$(pwd)/tools/apache-maven-$V/bin/mvn"
