#!/usr/bin/env bash
# The flashable disk: GPT with fixed UUIDs — ESP (GRUB + grubenv), root-a (the slot just built),
# root-b (empty until the first update), onetrip-data (grown to the disk at first boot) — plus
# its block map for bmaptool and a zstd copy for technicians. Nothing is mounted.
#   in:  OUT (with root.squashfs), [DATA_DIR] (files for the data partition, e.g. a provisioned config)
#   out: $OUT/onetrip.img, onetrip.img.bmap, onetrip.img.zst
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:?}
cd "$OUT"
rm -rf esp; mkdir -p esp
grub-mkimage -O x86_64-efi -p /EFI/onetrip -c "$HERE/boot/early.cfg" -o esp/BOOTX64.EFI \
  part_gpt fat squash4 normal linux echo test configfile loadenv regexp serial terminal search \
  search_fs_file sleep reboot all_video efi_gop
grub-editenv esp/grubenv create
grub-editenv esp/grubenv set ORDER="A B" A_OK=1 A_TRY=0 B_OK=0 B_TRY=0
rm -f esp.img
mkfs.vfat -n ESP -i 4f4e4554 -C esp.img 65536 >/dev/null
mmd -i esp.img ::/EFI ::/EFI/BOOT ::/EFI/onetrip
mcopy -i esp.img esp/BOOTX64.EFI ::/EFI/BOOT/BOOTX64.EFI
mcopy -i esp.img "$HERE/boot/grub.cfg" esp/grubenv ::/EFI/onetrip/

data_src=$(mktemp -d)
mkdir -p "$data_src/config" "$data_src/cache" "$data_src/rauc" "$data_src/store"
chmod 700 "$data_src" "$data_src/config"
if [ -n "${DATA_DIR:-}" ]; then cp -a "$DATA_DIR/." "$data_src/"; fi
rm -f data.img
mkfs.ext4 -q -F -d "$data_src" -L onetrip-data -U clear -E root_owner=0:0 data.img 64M
rm -rf "$data_src"

root_mb=$(( ($(stat -c %s root.squashfs) + 1048575) / 1048576 ))
[ "$root_mb" -le 1024 ] || { echo "root.squashfs is larger than a 1 GiB slot" >&2; exit 1; }
rm -f onetrip.img
truncate -s 2178M onetrip.img                    # 1 + 64 + 2 × 1024 + 64 + 1 MiB
sfdisk -q onetrip.img <<'X'
label: gpt
label-id: 4F4E4554-5249-5000-0000-000000000000
start=2048, size=64MiB,   type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=esp,          uuid=4F4E4554-5249-5000-0000-000000000001
            size=1024MiB, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name=root-a,       uuid=4F4E4554-5249-5000-0000-00000000000A
            size=1024MiB, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name=root-b,       uuid=4F4E4554-5249-5000-0000-00000000000B
            size=64MiB,   type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=onetrip-data, uuid=4F4E4554-5249-5000-0000-0000000000DA
X
dd if=esp.img  of=onetrip.img bs=1M seek=1    conv=notrunc,sparse status=none
dd if=root.squashfs of=onetrip.img bs=1M seek=65  conv=notrunc,sparse status=none
dd if=data.img of=onetrip.img bs=1M seek=2113 conv=notrunc,sparse status=none
bmaptool -q create -o onetrip.img.bmap onetrip.img
rm -f onetrip.img.zst
zstd -q -T0 -${ZSTD_LEVEL:-12} onetrip.img -o onetrip.img.zst
echo "disk: $OUT/onetrip.img ($(du -h --apparent-size onetrip.img | cut -f1) apparent, $(du -h onetrip.img | cut -f1) allocated), onetrip.img.zst $(du -h onetrip.img.zst | cut -f1)"
