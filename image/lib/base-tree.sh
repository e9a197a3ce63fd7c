#!/usr/bin/env bash
# The Debian 12 base of the terminal's root: every package the kiosk needs at run time, from
# Debian's packages only, built by mmdebstrap into a tarball. Nothing is mounted (the build
# machines' kernels have no vfat and no loop-mountable ESP), and no mirror is named: the machine's
# own apt sources are passed as mmdebstrap's mirror argument.
#
# The tarball is cached under $OUT/cache by a hash of this file, so changing the package list (or
# anything else here) rebuilds it and nothing else does.
set -euo pipefail
OUT=${OUT:?OUT must name the output folder}
SOURCES=${APT_SOURCES:-/etc/apt/sources.list.d/debian.sources}
[ -f "$SOURCES" ] || SOURCES=/etc/apt/sources.list

# The kiosk and what it links or runs: systemd (notify + watchdog), udev (stable device names),
# systemd-resolved/systemd-timesyncd (upstream by name, a clock good enough for TLS),
# libinput/libseat/seatd/libxkbcommon (Slint's linuxkms backend), fontconfig (linked by Slint),
# espeak-ng + ALSA (voice guidance), ca-certificates (HTTPS upstream), rauc + grub-common (A/B
# updates: rauc's grub backend edits grubenv with grub-editenv), e2fsprogs (grown data partition),
# openssl (a log stick's arming note is checked against the update CA: logs-to-stick),
# busybox-static (the initramfs's only program: lib/initramfs.sh). initramfs-tools is there because
# the kernel package depends on it; the initramfs it makes is replaced by lib/initramfs.sh's.
PKGS=(
  systemd systemd-sysv udev dbus kmod linux-image-amd64 initramfs-tools zstd
  libinput10 libseat1 seatd libxkbcommon0 libudev1 libfontconfig1
  systemd-resolved systemd-timesyncd
  espeak-ng alsa-utils ca-certificates openssl
  rauc rauc-service grub-common e2fsprogs busybox-static
)

key=$(sha256sum < "$0" | cut -c1-16)
tarball="$OUT/cache/base-$key.tar"
mkdir -p "$OUT/cache"
if [ -s "$tarball" ]; then
  echo "base tree: cached $tarball"
  exit 0
fi
rm -f "$OUT"/cache/base-*.tar
echo "base tree: mmdebstrap bookworm (${#PKGS[@]} packages)"
include=$(IFS=,; echo "${PKGS[*]}")
mmdebstrap --variant=minbase --format=tar --include="$include" \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/zh_CN/*' \
  --essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d"; echo COMPRESS=zstd > "$1/etc/initramfs-tools/conf.d/zstd"' \
  --essential-hook='echo MODULES=list > "$1/etc/initramfs-tools/conf.d/modules-list"' \
  --customize-hook='chroot "$1" dpkg-query -W -f "\${Package}\t\${Version}\t\${Architecture}\t\${source:Package}\t\${source:Version}\n" > "$1/usr/share/onetrip-packages.tsv"' \
  bookworm "$tarball.tmp" "$SOURCES"
mv "$tarball.tmp" "$tarball"
echo "base tree: $(du -h "$tarball" | cut -f1) $tarball"
