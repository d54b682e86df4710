#!/usr/bin/env bash
# kernels/run-in-vm.sh KDIR 'COMMAND'
# Boots the kernel in KDIR (kernels/fetch-kernel.sh) under QEMU over the host's root file system (read-only 9p;
# writable overlays on /root /var /etc /tmp /opt and the repository's top directory; the kernel's own modules on
# /lib/modules) and runs COMMAND as root in the guest with sh, in the caller's working directory. The guest
# console (the command's output) goes to stdout. Exit status: the command's; 124 when the guest ran out of time;
# 125 when it did not report one (did not boot, panicked, the command killed the guest).
# Environment:
#   NETLAT_VM_RESULTS  a host directory shared writable with the guest (9p), $NETLAT_RESULTS there (default: a
#                      temporary one); the guest writes the command's exit status to its file "exit"
#   NETLAT_VM_TIMEOUT  seconds before the guest is killed (default 900)
#   NETLAT_VM_MEM, NETLAT_VM_CPUS  the guest's memory and CPUs (default 4G, 2)
#   NETLAT_VM_ACCEL, NETLAT_VM_CPU  QEMU's -accel and -cpu (default tcg,thread=single and max)
# Single-threaded TCG: with one host thread per vCPU (QEMU's default), JVMs in the guest died in freshly compiled
# JIT code (SIGSEGV at the entry of a c1 method: code one vCPU wrote and another ran), 4 of 25 runs of a small
# multi-threaded Java program on 6.12; with thread=single, 0 of 25. Both vCPUs then share one host thread.
# Why so: KVM cannot run guests in this kind of nested VM ("KVM internal error ... emulation failure" on ordinary
# instructions), so QEMU emulates (TCG, -cpu max): a boot takes seconds, a JVM runs 10-20x slower than on the host.
# No network (-net none): the tests' traffic stays on loopback and namespaces they create in the guest.
set -euo pipefail
kdir=$(readlink -f "${1:?usage: kernels/run-in-vm.sh KDIR COMMAND}"); cmd=${2:?usage: kernels/run-in-vm.sh KDIR COMMAND}
here=$(dirname "$(readlink -f "$0")")
for tool in qemu-system-x86_64 cpio gzip; do
  command -v "$tool" >/dev/null || { echo "run-in-vm: needs $tool (./netlat kernels installs it)" >&2; exit 1; }
done
[ -f "$kdir/vmlinux" ] || { echo "run-in-vm: no $kdir/vmlinux (kernels/fetch-kernel.sh SUITE)" >&2; exit 1; }
initrd=$("$here/initramfs.sh" "$kdir")

tmp=$(mktemp -d /var/tmp/netlat-vm.XXXXXX) # /var/tmp: the guest reads it through the read-only 9p root
trap 'rm -rf "$tmp"' EXIT
results=${NETLAT_VM_RESULTS:-$tmp/results}
mkdir -p "$results"
results=$(readlink -f "$results")
# the command, in the caller's working directory (the guest sees the same paths)
printf 'cd %q || exit 1\n%s\n' "$(pwd -P)" "$cmd" > "$tmp/cmd"
chmod 755 "$tmp"; chmod 644 "$tmp/cmd"
# the top directory of the repository (e.g. /work), overlaid so builds and tests can write target/ in the guest
rw=/$(cd "$here/.." && pwd -P | cut -d/ -f2)

# a boot that never reaches the command is retried: under TCG, an SMP guest occasionally oopses on an int3 while
# the kernel patches its own code during boot (seen here once in about ten boots); a guest that ran the command is
# never run again
append="console=ttyS0 quiet loglevel=1 panic=-1 rdinit=/init netlat.init=$here/guest-init.sh netlat.kdir=$kdir"
append+=" netlat.rw=$rw netlat.cmd=$tmp/cmd"
for attempt in 1 2 3; do
  rm -f "$results/exit" "$results/started"
  status=0
  timeout -k 10 "${NETLAT_VM_TIMEOUT:-900}" qemu-system-x86_64 \
    -machine q35 -accel "${NETLAT_VM_ACCEL:-tcg,thread=single}" -cpu "${NETLAT_VM_CPU:-max}" -smp "${NETLAT_VM_CPUS:-2}" -m "${NETLAT_VM_MEM:-4G}" \
    -no-reboot -display none -monitor none -serial stdio -net none \
    -kernel "$kdir/vmlinux" -initrd "$initrd" \
    -fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
    -device virtio-9p-pci,fsdev=root,mount_tag=hostroot \
    -fsdev local,id=results,path="$results",security_model=none \
    -device virtio-9p-pci,fsdev=results,mount_tag=results \
    -append "$append" < /dev/null | stdbuf -oL tr -d '\r' || status=$? # line by line: a killed guest's last words
  # qemu's own status says little (poweroff is a clean exit): the guest's files say how far it got
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "run-in-vm: the guest did not finish within ${NETLAT_VM_TIMEOUT:-900} s" >&2
    exit 124
  fi
  [ -f "$results/started" ] && break
  echo "run-in-vm: the guest did not boot to the command (attempt $attempt, qemu exit $status)" >&2
done
if [ ! -s "$results/exit" ]; then
  echo "run-in-vm: the guest reported no exit status (qemu exit $status)" >&2
  exit 125
fi
exit "$(cat "$results/exit")"
