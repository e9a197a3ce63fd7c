#!/usr/bin/env bash
# One root slot: the cached base tree + the overlay (units, udev rules, RAUC config) + the kiosk
# binary + the update keyring, locked down, then a squashfs image built from the directory (the
# root is read-only by nature; nothing is mounted to build it).
#   in:  OUT, VERSION, KIOSK_BIN, KEYRING, [COMPATIBLE], [EXTRA_OVERLAY] (test-only files), [SLOT_NAME]
#   out: $OUT/$SLOT_NAME.squashfs (default root.squashfs), $OUT/rootfs-$SLOT_NAME/ (kept for the manifest)
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:?}; VERSION=${VERSION:?}; KIOSK_BIN=${KIOSK_BIN:?}; KEYRING=${KEYRING:?}
SLOT_NAME=${SLOT_NAME:-root}
tree="$OUT/rootfs-$SLOT_NAME"
tarball=$(ls "$OUT"/cache/base-*.tar)

rm -rf "$tree"; mkdir -p "$tree"
tar -C "$tree" -xf "$tarball"
cp -a "$HERE/overlay/." "$tree/"
if [ -n "${EXTRA_OVERLAY:-}" ]; then cp -a "$EXTRA_OVERLAY/." "$tree/"; fi
# The kiosk's own user (overlay/usr/lib/sysusers.d): made here, the root is read-only at boot.
PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$tree" systemd-sysusers >/dev/null 2>&1
install -m 0755 "$KIOSK_BIN" "$tree/usr/bin/onetrip"
install -m 0644 "$KEYRING" "$tree/etc/rauc/keyring.pem"
# The compatible string: `onetrip-x86_64-dev` for an image with development keys (it says so).
sed -i "s/^compatible=.*/compatible=${COMPATIBLE:-onetrip-x86_64}/" "$tree/etc/rauc/system.conf"
echo "$VERSION" > "$tree/etc/onetrip-version"
cat > "$tree/etc/os-release.d-onetrip" <<X
ONETRIP_VERSION=$VERSION
X
mkdir -p "$tree/boot/efi" "$tree/var/lib/onetrip" "$tree/var/lib/systemd/linger" "$tree/var/lib/systemd/timesync"
# What tmpfiles would link at boot, on a root that is read-only by then.
mkdir -p "$tree/var/lib/dbus"; ln -sfn /etc/machine-id "$tree/var/lib/dbus/machine-id"

# Lock-down: no login anywhere (no getty on any console, root locked), no Ctrl+Alt+Del reboot,
# no VT switching targets, no apt sources; only the kiosk and what it needs run. systemd-fsckd
# only relays fsck's progress to a boot splash there is none of; the data partition's fsck still
# runs, without waiting about 3 s of an emulated boot for it to start.
systemctl --root="$tree" enable onetrip.service onetrip-mark-good.service onetrip-boot-deadline.timer \
  onetrip-reboot.path onetrip-boot-report.service onetrip-growfs.service \
  seatd.service systemd-repart.service systemd-networkd.service onetrip-after-ready.service \
  >/dev/null 2>&1 || true
# Name resolution and time once the kiosk is READY (onetrip-after-ready.service), not beside its
# start; D-Bus and logind only when first asked (systemd's packages start both at every boot): the
# bus's first clients are RAUC (mark-good after READY, or the boot deadline) and a reboot's
# `systemctl reboot`, which also wakes logind; logind has nothing else to do on a terminal where
# nobody logs in (no VTs, power and reboot keys ignored: overlay/etc/systemd/logind.conf.d).
# (Only their sysinit.target.wants links go: their D-Bus aliases stay, for resolvectl and timedatectl.)
rm -f "$tree/etc/systemd/system/sysinit.target.wants/systemd-resolved.service" \
      "$tree/etc/systemd/system/sysinit.target.wants/systemd-timesyncd.service"
rm -f "$tree/lib/systemd/system/multi-user.target.wants/dbus.service" \
      "$tree/lib/systemd/system/multi-user.target.wants/systemd-logind.service"
for u in getty@.service serial-getty@.service getty.target console-getty.service autovt@.service \
         ctrl-alt-del.target debug-shell.service rescue.service emergency.service \
         systemd-firstboot.service apt-daily.timer apt-daily-upgrade.timer \
         rauc-mark-good.service systemd-fsckd.service systemd-fsckd.socket; do
  systemctl --root="$tree" mask "$u" >/dev/null 2>&1
done
# Nothing on the way to the kiosk that a kiosk does not use, each a process (and a module's
# signature check) on the emulated CPU while the kiosk's chain waited: no utmp (nobody logs in), no
# e2scrub snapshots to reap (none is taken), no kernel debug, tracing, config or fuse file systems,
# message queues, huge pages or binfmt, no pstore (its records would go to the read-only root), no
# network from the kernel command line, none of the modules systemd's units load for those; and
# of systemd's generators only fstab's (the others look for encrypted, verity or integrity
# volumes, partitions to mount by GPT type, SysV scripts, gettys, debug shells and hibernation
# images, none of which a terminal has or allows).
for u in systemd-update-utmp.service systemd-update-utmp-runlevel.service e2scrub_reap.service \
         dev-hugepages.mount dev-mqueue.mount sys-fs-fuse-connections.mount sys-kernel-config.mount \
         sys-kernel-debug.mount sys-kernel-tracing.mount proc-sys-fs-binfmt_misc.automount \
         systemd-pstore.service systemd-network-generator.service \
         modprobe@configfs.service modprobe@fuse.service modprobe@efi_pstore.service \
         modprobe@drm.service modprobe@loop.service modprobe@dm_mod.service; do
  systemctl --root="$tree" mask "$u" >/dev/null 2>&1
