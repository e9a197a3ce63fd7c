#!/usr/bin/env bash
# The image's least-privilege checks that need no boot (as root, after image/build; CI runs them
# before the boot test). Each prints what it measured and fails the run on a breach:
#
#   image/lib/check-image.sh [--out DIR]        (DIR as given to image/build, default image/out)
#
# 1. exposure: `systemd-analyze security --offline=true` of every OneTrip unit in the built root
#    tree, against its bound — the units that read what others send (the kiosk, the log stick's
#    writer) at most 2.5, as tight as systemd's own timesyncd; the privileged one-shots at most 4.5.
# 2. keyboards: the image's udev rules, run by the image's own udev (`udevadm test` in the tree,
#    against made-up input devices in a private /sys): only the touch panel reaches libinput; a
#    keyboard, a touch screen that also has keys, a mouse, an unknown panel are ignored.
#    And the serial ports: the scanner's name goes to an on-board ttyS1 only when the kernel found
#    a UART there.
# 3. provisioning: image/provision with a configuration and files whose paths hold spaces, quotes
#    and a newline writes exactly those files, and refuses a destination that is not a plain name.
# 4. a legacy store: the store earlier firmware kept at the data partition's root moves into
#    store/ with the configuration (move-legacy-store), finished after a cut, done once; its unit
#    (onetrip-data.service) runs while there is something to do and is skipped after.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
OUT="$HERE/out"
[ "${1:-}" = "--out" ] && OUT=$2
OUT=$(cd "$OUT" && pwd)
tree="$OUT/rootfs-root"
[ -d "$tree/usr/lib/systemd" ] || { echo "check-image: no root tree in $tree: run image/build first" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "check-image: run as root (chroot, a private /sys)" >&2; exit 2; }
fail=0
breach() { echo "check-image: FAIL: $*" >&2; fail=1; }

echo "== exposure (systemd-analyze security --offline=true, root tree $tree)"
# unit bound: the kiosk and the log stick's writer read what others send; the others are root's.
while read -r unit bound; do
  [ -n "$unit" ] || continue
  line=$(systemd-analyze security --offline=true --root="$tree" "$unit" 2>&1 | grep "Overall exposure level" || true)
  score=$(sed -n 's/.*: \([0-9.]*\) .*/\1/p' <<<"$line")
  [ -n "$score" ] || { breach "$unit: no score ($line)"; continue; }
  printf '  %-38s %4s  (bound %s)\n' "$unit" "$score" "$bound"
  awk -v s="$score" -v b="$bound" 'BEGIN { exit !(s <= b) }' || breach "$unit scores $score, above its bound $bound"
done <<'X'
onetrip.service 2.5
onetrip-logs-stick@sdz1.service 2.5
onetrip-mark-good.service 4.5
onetrip-boot-deadline.service 4.5
onetrip-update-stick@sdz1.service 4.5
onetrip-reboot.service 4.5
onetrip-data.service 4.5
onetrip-drivers.service 4.5
onetrip-growfs.service 4.5
onetrip-boot-report.service 4.5
onetrip-after-ready.service 4.5
X

# Runs the script on stdin (its $1: the tree; then the arguments given) in a private mount
# namespace where the tree's /sys, /run and /dev are empty and /proc is mounted: made-up devices
# for the image's own `udevadm test`.
in_private_sys() {
  unshare -m bash -c 'set -euo pipefail; tree=$1
    for d in sys run dev; do mount -t tmpfs none "$tree/$d"; done
    mount -t proc proc "$tree/proc"
    exec bash -s "$@"' _ "$tree" "$@"
}

