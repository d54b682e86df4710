#!/usr/bin/env bash
# consumer/jmh/run.sh [mvn options...]   (run by ./netlat test after netlat is installed into ~/.m2)
# A user's JMH project: build it against the installed netlat-jmh, check that its dependency tree holds nothing of
# JUnit, AssertJ or Jackson (a JMH user must not get a test framework), and run its benchmark briefly with
# -prof dev.netlat.jmh.NetLatProfiler, checking that the netlat secondary results are there.
set -euo pipefail
cd "$(dirname "$0")"
mvn -B -q "$@" package dependency:build-classpath -Dmdep.outputFile=target/classpath
tree=$(mvn -B "$@" dependency:tree -Dscope=runtime)
if grep -E 'junit|assertj|jackson' <<< "$tree"; then
  echo "consumer/jmh: netlat-jmh brought a test framework or Jackson (above)" >&2
  exit 1
fi
echo "consumer/jmh: runtime dependencies:"
grep -E '^\[INFO\] [|+\\ -]' <<< "$tree" | sed 's/^\[INFO\] /  /'
out=$(java -cp "target/classes:$(cat target/classpath)" org.openjdk.jmh.Main EchoBenchmark \
  -f 1 -wi 1 -w 1s -i 2 -r 1s -prof 'dev.netlat.jmh.NetLatProfiler:stages=SOCKET,TOTAL;percentiles=50,99' 2>&1) || {
  echo "$out"; echo "consumer/jmh: the benchmark run failed" >&2; exit 1; }
echo "$out" | tail -n 20
for metric in 'netlat.socket.p0.99' 'netlat.total.p0.5' 'netlat.writes'; do
  grep -q "roundTrip:$metric" <<< "$out" || { echo "consumer/jmh: no $metric in the results" >&2; exit 1; }
done
