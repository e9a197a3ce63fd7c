#!/usr/bin/env bash
# A signed RAUC bundle (verity format) of a root slot image, for updates in the field.
#   in:  OUT, VERSION, SLOT (squashfs slot image), BUNDLE (output path), UPDATE_CERT, UPDATE_KEY,
#        [COMPATIBLE] (onetrip-x86_64; onetrip-x86_64-dev with development keys)
set -euo pipefail
OUT=${OUT:?}; VERSION=${VERSION:?}; SLOT=${SLOT:?}; BUNDLE=${BUNDLE:?}
d=$(mktemp -d "$OUT/bundle.XXXX")
cat > "$d/manifest.raucm" <<X
[update]
compatible=${COMPATIBLE:-onetrip-x86_64}
version=$VERSION
description=OneTrip terminal firmware $VERSION

[bundle]
format=verity

[image.rootfs]
filename=rootfs.squashfs
X
ln "$SLOT" "$d/rootfs.squashfs" 2>/dev/null || cp "$SLOT" "$d/rootfs.squashfs"
rm -f "$BUNDLE"
# No --keyring here: with a codeSigning signer RAUC 1.8 refuses its own purpose check at build
# time; the terminal checks the purpose (check-purpose=codesign in system.conf).
rauc bundle --cert="$UPDATE_CERT" --key="$UPDATE_KEY" \
  --mksquashfs-args="-comp zstd -Xcompression-level 3" "$d" "$BUNDLE" >/dev/null
rm -rf "$d"
echo "bundle: $BUNDLE ($(du -h "$BUNDLE" | cut -f1), version $VERSION)"