echo "== keyboards (the image's udev rules, the image's udevadm, made-up input devices)"
# name vendor product ev key abs rel prop -> expected (libinput uses / ignores it). Capability
# words as the kernel prints them (most significant first): keys in word 0 (KEY_ESC … KEY_D all
# set: a full keyboard; Ctrl, Alt, Backspace only: a few keys), BTN_TOUCH in word 5, mouse
# buttons in word 4; ABS_X|ABS_Y; REL_WHEEL or REL_X|REL_Y; INPUT_PROP_DIRECT (2): a touch screen.
cases=$(cat <<'X'
uses   QEMU-USB-Tablet 0627 0001 1f 70000_0_0_0_0 3 100 0
uses   eGalax-panel 0eef 0001 b 400_0_0_0_0_0 3 0 2
ignore USB-keyboard-with-the-panel's-ids 0627 0001 120013 fffffffe 0 0 0
ignore touch-screen-that-is-a-keyboard 0627 0001 b 400_0_0_0_0_fffffffe 3 0 2
ignore touch-screen-with-Ctrl-Alt-Backspace 0eef 0001 b 400_0_0_0_0_100000020004000 3 0 2
ignore touch-screen-of-another-model 1234 5678 b 400_0_0_0_0_0 3 0 2
ignore USB-mouse 046d c077 7 70000_0_0_0_0 0 103 0
X
)
results=$(in_private_sys "$cases" <<'SCRIPT'
set -euo pipefail
tree=$1; cases=$2
n=0
while read -r expect name vendor product ev key abs rel prop; do
  n=$((n + 1)); d="$tree/sys/devices/virtual/input/input$n"
  mkdir -p "$d/id" "$d/capabilities" "$d/event$n" "$tree/sys/class/input"
  echo "${name//-/ }" > "$d/name"
  echo 0003 > "$d/id/bustype"; echo "$vendor" > "$d/id/vendor"; echo "$product" > "$d/id/product"
  echo 0001 > "$d/id/version"
  echo "$ev" > "$d/capabilities/ev"; echo "${key//_/ }" > "$d/capabilities/key"
  echo "$abs" > "$d/capabilities/abs"; echo "$rel" > "$d/capabilities/rel"
  for c in msc sw led ff snd; do echo 0 > "$d/capabilities/$c"; done
  echo "$prop" > "$d/properties"
  printf 'PRODUCT=3/%s/%s/1\nNAME="%s"\n' "$vendor" "$product" "$name" > "$d/uevent"
  ln -s ../../../../class/input "$d/subsystem"
  printf 'MAJOR=13\nMINOR=%s\nDEVNAME=input/event%s\n' "$((64 + n))" "$n" > "$d/event$n/uevent"
  ln -s ../../../../../class/input "$d/event$n/subsystem"
  # The made-up /sys is a tmpfs: udev's check that a device is on sysfs is skipped.
  props=$(SYSTEMD_DEVICE_VERIFY_SYSFS=0 chroot "$tree" udevadm test --action=add \
            "/sys/devices/virtual/input/input$n/event$n" 2>/dev/null)
  got=uses; grep -qx "LIBINPUT_IGNORE_DEVICE=1" <<<"$props" && got=ignore
  kinds=$(grep -E '^ID_INPUT_[A-Z]+=1' <<<"$props" | sed 's/^ID_INPUT_//; s/=1//' | tr '\n' ' ')
  echo "$expect $got $name ($vendor:$product; udev: ${kinds:-nothing})"
done <<<"$cases"
SCRIPT
)
while read -r expect got rest; do
  printf '  libinput %-6s %s\n' "$got" "$rest"
  [ "$expect" = "$got" ] || breach "the keyboard rule: libinput would $got ${rest%% (*}; expected: $expect"
done <<<"$results"
[ "$(wc -l <<<"$results")" -eq "$(wc -l <<<"$cases")" ] || breach "the keyboard rule: not every device was evaluated"

