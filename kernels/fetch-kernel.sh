#!/usr/bin/env bash
# kernels/fetch-kernel.sh SUITE  ->  prints the kernel's directory, $NETLAT_KERNELS/<kver>, holding
#   vmlinux                the decompressed kernel (QEMU boots it directly; bpftool reads its BTF)
#   config                 the kernel's build configuration
#   lib/modules/<kver>/    its modules, depmod'ed (bound on /lib/modules in the guest, so modprobe works)
# SUITE is a Debian suite: bookworm (Debian 12, 6.1), trixie (Debian 13, 6.12). The image is the one Debian's
# linux-image-amd64 metapackage currently points at, fetched with a private apt configuration (own sources list,
# lists and archives under the cache directory) on the mirror the machine's apt sources already name: the machine's
# apt sources and state are never touched. Idempotent: a kernel already in the cache is reused (the suite's package
# name is looked up again after a week).
set -euo pipefail
suite=${1:?usage: kernels/fetch-kernel.sh SUITE (bookworm, trixie, ...)}
cache=${NETLAT_KERNELS:-/var/cache/netlat-kernels}
mkdir -p "$cache"

# the first non-security Debian mirror of the machine's sources (deb822 or one-line format)
uri=$( { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}'
         grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '$2 !~ /^\[/ {print $2; next} {print $3}'
       } | grep -v security | head -n 1 || true)
[ -n "$uri" ] || { echo "fetch-kernel: no Debian mirror in the machine's apt sources" >&2; exit 1; }

apt_dir=$cache/.apt-$suite
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/etc"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" > "$apt_dir/etc/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/etc/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
          -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache::Archives=$apt_dir/archives"
          -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")

# the versioned image package, e.g. linux-image-6.12.117+deb13-amd64
if [ ! -s "$apt_dir/pkg" ] || [ -n "$(find "$apt_dir/pkg" -mtime +7)" ]; then
  apt-get -qq "${apt_opts[@]}" update
  apt-cache "${apt_opts[@]}" depends linux-image-amd64 \
    | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1 > "$apt_dir/pkg.new"
  [ -s "$apt_dir/pkg.new" ] || { echo "fetch-kernel: no linux-image-amd64 in $suite on $uri" >&2; exit 1; }
  mv "$apt_dir/pkg.new" "$apt_dir/pkg"
fi
pkg=$(cat "$apt_dir/pkg")
kver=${pkg#linux-image-}
out=$cache/$kver
if [ -f "$out/vmlinux" ] && [ -d "$out/lib/modules/$kver" ]; then
  echo "$out"
  exit 0
fi

echo "fetch-kernel: downloading $pkg ($suite) from $uri" >&2
tmp=$out.tmp.$$
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root"
(cd "$apt_dir/archives" && apt-get -qq "${apt_opts[@]}" download "$pkg")
debs=("$apt_dir/archives/${pkg}"_*.deb)
deb=${debs[0]}
dpkg-deb -x "$deb" "$tmp/root"
cp "$tmp/root/boot/config-$kver" "$tmp/config"

# vmlinuz -> vmlinux. Debian's compressed image does not boot under this machine's emulation (its decompressor
# trips "emulation failure" with KVM), the decompressed ELF (PVH entry) boots with QEMU -kernel directly.
# The same search as the kernel's scripts/extract-vmlinux: every offset of the compressor's magic is tried until
# one decompresses to an ELF file (6.12 is zstd, 6.1 is xz).
img=$tmp/root/boot/vmlinuz-$kver
try_decompress() { # MAGIC (tr escapes) FILLER (one char fewer than the magic) DECOMPRESSOR...
  local magic=$1 filler=$2 pos; shift 2
  for pos in $(tr "$magic\n$filler" "\n$filler=" < "$img" | grep -abo "^$filler" | cut -d: -f1); do
    tail -c "+$pos" "$img" | "$@" > "$tmp/vmlinux" 2>/dev/null || true
    if [ "$(head -c 4 "$tmp/vmlinux" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
      return 0
    fi
  done
  return 1
}
try_decompress '\050\265\057\375' xxx zstd -qdc ||
  try_decompress '\3757zXZ\000' abcde xz -dc ||
  try_decompress '\037\213\010' xy gzip -dc ||
  { echo "fetch-kernel: no compressed ELF kernel found in $img" >&2; exit 1; }

mkdir -p "$tmp/lib/modules"
for mods in "$tmp/root/lib/modules/$kver" "$tmp/root/usr/lib/modules/$kver"; do # bookworm: /lib, trixie: /usr/lib
  [ -d "$mods" ] && mv "$mods" "$tmp/lib/modules/$kver" && break
done
[ -d "$tmp/lib/modules/$kver" ] || { echo "fetch-kernel: no modules for $kver in $deb" >&2; exit 1; }
depmod -b "$tmp" "$kver"
rm -rf "$tmp/root" "$deb"
rm -rf "$out"
mv "$tmp" "$out"
echo "$out"
