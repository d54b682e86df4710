#!/usr/bin/env bash
# How long the kernel's own TX_ACK stamp trails the ACK's arrival (tcp_probe), with and without netlat attached:
# the observer effect in README "Known limits". Needs root, bpftrace, and `mvn install -pl bpf -DskipTests` first.
#   benchmarks/ack-lag/run.sh          # prints the lag quantiles, untraced then traced
set -euo pipefail
cd "$(dirname "$0")/../.."
jna=$(ls ~/.m2/repository/net/java/dev/jna/jna/*/jna-*.jar | grep -v sources | tail -1)
cp="bpf/target/netlat-bpf-0.1.0-SNAPSHOT.jar:bpf/target/netlat-bpf-0.1.0-SNAPSHOT-tests.jar:$jna"
out=$(mktemp -d)
mounted=0
if ! mountpoint -q /sys/kernel/tracing; then mount -t tracefs nodev /sys/kernel/tracing && mounted=1; fi
bt_pid=
# stops only the bpftrace this script started (never others by name)
cleanup() { [ -n "$bt_pid" ] && kill -INT "$bt_pid" 2>/dev/null || true; [ "$mounted" = 1 ] && umount /sys/kernel/tracing || true; rm -rf "$out"; }
trap cleanup EXIT
for mode in untraced traced; do
  java -cp "$cp" dev.netlat.truth.AckLagProbe "$mode" > "$out/java" 2>&1 &
  java_pid=$!
  for _ in $(seq 1 100); do grep -q PORT "$out/java" 2>/dev/null && break; sleep 0.1; done
  port=$(awk '/PORT/{print $2}' "$out/java")
  bpftrace benchmarks/ack-lag/tcp_probe_ack.bt "$port" > "$out/probes" 2>/dev/null &
  bt_pid=$!
  wait "$java_pid"
  sleep 1
  kill -INT "$bt_pid" 2>/dev/null || true
  wait "$bt_pid" 2>/dev/null || true
  python3 - "$out/probes" "$out/java" "$mode" <<'PY'
import socket, sys
probes = [(int(t), socket.ntohl(int(a)), int(u)) for _, t, a, u in
          (l.split() for l in open(sys.argv[1]) if l.startswith('P '))]
writes = [(int(k), int(c), int(a)) for _, k, c, a, _ in
          (l.split() for l in open(sys.argv[2]) if l.startswith('W '))]
base = probes[0][2]
lag, j = [], 0
for key, call, ack in writes:
    while j < len(probes) and ((probes[j][1] - base) & 0xffffffff) <= key:
        j += 1
    if j == len(probes):
        break
    lag.append(ack - probes[j][0])
lag.sort()
q = lambda p: lag[int(len(lag) * p)] / 1000
print(f"{sys.argv[3]:9s} TX_ACK minus covering tcp_probe, {len(lag)} writes: "
      f"p50 {q(.5):.1f} us, p90 {q(.9):.1f} us, p99 {q(.99):.1f} us (the untraced row is this method's zero)")
PY
done
