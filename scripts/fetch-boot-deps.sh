#!/bin/sh
# Fetches what the QEMU boot test needs into a cache dir (no binaries in the repo):
# Debian's cloud kernel (the versioned image package behind linux-image-cloud-amd64,
# resolved on every run because superseded ABI packages leave the archive),
# busybox-static and ostree-boot (ostree-prepare-root), each unpacked with dpkg-deb -x.
# Usage: scripts/fetch-boot-deps.sh [CACHE_DIR]   (default: $ATOLL_BOOT_CACHE or ~/.cache/atoll-boot)
# Prints the cache dir; writes CACHE/env with KVER=... for the fixture builder.
set -eu
cache=${1:-${ATOLL_BOOT_CACHE:-$HOME/.cache/atoll-boot}}
mkdir -p "$cache/debs" "$cache/root"
meta=linux-image-cloud-amd64
image=$(apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1)
[ -n "$image" ] || { echo "fetch-boot-deps: cannot resolve $meta (run apt-get update)" >&2; exit 1; }
cd "$cache/debs"
for pkg in "$image" busybox-static ostree-boot; do
  if ! ls "${pkg}"_*.deb >/dev/null 2>&1; then
    apt-get download "$pkg" >&2
  fi
done
cd "$cache"
stamp="$cache/root/.unpacked-$image"
if [ ! -e "$stamp" ]; then
  rm -rf "$cache/root" && mkdir -p "$cache/root"
  for deb in debs/"${image}"_*.deb debs/busybox-static_*.deb debs/ostree-boot_*.deb; do
    dpkg-deb -x "$deb" "$cache/root"
  done
  touch "$stamp"
fi
kver=$(ls "$cache/root/lib/modules" | head -n1)
printf 'KVER=%s\nIMAGE_PACKAGE=%s\n' "$kver" "$image" > "$cache/env"
echo "$cache"
