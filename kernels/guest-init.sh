#!/bin/sh
# PID 1 of a kernels/run-in-vm.sh guest, on the host's root file system (read-only 9p). POSIX sh: it runs
# before anything else in the guest. Reads its arguments from the kernel command line:
#   netlat.kdir=DIR     the kernel's directory (kernels/fetch-kernel.sh): its modules are bound on /lib/modules
#   netlat.rw=A,B       more directories to overlay (the repository's top directory: builds write target/)
#   netlat.cmd=FILE     the command to run (a file: the kernel command line holds at most 2048 bytes)
# A second 9p share tagged "results" (writable, a dedicated empty host directory) is mounted on
# /run/netlat-results and exported as NETLAT_RESULTS; the guest's uptime when the command starts is written there
# as "started", the command's exit status as "exit".
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
arg() { sed -n "s/.*netlat\\.$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }

mount -t tmpfs run /run
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs shm /dev/shm
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null # sock_ops programs attach to a cgroup

# writable views of the host's directories: the guest's writes stay in its memory, the host's files as they were
mkdir -p /run/overlay
for d in /root /var /etc /tmp /opt $(arg rw | tr , ' '); do
  [ -d "$d" ] || continue
  n=$(echo "$d" | tr / _)
  mkdir -p "/run/overlay/$n.upper" "/run/overlay/$n.work"
  mount -t overlay overlay -o "lowerdir=$d,upperdir=/run/overlay/$n.upper,workdir=/run/overlay/$n.work" "$d" ||
    echo "netlat-guest: no overlay on $d"
done

# the guest kernel's own modules (veth, sch_netem, sch_tbf, nf_tables... are modules in Debian's kernels)
kdir=$(arg kdir)
if [ -n "$kdir" ] && [ -d "$kdir/lib/modules" ]; then
  if [ ! -d /lib/modules ]; then # a host without modules of its own: a writable /lib makes the mount point
    lib=$(readlink -f /lib)
    mkdir -p /run/overlay/lib.upper /run/overlay/lib.work
    mount -t overlay overlay -o "lowerdir=$lib,upperdir=/run/overlay/lib.upper,workdir=/run/overlay/lib.work" "$lib"
    mkdir -p /lib/modules
  fi
  mount --bind "$kdir/lib/modules" /lib/modules
fi
ip link set lo up

mkdir -p /run/netlat-results
if mount -t 9p -o trans=virtio,version=9p2000.L,rw results /run/netlat-results 2>/dev/null; then
  export NETLAT_RESULTS=/run/netlat-results
fi

echo "netlat-guest: kernel $(uname -r), $(nproc) cpus, $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) MiB"
# the seconds the guest took to get here (its boot time), and the sign for run-in-vm.sh that it booted
[ -n "${NETLAT_RESULTS:-}" ] && cut -d' ' -f1 /proc/uptime > "$NETLAT_RESULTS/started"
sh "$(arg cmd)" < /dev/null
status=$?
echo "netlat-guest: exit $status"
[ -n "${NETLAT_RESULTS:-}" ] && echo "$status" > "$NETLAT_RESULTS/exit"
sync
poweroff -f
