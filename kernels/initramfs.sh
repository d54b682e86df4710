#!/usr/bin/env bash
# kernels/initramfs.sh KDIR  ->  prints KDIR/netlat-initramfs.gz, built if missing or older than this script.
# A tiny initramfs: static busybox and the modules a 9p root needs. Debian builds virtio_pci, 9p, netfs and
# overlay as modules, so the kernel alone cannot mount the host's root. Its /init loads them, mounts the host's
# `/` read-only over virtio-9p (tag "hostroot") and switch_roots into kernels/guest-init.sh on that root (the path
# is on the kernel command line as netlat.init=...).
set -euo pipefail
kdir=${1:?usage: kernels/initramfs.sh KDIR}
kver=$(basename "$kdir")
out=$kdir/netlat-initramfs.gz
if [ -s "$out" ] && [ "$out" -nt "$0" ]; then
  echo "$out"
  exit 0
fi
busybox=$(command -v busybox || true)
if [ -z "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then # ldd fails on a static binary
  echo "initramfs: needs a static busybox (apt-get install busybox-static)" >&2
  exit 1
fi
command -v modinfo >/dev/null || { echo "initramfs: needs modinfo (apt-get install kmod)" >&2; exit 1; }

w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
mkdir -p "$w"/{bin,dev,proc,sys,newroot,mods}
cp "$busybox" "$w/bin/busybox"
for applet in sh mount insmod switch_root cat sed poweroff; do ln -s busybox "$w/bin/$applet"; done
: > "$w/modules"

add() { # MODULE: copies it (decompressed: busybox insmod may not read .xz/.zst) after what it depends on
  local file dep base
  file=$(modinfo -b "$kdir" -k "$kver" -n "$1" 2>/dev/null) || return 0 # not a module of this kernel
  case "$file" in "" | *builtin*) return 0 ;; esac
  for dep in $(modinfo -b "$kdir" -k "$kver" -F depends "$1" | tr ',' ' '); do add "$dep"; done
  base=$(basename "$file"); base=${base%.xz}; base=${base%.zst}
  grep -qxF "$base" "$w/modules" && return 0
  case "$file" in
    *.xz) xz -dc "$file" ;;
    *.zst) zstd -qdc "$file" ;;
    *) cat "$file" ;;
  esac > "$w/mods/$base"
  echo "$base" >> "$w/modules"
}
for m in virtio_pci 9pnet_virtio 9p overlay; do add "$m"; done

cat > "$w/init" <<'INIT'
#!/bin/sh
# PID 1 of the initramfs: the host's root over 9p, then the guest init on it
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(cat /modules); do insmod "/mods/$m" 2>/dev/null; done
init=$(sed -n 's/.*netlat\.init=\([^ ]*\).*/\1/p' /proc/cmdline)
if ! mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 hostroot /newroot; then
  echo "netlat-guest: cannot mount the host's root over 9p"; poweroff -f
fi
mount --move /proc /newroot/proc; mount --move /sys /newroot/sys; mount --move /dev /newroot/dev
exec switch_root /newroot /bin/sh "$init"
INIT
chmod +x "$w/init"
(cd "$w" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp.$$"
mv "$out.tmp.$$" "$out"
echo "$out"
