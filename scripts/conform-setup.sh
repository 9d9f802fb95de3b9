#!/usr/bin/env bash
# Set-up for `iommu-spec conform`: QEMU, busybox, cpio and kernel headers from Debian by package
# name; the newest Debian 6.12 and 6.1 amd64 kernel images unpacked into .cache/conform/ (nothing
# is installed into /boot); the guest agent (agent/) built per kernel; one base initramfs per
# kernel. Idempotent: a second run finds everything in place and only checks it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=$ROOT/.cache/conform
mkdir -p "$CACHE"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive

# newest version of a Debian kernel series for which both the unsigned image and the headers exist
newest() { # $1: pattern for the ABI name, e.g. '6\.12\.[0-9]+\+deb12' or '6\.1\.0-[0-9]+'
  local abi
  for abi in $(apt-cache search --names-only "^linux-image-.*-amd64-unsigned$" 2>/dev/null \
      | awk '{print $1}' | sed -nE "s/^linux-image-($1)-amd64-unsigned$/\1/p" | sort -Vr); do
    if apt-cache show "linux-headers-$abi-amd64" >/dev/null 2>&1; then echo "$abi"; return 0; fi
  done
  return 1
}

have_all_pkgs() {
  command -v qemu-system-x86_64 >/dev/null && [ -x /bin/busybox ] && command -v cpio >/dev/null \
    && command -v gcc >/dev/null && command -v make >/dev/null
}

# The ELF vmlinux inside a bzImage: QEMU boots it directly through its PVH note (CONFIG_PVH=y),
# which skips the guest's own decompression (about 5-10 s of emulated CPU per boot under TCG).
extract_vmlinux() { # $1 bzImage, $2 output
  local spec cmd magic off
  for spec in 'xz -dc:\xfd7zXZ\x00' 'zstd -dcq:\x28\xb5\x2f\xfd' 'gzip -dc:\x1f\x8b\x08'; do
    cmd=${spec%%:*}; magic=${spec#*:}
    for off in $(LC_ALL=C grep -obUaP "$magic" "$1" | cut -d: -f1); do
      tail -c +$((off + 1)) "$1" | $cmd >"$2" 2>/dev/null || true
      if [ "$(head -c4 "$2" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then return 0; fi
    done
  done
  rm -f "$2"
  return 1
}

UPDATED=0
apt_update_once() { if [ $UPDATED = 0 ]; then echo "== apt-get update"; $SUDO apt-get update -qq; UPDATED=1; fi; }

ABI_612=$(newest '6\.12\.[0-9]+\+deb12' || true)
ABI_61=$(newest '6\.1\.0-[0-9]+' || true)
if [ -z "$ABI_612" ] || [ -z "$ABI_61" ]; then
  apt_update_once
  ABI_612=$(newest '6\.12\.[0-9]+\+deb12')
  ABI_61=$(newest '6\.1\.0-[0-9]+')
fi

PKGS="qemu-system-x86 busybox-static cpio gcc make libc6-dev xz-utils zstd linux-headers-$ABI_612-amd64 linux-headers-$ABI_61-amd64"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ] || ! have_all_pkgs; then
  apt_update_once
  echo "== apt-get install$missing"
  # The 6.12 headers depend on the image package; INITRD=No keeps its postinst from generating
  # an initramfs for /boot (minutes on two cores), which the QEMU guests never use.
  $SUDO env INITRD=No DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends $PKGS >/dev/null
fi

# the agent's user-space helper: static, so the initramfs needs no libc
HELPER=$CACHE/agentctl
if [ ! -x "$HELPER" ] || [ agent/agentctl.c -nt "$HELPER" ]; then
  echo "== agentctl"
  gcc -O2 -Wall -Werror -static -o "$HELPER" agent/agentctl.c
fi

for series in 6.12 6.1; do
  if [ "$series" = 6.12 ]; then abi=$ABI_612; else abi=$ABI_61; fi
  rel="$abi-amd64"
  dir=$CACHE/$series
  mkdir -p "$dir"
  if [ ! -s "$dir/vmlinuz" ] || [ "$(cat "$dir/release" 2>/dev/null)" != "$rel" ]; then
    echo "== kernel image $rel"
    tmp=$(mktemp -d)
    (cd "$tmp" && apt-get download -qq "linux-image-$rel-unsigned" && dpkg-deb -x ./*.deb x)
    cp "$tmp/x/boot/vmlinuz-$rel" "$dir/vmlinuz"
    cp "$tmp/x/boot/config-$rel" "$dir/config"
    rm -rf "$tmp"
    echo "$rel" >"$dir/release"
    rm -f "$dir/agent.ko" "$dir/vmlinux"
  fi
  if [ ! -s "$dir/vmlinux" ]; then
    echo "== vmlinux (ELF) from $rel"
    extract_vmlinux "$dir/vmlinuz" "$dir/vmlinux" || echo "   (none found: booting the compressed image)"
  fi
  # the module, built out of tree in the cache (the source folder stays clean)
  build=$dir/build
  if [ ! -s "$dir/agent.ko" ] || [ -n "$(find agent -name '*.[ch]' -newer "$dir/agent.ko" -o -name Kbuild -newer "$dir/agent.ko")" ]; then
    echo "== agent.ko for $rel"
    rm -rf "$build"; mkdir -p "$build"
    cp agent/Kbuild agent/*.c agent/*.h "$build/" 2>/dev/null || true
    rm -f "$build/agentctl.c"
    make -s -C "/usr/src/linux-headers-$rel" M="$build" modules >"$build/make.log" 2>&1 \
      || { cat "$build/make.log"; exit 1; }
    cp "$build/agent.ko" "$dir/agent.ko"
  fi
  # the base initramfs: busybox, /init, the module and the helper (commands are appended per run)
  if [ ! -s "$dir/base.cpio" ] || [ "$dir/agent.ko" -nt "$dir/base.cpio" ] || [ agent/init -nt "$dir/base.cpio" ] \
      || [ "$HELPER" -nt "$dir/base.cpio" ]; then
    echo "== initramfs for $rel"
    root=$(mktemp -d)
    mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
    cp /bin/busybox "$root/bin/busybox"
    cp agent/init "$root/init"; chmod 755 "$root/init"
    cp "$dir/agent.ko" "$root/agent.ko"
    cp "$HELPER" "$root/bin/agentctl"
    (cd "$root" && find . | sort | cpio -o -H newc --quiet >"$dir/base.cpio")
    rm -rf "$root"
  fi
done
echo "conform set-up ready: 6.12 = $(cat "$CACHE/6.12/release"), 6.1 = $(cat "$CACHE/6.1/release")"