echo "== serial ports (the image's udev rules, made-up on-board UARTs)"
# The scanner's name goes to a second on-board UART the kernel found (type 4: a 16550A), never to
# the placeholder the 8250 driver makes on a board without one (type 0).
uarts=$(in_private_sys <<'SCRIPT'
set -euo pipefail
tree=$1
mkdir -p "$tree/sys/class/tty"
for type in 4 0; do
  d="$tree/sys/devices/platform/serial8250/tty/ttyS1"
  rm -rf "$d"; mkdir -p "$d"
  echo "$type" > "$d/type"
  printf 'MAJOR=4\nMINOR=65\nDEVNAME=ttyS1\n' > "$d/uevent"
  ln -s ../../../../../class/tty "$d/subsystem"
  props=$(SYSTEMD_DEVICE_VERIFY_SYSFS=0 chroot "$tree" udevadm test --action=add \
            /sys/devices/platform/serial8250/tty/ttyS1 2>/dev/null)
  if grep -q '^DEVLINKS=.*/dev/onetrip/scanner' <<<"$props"; then echo "$type scanner"; else echo "$type none"; fi
done
SCRIPT
)
grep -qx "4 scanner" <<<"$uarts" && echo "  ttyS1, a 16550A: /dev/onetrip/scanner" || breach "a found ttyS1 is not the scanner ($uarts)"
grep -qx "0 none" <<<"$uarts" && echo "  ttyS1, no UART found: no name" || breach "a placeholder ttyS1 claims the scanner's name ($uarts)"

echo "== provisioning (paths with spaces, quotes and a newline)"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# A disk with only the data partition, by its GPT name, as image/provision finds it.
truncate -s 40M "$work/disk.img"
printf 'label: gpt\nstart=2048, size=32MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=onetrip-data\n' \
  | sfdisk -q "$work/disk.img"
mkfs.ext4 -q -F -L onetrip-data "$work/data.img" 32M
dd if="$work/data.img" of="$work/disk.img" bs=1M seek=1 conv=notrunc status=none
odd="$work/a technician's \"files\"
here"
mkdir -p "$odd"
printf '[data]\ndir = "/var/lib/onetrip/store"\n# the configuration\n' > "$odd/my config.toml"
echo "-----CA-----" > "$odd/ca \"new\".pem"
echo "-----KEY----- \$(touch $work/injected)" > "$odd/key;rm x.pem"
provision() { env -u ONETRIP_BIN PATH=/usr/sbin:/usr/bin:/sbin:/bin "$HERE/provision" --image "$work/disk.img" "$@"; }
out=$(provision --config "$odd/my config.toml" --file "$odd/ca \"new\".pem=ca.pem" \
        --file "$odd/key;rm x.pem=tls/terminal.key" 2>&1) || breach "provisioning with odd source paths failed: $out"
