#!/usr/bin/env bash
# Runs the netlat overhead harness (ABBA passes: netlat vs bpftrace vs empty programs on the same hooks vs A-vs-A, per-hook BPF cost, nothing-lost,
# scale) and prints the tables. Needs root. Extra arguments go to dev.netlat.bench.Overhead (--help lists them).
#   benchmarks/run-overhead.sh                      # ~7-10 minutes on a 2-core machine
#   benchmarks/run-overhead.sh --pairs=20 --bt-pairs=6 --scale=1000   # a quick look
set -euo pipefail
cd "$(dirname "$0")/.."
jar=benchmarks/target/benchmarks.jar
if [ ! -f "$jar" ]; then
  mvn -q -B install -pl benchmarks -am -DskipTests
fi
# the floor (empty programs on netlat's tracepoints) needs clang and libbpf-dev; without them the table skips it
if [ ! -x benchmarks/floor/target/attach ] && command -v clang >/dev/null && [ -f /usr/include/bpf/libbpf.h ]; then
  benchmarks/floor/build.sh
fi
# 10,000 client + 10,000 accepted sockets need more than the usual 1024 descriptors
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
# bpftrace's tracepoint: probes read their format from tracefs; mount it for the run if it is not mounted
mounted_tracefs=0
if ! mountpoint -q /sys/kernel/tracing; then
  mount -t tracefs nodev /sys/kernel/tracing && mounted_tracefs=1
fi
cleanup() { if [ "$mounted_tracefs" = 1 ]; then umount /sys/kernel/tracing || true; fi; }
trap cleanup EXIT
ulimit -l unlimited 2>/dev/null || true
java -Xmx1g -cp "$jar" dev.netlat.bench.Overhead --bt-script=benchmarks/bpftrace/nettxlat.bt "$@"
