#!/usr/bin/env bash
# The project's one install list: the Debian tools atoll's tests use as referees.
# Used by .ci/run and by the README's setup command. Idempotent: installs only what is missing.
set -euo pipefail

PEERS=(
  ostree ostree-tests ostree-boot gnome-desktop-testing gir1.2-ostree-1.0 python3-gi
  rpm python3-rpm rpm2cpio cpio libcap2-bin createrepo-c libsolv-tools dnf dnf-plugins-core
  bubblewrap e2fsprogs busybox-static nginx-light parallel qemu-system-x86
  systemd-standalone-tmpfiles attr xz-utils zstd bzip2 gnupg openssl time
)

missing=()
for p in "${PEERS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

# systemd-standalone-tmpfiles conflicts with a full systemd; systemd provides the same tool.
if dpkg-query -W -f='${Status}' systemd 2>/dev/null | grep -q 'install ok installed'; then
  missing=("${missing[@]/systemd-standalone-tmpfiles}")
fi

clean=()
for p in "${missing[@]}"; do [ -n "$p" ] && clean+=("$p"); done

if [ "${#clean[@]}" -eq 0 ]; then
  echo "setup-peers: all peer tools present" >&2
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup-peers: installing ${clean[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${clean[@]}" >/dev/null
echo "setup-peers: done" >&2
