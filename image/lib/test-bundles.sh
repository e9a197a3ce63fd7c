#!/usr/bin/env bash
# The boot test's update bundles, made from the image in $OUT (image/build first): the same
# firmware as a newer version, one whose kiosk never gets READY, and the same firmware as a
# still newer version (the power cuts during an install). Each is kept while its
# version matches and it is newer than the image's own slot, so image/test reuses what CI made
# while the cargo tests ran, and an image rebuilt from uncommitted changes (the same version: it
# is the commit's) gets new bundles instead of the last build's.
#   in:  OUT (with VERSION, onetrip.bin and pki/ from image/build)
#   out: $OUT/test-good.raucb, $OUT/test-bad.raucb, $OUT/test-later.raucb (+ .version), and the never-ready firmware's
#        root slot as RAUC writes it ($OUT/test-bad.squashfs: the boot test puts it in slot B
#        before power-on, as an install would, so the fall-back costs no second install)
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:?}
V1=$(cat "$OUT/VERSION")
export OUT KIOSK_BIN="$OUT/onetrip.bin" KEYRING="$OUT/pki/ca.cert.pem" \
  UPDATE_CERT="$OUT/pki/signing.cert.pem" UPDATE_KEY="$OUT/pki/signing.key.pem" \
  COMPATIBLE="$(cat "$OUT/COMPATIBLE" 2>/dev/null || echo onetrip-x86_64-dev)"

make_bundle() { # name version [overlay]
  local name=$1 version=$2 overlay=${3:-}
  [ -s "$OUT/test-$name.raucb" ] && [ -s "$OUT/test-$name.squashfs" ] &&
    [ "$(cat "$OUT/test-$name.version" 2>/dev/null)" = "$version" ] &&
    [ "$OUT/test-$name.squashfs" -nt "$OUT/root.squashfs" ] && return
  SLOT_NAME="test-$name" VERSION="$version" EXTRA_OVERLAY="$overlay" "$HERE/lib/root-slot.sh"
  SLOT="$OUT/test-$name.squashfs" BUNDLE="$OUT/test-$name.raucb" VERSION="$version" "$HERE/lib/bundle.sh"
  echo "$version" > "$OUT/test-$name.version"
  rm -rf "$OUT/rootfs-test-$name"
}
make_bundle good "$V1-u2"
make_bundle bad "$V1-u3-never-ready" "$HERE/test-overlay/never-ready"
make_bundle later "$V1-u4"
