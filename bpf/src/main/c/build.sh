#!/usr/bin/env bash
# Builds the kernel object and its layout description into the bpf module's resources, and the Java enum
# dev.netlat.LostCause from netlat.h's lost-cause tables into the bpf module's sources.
# The object is committed (like cilium/ebpf's bpf2go output) so that building netlat needs no clang;
# BpfObjectGuardTest fails when the C sources change without this script being run again.
# Needs: clang (>= 14), libbpf-dev (bpf_helpers.h), a C compiler for layout.c and java_enums.c.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../resources/dev/netlat/bpf"
mkdir -p "$out"
for tool in clang cc; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool not found (apt-get install clang libbpf-dev)" >&2; exit 1; }
done
[ -f /usr/include/bpf/bpf_helpers.h ] || { echo "build.sh: /usr/include/bpf/bpf_helpers.h missing (apt-get install libbpf-dev)" >&2; exit 1; }
cd "$here"
clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -Wno-unused-function -I. -c netlat.bpf.c -o "$out/netlat.bpf.o"
# drop DWARF (BTF stays): smaller, and no build paths in the committed object
llvm-strip -g "$out/netlat.bpf.o" 2>/dev/null || true
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cc -O0 -I. -o "$tmp/layout" layout.c
"$tmp/layout" > "$out/netlat.layout"
# generated Java beside the object (as bpf2go writes Go bindings): its header names the digests of its inputs
java="$here/../java/dev/netlat"
cc -O0 -Wall -Werror -I. -o "$tmp/java_enums" java_enums.c
for enum in LostCause RetransmitKind; do
  "$tmp/java_enums" "$enum" $(sha256sum netlat.h java_enums.c | awk '{print $2, $1}') > "$tmp/$enum.java"
  mv "$tmp/$enum.java" "$java/$enum.java"
done
# the guard: a digest of every C source the object is built from
(cd "$here" && sha256sum $(ls *.c *.h | sort)) > "$out/netlat.sources.sha256"
echo "built $out/netlat.bpf.o ($(stat -c %s "$out/netlat.bpf.o") bytes), $(realpath "$java")/{LostCause,RetransmitKind}.java"
