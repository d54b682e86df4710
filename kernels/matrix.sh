#!/usr/bin/env bash
# kernels/matrix.sh [SUITE...]   (what ./netlat kernels runs)
# The kernel matrix: the JUnit tests tagged kernel-matrix, run on Debian's current kernel of each SUITE (default
# bookworm = Debian 12, 6.1; trixie = Debian 13, 6.12) booted under QEMU, and on the host's own kernel; then the
# table test x kernel (works / unavailable (reason) / failed (message)) on stdout and in target/kernel-matrix.md.
# Exit status 1 when a cell failed or a kernel did not boot or run its tests (which, and why, on stderr).
set -euo pipefail

# ---- what runs (environment overrides)
tag=${NETLAT_MATRIX_TAG-kernel-matrix}                    # JUnit tag of the matrix tests ('' = no tag filter)
read -r -a select <<< "${NETLAT_MATRIX_SELECT:---select-package=dev.netlat}" # ConsoleLauncher selectors
# seconds per guest kernel: a JVM under TCG is 10-20x slower (the tests take ~2-4 min there), but never unbounded;
# the host runs them in well under a minute. Worst case for the default suites: 5 + 2 x 15 min
timeout=${NETLAT_MATRIX_TIMEOUT:-900}
host_timeout=${NETLAT_MATRIX_HOST_TIMEOUT:-300}
build=${NETLAT_MATRIX_BUILD:-yes}       # no: reuse the tree's built classes and target/kernels/classpath
suites=("$@")
[ "${#suites[@]}" -gt 0 ] || suites=(bookworm trixie)

cd "$(dirname "$0")/.."
here=$PWD/kernels
out=$PWD/target/kernels
mkdir -p "$out"
rm -rf "${out:?}"/[0-9]-*

# ---- the test classpath: the integration-tests module's test scope (its netlat-bpf test-jar brings the bpf module's tests),
# resolved in the reactor (this tree's jars, nothing installed into ~/.m2); classes first
if [ "$build" != no ] || [ ! -s "$out/classpath" ]; then
  echo "kernels: building (mvn package -DskipTests)" >&2
  mvn -B -q -Dstyle.color=never -pl integration-tests -am package -DskipTests dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/kernels.classpath
  echo "$PWD/integration-tests/target/test-classes:$(cat integration-tests/target/kernels.classpath)" \
    > "$out/classpath"
  echo "kernels: built in $SECONDS s" >&2
fi
run_args=("$tag" "${select[@]}")

# ---- one column: NAME LABEL, then the command's output in its console.log and its results in its directory
started_at=0
column() {
  local dir=$out/$1
  mkdir -p "$dir"
  echo "$2" > "$dir/label"
  started_at=$SECONDS
  echo "kernels: $2 ... (its console: target/kernels/$1/console.log)" >&2
}
finish() { # DIR STATUS BOOT_SECONDS: the timing line, and the problem when there is no report
  local dir=$1 status=$2 boot=${3%.*} took=$((SECONDS - started_at))
  echo "${boot:+boot $boot s, }tests $((took - ${boot:-0})) s, total $took s" > "$dir/timing"
  echo "kernels: $(cat "$dir/label"): $(cat "$dir/timing") (exit $status)" >&2
  if ! ls "$dir"/reports/*.xml >/dev/null 2>&1; then
    case $status in
      124) echo "did not finish within the time limit (NETLAT_MATRIX_TIMEOUT, NETLAT_MATRIX_HOST_TIMEOUT)" ;;
      125) echo "did not boot or did not run the tests" ;;
      *) echo "wrote no test report (exit $status)" ;;
    esac > "$dir/problem"
    { echo "kernels: $(cat "$dir/label") $(cat "$dir/problem"); the end of its console:"
      tail -n 40 "$dir/console.log" | sed 's/^/  | /'; } >&2
  fi
}

# the host's kernel: the same command, directly
n=0
column "$n-host" "$(uname -r) (host)"
status=0
timeout -k 10 "$host_timeout" "$here/junit.sh" "$out/$n-host" "${run_args[@]}" > "$out/$n-host/console.log" 2>&1 || status=$?
finish "$out/$n-host" "$status" ""

# each suite's kernel in a guest; the command's own paths are the host's (the guest runs on the host's root)
for suite in "${suites[@]}"; do
  n=$((n + 1))
  if ! kdir=$("$here/fetch-kernel.sh" "$suite"); then # its messages went to stderr
    mkdir -p "$out/$n-$suite"
    echo "$suite" > "$out/$n-$suite/label"
    echo "could not fetch the $suite kernel" | tee "$out/$n-$suite/problem" | sed 's/^/kernels: /' >&2
    continue
  fi
  dir=$out/$n-$suite
  column "$n-$suite" "$(basename "$kdir") ($suite)"
  status=0
  # $NETLAT_RESULTS is expanded in the guest: the results share's mount point there
  cmd="$(printf '%q' "$here/junit.sh") \"\$NETLAT_RESULTS\" $(printf '%q ' "${run_args[@]}")"
  NETLAT_VM_RESULTS=$dir NETLAT_VM_TIMEOUT=$timeout "$here/run-in-vm.sh" "$kdir" "$cmd" > "$dir/console.log" 2>&1 ||
    status=$?
  finish "$dir" "$status" "$(cat "$dir/started" 2>/dev/null || true)"
done

# ---- the table: the host's column last (the kernels users run first)
cols=()
for d in "$out"/[0-9]-*; do [ "$(basename "$d")" = 0-host ] || cols+=("$d"); done
cols+=("$out/0-host")
java "$here/Matrix.java" --tag "$tag" --out target/kernel-matrix.md "${cols[@]}"