dd if="$work/disk.img" of="$work/data.img" bs=1M skip=1 count=32 status=none
for f in "onetrip.toml:# the configuration" "ca.pem:-----CA-----" "tls/terminal.key:-----KEY-----"; do
  name=${f%%:*}; want=${f#*:}
  got=$(debugfs -R "cat config/$name" "$work/data.img" 2>/dev/null || true)
  grep -qF -- "$want" <<<"$got" && echo "  config/$name written" || breach "config/$name not written as given"
  mode=$(debugfs -R "stat config/$name" "$work/data.img" 2>/dev/null | sed -n 's/.*Mode: *\([0-7]*\).*/\1/p')
  [ "$mode" = 0600 ] || breach "config/$name has mode $mode, not 0600"
done
[ ! -e "$work/injected" ] || breach "a source file's content was run"
for dest in '../escape.pem' 'x"; rm config/onetrip.toml; write /etc/passwd "y' "ca.pem
rm config/onetrip.toml" '/etc/abs.pem' 'a//b.pem'; do
  if out=$(provision --config "$odd/my config.toml" --file "$odd/ca \"new\".pem=$dest" 2>&1); then
    breach "destination $(printf %q "$dest") was accepted"
  else
    grep -q "not a plain relative file name" <<<"$out" || breach "destination $(printf %q "$dest"): $out"
  fi
done
dd if="$work/disk.img" of="$work/data.img" bs=1M skip=1 count=32 status=none
debugfs -R "cat config/onetrip.toml" "$work/data.img" 2>/dev/null | grep -qF "# the configuration" \
  && echo "  refused: ../, a quote or a newline in a destination, an absolute path, an empty folder" \
  || breach "a refused destination still changed the partition"
echo "== a store left at the partition's root by earlier firmware"
# The image's own script on a scratch partition: the store and what sits beside it move into
# store/, the configuration follows; a cut in the move or between the two is finished on the next
# run; a second run changes nothing.
legacy="$work/legacy"
mkdir -p "$legacy/config" "$legacy/catalog" "$legacy/rauc"
echo db > "$legacy/onetrip.sqlite3"; echo wal > "$legacy/onetrip.sqlite3-wal"
echo signed > "$legacy/catalog/current.signed"; echo ok > "$legacy/rauc/confirmed-version"
printf '[terminal]\nid = "T"\n[data]\ndir = "%s"\nretention_days = 30\n[ui]\ndir = "%s"\n' \
  "$legacy" "$legacy" > "$legacy/config/onetrip.toml"
cp "$legacy/config/onetrip.toml" "$work/legacy.toml"
# The kiosk owns config/: a link it left where the new configuration is written is not followed.
echo untouched > "$work/target"
ln -s "$work/target" "$legacy/config/onetrip.toml.new"
# Whether onetrip-data.service would run on this partition: its own conditions, with the
# scratch partition in place of /var/lib/onetrip, as systemd evaluates them.
would_run() {
  local conditions=()
  mapfile -t conditions < <(sed -n "s|^\(Condition[A-Za-z]*=.*\)/var/lib/onetrip|\1$legacy|p" \
                              "$tree/etc/systemd/system/onetrip-data.service")
  [ "${#conditions[@]}" -gt 0 ] || breach "onetrip-data.service has no conditions"
  systemd-analyze condition "${conditions[@]}" >/dev/null 2>&1
}
would_run || breach "onetrip-data.service would not run for a store at the partition's root"
# A power cut in the middle of the move, the database already in store/ and its WAL not (the
# marker left): the unit runs again and moves the rest, the WAL with it.
mkdir -p "$legacy/store"
: > "$legacy/.store-moving"
mv "$legacy/onetrip.sqlite3" "$legacy/store/onetrip.sqlite3"
would_run || breach "onetrip-data.service would not take up a move a power cut interrupted"
ONETRIP_DATA=$legacy "$tree/usr/lib/onetrip/move-legacy-store" >/dev/null
# A power cut after the move: the files are in store/, the configuration still old, the marker
# left — the unit runs again and finishes.
[ ! -e "$legacy/.store-moving" ] || breach "the move's marker was left after the move"
cp "$work/legacy.toml" "$legacy/config/onetrip.toml"
: > "$legacy/.store-moving"
would_run || breach "onetrip-data.service would not finish a move a power cut interrupted"
ONETRIP_DATA=$legacy "$tree/usr/lib/onetrip/move-legacy-store" >/dev/null
ONETRIP_DATA=$legacy "$tree/usr/lib/onetrip/move-legacy-store" >/dev/null
! would_run || breach "onetrip-data.service would run again once the move is done"
for f in onetrip.sqlite3:db onetrip.sqlite3-wal:wal catalog/current.signed:signed; do
  grep -qx "${f#*:}" "$legacy/store/${f%%:*}" 2>/dev/null || breach "legacy ${f%%:*} not moved into store/"
  [ ! -e "$legacy/${f%%:*}" ] || breach "legacy ${f%%:*} left at the root"
done
[ "$(sed -n '/^\[data\]/,/^\[/p' "$legacy/config/onetrip.toml" | grep '^dir')" = "dir = \"$legacy/store\"" ] \
  || breach "the configuration's [data] dir was not pointed at store/"
grep -qx "dir = \"$legacy\"" "$legacy/config/onetrip.toml" || breach "another section's dir was changed"
grep -qx ok "$legacy/rauc/confirmed-version" || breach "RAUC's state was touched"
grep -qx untouched "$work/target" || breach "the configuration was written through a link"
[ "$fail" = 0 ] && echo "  moved: the store, its WAL and the catalog; the configuration follows, once (the unit skipped after)"

[ "$fail" = 0 ] && echo "check-image: all checks passed"
exit "$fail"
