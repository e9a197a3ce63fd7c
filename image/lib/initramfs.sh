#!/usr/bin/env bash
# The terminal's initramfs, packed from the root slot's own tree: busybox (Debian's static build),
# the init script beside this file, the storage drivers a terminal's disk may sit on with
# squashfs, in the order modprobe resolves their dependencies, and ext4 with e2fsck for the data
# partition. About 12 MB, uncompressed: the kernel copies it instead of unpacking 6 MB of zstd, and
# the init mounts the slot and the data partition without udev.
# initramfs-tools (udev, a shell framework, every hook) took ~2 s of an emulated boot to do the
# same, and its image ~1 s more to read and unpack.
#   in:  TREE (a root slot's tree, modules and busybox-static installed), HERE (image/)
#   out: $TREE/boot/initrd.img-<kernel version> (what the slot's /initrd.img points at)
set -euo pipefail
TREE=${TREE:?}; HERE=${HERE:?}
kdir=$(ls -d "$TREE"/lib/modules/*); kver=$(basename "$kdir")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,root,lib/modules}
install -m 0755 "$TREE/bin/busybox" "$stage/bin/busybox"
install -m 0755 "$HERE/lib/initramfs-init" "$stage/init"
# The kernel opens the console for init before init mounts devtmpfs.
mknod -m 0600 "$stage/dev/console" c 5 1
# Every controller a terminal's own disk may sit on and squashfs, in groups the init loads one
# after the other until the slot appears (squashfs first: it is always needed). No USB: a terminal
# boots from its own disk, and a stick left in is the root's business.
groups=("squashfs" "virtio_pci virtio_blk" "nvme" "ahci ata_piix sd_mod" "sdhci_pci sdhci_acpi mmc_block"
        "virtio_scsi sd_mod")
loaded=" "
in_tree() { PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$TREE" "$@"; }
# Appends a line of modules to a list: modprobe's own order, each module after what it needs; what
# an earlier line loaded is skipped.
add_modules() {
  local list=$1 line="" path name
  shift
  for path in $(in_tree modprobe --set-version "$kver" --show-depends -a "$@" |
                awk '$1 == "insmod" { print $2 }'); do
    name=$(basename "$path")
    case "$loaded" in *" $name "*) continue ;; esac
    loaded="$loaded$name "
    install -m 0644 "$TREE$path" "$stage/lib/modules/$name"
    line="$line $name"
  done
  [ -n "$line" ] || { echo "initramfs: no module for $*" >&2; exit 1; }
  echo "${line# }" >> "$list"
}
: > "$stage/lib/modules/load-order"
for group in "${groups[@]}"; do
  # shellcheck disable=SC2086 # a group is a list of module names
  add_modules "$stage/lib/modules/load-order" $group
done
# The data partition (store, queue, configuration, RAUC's state): ext4, checked by Debian's
# e2fsck before it is mounted, as systemd-fsck would (the init says why it is done here). e2fsck
# is the slot's own, with the libraries it links (ldd in the tree).
: > "$stage/lib/modules/data-order"
add_modules "$stage/lib/modules/data-order" ext4
# Links are resolved inside the tree (the loader's is absolute: resolved on the build machine it
# would be the build machine's own), and a failed ldd stops the build.
e2fsck=$(in_tree readlink -f /sbin/e2fsck)
linked=$(in_tree ldd "$e2fsck")
for file in "$e2fsck" $(awk '$2 == "=>" { print $3 } $1 ~ /^\// { print $1 }' <<<"$linked"); do
  install -D -m 0755 "$TREE$(in_tree readlink -f "$file")" "$stage$file"
done
ln -s "$e2fsck" "$stage/bin/e2fsck"
mkdir -p "$stage/etc"
ln -s /proc/mounts "$stage/etc/mtab"
# The check runs from the initramfs as it will at boot: with only what was packed.
chroot "$stage" /bin/e2fsck -V >/dev/null 2>&1 || { echo "initramfs: e2fsck does not run from the initramfs" >&2; exit 1; }
# The same files, modes and times from the same tree (busybox's cpio still writes the staging
# directory's inode numbers into its headers: not byte for byte).
find "$stage" -exec touch -h -d "@${SOURCE_DATE_EPOCH:-0}" {} +
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | "$TREE/bin/busybox" cpio -o -H newc 2>/dev/null) \
  > "$TREE/boot/initrd.img-$kver"
echo "initramfs: $(du -h "$TREE/boot/initrd.img-$kver" | cut -f1), $(wc -w < "$stage/lib/modules/load-order") modules in $(wc -l < "$stage/lib/modules/load-order") groups"
