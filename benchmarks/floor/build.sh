#!/usr/bin/env bash
# Builds the overhead floor: empty BPF programs on exactly the tracepoints netlat attaches to, and a small libbpf
# loader that attaches them until SIGINT. The harness's "floor" tracer runs it, so the table shows what merely
# having programs on these hooks costs. Needs clang and libbpf-dev.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$here/target"
clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$here/../../bpf/src/main/c" -c "$here/floor.bpf.c" -o "$here/target/floor.bpf.o"
cc -O2 "$here/attach.c" -o "$here/target/attach" -lbpf
