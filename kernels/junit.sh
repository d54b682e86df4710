#!/usr/bin/env bash
# kernels/junit.sh RESULTS_DIR TAG SELECTOR...
# Runs the matrix tests on the kernel it runs on (the host's, or a guest's under kernels/run-in-vm.sh) with JUnit's
# ConsoleLauncher, on the classpath kernels/matrix.sh built (target/kernels/classpath). Writes RESULTS_DIR/kernel
# (uname -r) and the XML report in RESULTS_DIR/reports; the test tree goes to stdout (the guest's console).
# TAG: only tests with this JUnit tag ('' = no tag filter). SELECTOR: ConsoleLauncher selectors
# (--select-package=dev.netlat, --select-class=..., --select-method=...).
# netlat.matrix=true: tests that size their traffic for a guest under TCG (fewer bytes, never a looser check) do so.
# netlat.unavailable=skip: a test that aborts because this kernel lacks a stage or feature is an "unavailable (reason)"
# cell, not a failure; anything else that goes wrong is a failed cell.
set -euo pipefail
results=$1 tag=$2; shift 2
repo=$(cd "$(dirname "$0")/.." && pwd -P)
cp=$(cat "$repo/target/kernels/classpath")
mkdir -p "$results/reports"
uname -r > "$results/kernel"
cd "$repo/integration-tests" # the module's directory, as under Maven (tests may write target/)
status=0
# -XX:UseAVX=0 for every JVM here, the JVMs tests start included: QEMU 7.2's TCG advertises AVX under -cpu max, and
# JIT code using it died in the guests (SIGILL in c1's Arrays.copyOf, SIGSEGV in a child JVM); the matrix checks
# netlat, not the JVM's vector stubs
export JAVA_TOOL_OPTIONS="-XX:UseAVX=0${JAVA_TOOL_OPTIONS:+ $JAVA_TOOL_OPTIONS}"
java "-Xmx${NETLAT_MATRIX_HEAP:-2g}" -Dnetlat.unavailable=skip -Dnetlat.matrix=true -cp "$cp" org.junit.platform.console.ConsoleLauncher \
  execute --disable-banner --disable-ansi-colors --details=tree --details-theme=ascii \
  --config=netlat.unavailable=skip ${tag:+"--include-tag=$tag"} "$@" --reports-dir="$results/reports" || status=$?
# 1 = some test failed: the report says which, kernels/Matrix.java reads it. Anything else: the launcher itself failed
[ "$status" -le 1 ] || echo "junit: the ConsoleLauncher exited with $status" >&2
exit "$status"