done
mkdir -p "$tree/etc/systemd/system-generators"
for g in "$tree"/lib/systemd/system-generators/*; do
  [ "$(basename "$g")" = systemd-fstab-generator ] || ln -sfn /dev/null "$tree/etc/systemd/system-generators/$(basename "$g")"
done
sed -i 's/^root:[^:]*:/root:*:/' "$tree/etc/shadow"
echo onetrip > "$tree/etc/hostname"
: > "$tree/etc/machine-id"
rm -f "$tree/etc/apt/sources.list" "$tree/etc/apt/sources.list.d/"* 
# Kernel modules a kiosk never loads (radios, TV cards, clusters, staging): half the slot's size.
kdir=$(ls -d "$tree"/lib/modules/*)
rm -rf "$kdir"/kernel/drivers/net/wireless "$kdir"/kernel/drivers/media "$kdir"/kernel/drivers/infiniband \
       "$kdir"/kernel/drivers/staging "$kdir"/kernel/drivers/gpu/drm/amd "$kdir"/kernel/drivers/gpu/drm/nouveau \
       "$kdir"/kernel/drivers/gpu/drm/radeon "$kdir"/kernel/drivers/net/ethernet/mellanox \
       "$kdir"/kernel/net/bluetooth "$kdir"/kernel/drivers/bluetooth \
       "$kdir"/kernel/net/mac80211 "$kdir"/kernel/net/wireless "$kdir"/kernel/drivers/isdn \
       "$kdir"/kernel/sound/soc "$kdir"/kernel/fs/ocfs2 "$kdir"/kernel/fs/gfs2
PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$tree" depmod "$(basename "$kdir")"
TREE="$tree" HERE="$HERE" "$HERE/lib/initramfs.sh"
# The device nodes whose modules load when a node is first opened (/dev/loop-control for RAUC's
# bundles, /dev/snd/timer, /dev/fuse, …), written now for this slot's kernel instead of by
# kmod-static-nodes.service at every boot, where it stood first in the chain before udev.
awk '!/^#/ && NF == 3 {
       split($3, n, /[cb]/); type = substr($3, 1, 1); node = $2
       path = ""; k = split(node, part, "/")
       for (i = 1; i < k; i++) { path = path "/" part[i]; if (!(path in made)) { made[path]; print "d /dev" path " 0755 - - -" } }
       print type "! /dev/" node " 0600 - - - " n[2] }' "$kdir/modules.devname" \
  > "$tree/usr/lib/tmpfiles.d/onetrip-static-nodes.conf"
systemctl --root="$tree" mask kmod-static-nodes.service >/dev/null 2>&1
# GRUB loads the kernel and initrd from the slot itself, by these fixed names.
ln -sfn "$(cd "$tree" && ls boot/vmlinuz-* | head -1)" "$tree/vmlinuz"
ln -sfn "$(cd "$tree" && ls boot/initrd.img-* | head -1)" "$tree/initrd.img"

# squashfs, LZO: an update writes only the compressed slot (234 MiB, not a 741 MiB ext4 image
# that the terminal first inflates from the bundle: under QEMU that took 52 s of each install),
# and GRUB 2.06 reads it (its squash4 knows gzip, LZO and xz, not zstd). LZO at level 1: of
# those, the fastest to read back at boot (1.3 s for the whole tree on one core, gzip 2.1 s)
# and to build (7 s, against 57 s at LZO's default level for 22 MiB less). The initramfs is stored
# as it is (it is uncompressed itself): GRUB copies it instead of unpacking LZO. So is the kiosk's
# binary: its start faults its pages in at random, and each fault into a compressed slot unpacked
# a whole 128 KiB block (under QEMU, up to 7 s between its first line and its configuration).
used_mb=$(du -sm "$tree" | cut -f1)
rm -f "$OUT/$SLOT_NAME.squashfs"
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0} mksquashfs "$tree" "$OUT/$SLOT_NAME.squashfs" \
  -comp lzo -Xcompression-level 1 -action 'uncompressed@name(initrd.img-*)' -action 'uncompressed@pathname(usr/bin/onetrip)' \
  -noappend -quiet -no-progress >/dev/null
size_mb=$(( ($(stat -c %s "$OUT/$SLOT_NAME.squashfs") + 1048575) / 1048576 ))
[ "$size_mb" -le 1024 ] || { echo "root slot ${size_mb} MiB does not fit a 1 GiB slot" >&2; exit 1; }
echo "root slot: $OUT/$SLOT_NAME.squashfs (${size_mb} MiB, ${used_mb} MiB of files, version $VERSION)"
