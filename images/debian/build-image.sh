#!/usr/bin/env bash
# The installed Debian 12 of the QEMU tests: build/debian/debian.img, a GPT disk with one ext4 root partition
# (root=UUID=, /boot on it) holding Debian's own kernel, its initramfs-tools initrd and the grub.cfg Debian's
# update-grub writes, systemd as init, and a unit that prints FOBNAIL-DEBIAN-MULTI-USER on ttyS0 once
# multi-user.target is reached. No loop device: mmdebstrap builds the tree, sfdisk writes the partition table
# into the image file and mkfs.ext4 -d fills the partition in place.
#
# Usage: images/debian/build-image.sh [--overlay DIR]... OUT.img
#   Without --overlay: the cached image (build/debian/debian.img, rebuilt only when the package list, rootfs/ or
#   the scripts here change). With --overlay: the cached tree plus each DIR's files (copied over it), written to
#   OUT.img (hosted mode's system test installs fobnail-init and dist/ this way). Exit code 3: mmdebstrap could
#   not fetch Debian's packages (no network).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE=$ROOT/build/debian
SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Fixed identities, so grub.cfg's root=UUID= and search --fs-uuid name the filesystem mkfs.ext4 makes.
ROOT_UUID=6f1b3c2a-9d4e-4f5a-8b7c-1e2d3f4a5b6c
ROOT_PARTUUID=0b5e7d3c-2a1f-4e6d-9c8b-7a6f5e4d3c2b
DISK_GUID=9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b
export FOBNAIL_ROOT_UUID=$ROOT_UUID FOBNAIL_ROOT_PARTUUID=$ROOT_PARTUUID

log() { printf '[debian-image] %s\n' "$*" >&2; }

# mmdebstrap's customize hook calls this script back: build-image.sh --customize TREE.
if [ "${1:-}" = --customize ]; then CUSTOMIZE_TREE=$2; set --; fi

overlays=()
while [ $# -gt 1 ]; do
  case $1 in
    --overlay) overlays+=("$(cd "$2" && pwd)"); shift 2 ;;
    *) break ;;
  esac
done
if [ -z "${CUSTOMIZE_TREE:-}" ]; then
  [ $# -eq 1 ] || { sed -n '2,14p' "$0" >&2; exit 2; }
  out=$1
fi

mkdir -p "$CACHE"

build_tree() {
  local tree=$CACHE/rootfs start=$SECONDS
  rm -rf "$tree" "$CACHE/key"
  local include
  include=$(grep -v '^\s*#' "$HERE/packages" | awk 'NF {print $1}' | paste -sd, -)
  log "mmdebstrap $SUITE (minbase + $include)"
  # --mode=root: the build runs as root in a container without user namespaces to spare; /usr/share/doc, man
  # pages and locales are left out (dpkg path-exclude) to keep the image small. force-confold keeps rootfs/'s
  # /etc/initramfs-tools/modules, copied in before the packages that own it are installed.
  if ! nice -n 10 mmdebstrap --mode=root --variant=minbase --include="$include" \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
      --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
      --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='force-confold' --dpkgopt='force-confdef' \
      --essential-hook="cp -a '$HERE/rootfs/.' \"\$1/\"" \
      --customize-hook="'$HERE/build-image.sh' --customize \"\$1\"" \
      "$SUITE" "$tree" "$MIRROR" >"$CACHE/mmdebstrap.log" 2>&1; then
    tail -n 30 "$CACHE/mmdebstrap.log" >&2
    if grep -qE 'Temporary failure resolving|Could not resolve|Failed to fetch|Network is unreachable|Connection refused' "$CACHE/mmdebstrap.log"; then
      log "mmdebstrap could not fetch packages from $MIRROR (no network?); full log: $CACHE/mmdebstrap.log"
      exit 3
    fi
    log "mmdebstrap failed; full log: $CACHE/mmdebstrap.log"
    exit 1
  fi
  echo "$key" > "$CACHE/key"
  log "tree built in $((SECONDS - start)) s: $(du -sh --apparent-size "$tree" | cut -f1)"
}

# Run by mmdebstrap inside its customize hook, with the tree as $1 (its /proc, /sys and /dev are mounted).
customize() {
  local tree=$1
  printf 'UUID=%s / ext4 errors=remount-ro 0 1\n' "$ROOT_UUID" > "$tree/etc/fstab"
  # update-grub with the grub-probe stand-in (no block device exists yet); 10_linux writes root=UUID= only when
  # /dev/disk/by-uuid/UUID exists (test -e), as udev's link does on the installed system: a stand-in that
  # resolves (to /dev/null) is made for the run and removed.
  mv "$tree/usr/sbin/grub-probe" "$tree/usr/sbin/grub-probe.real"
  install -m 0755 "$HERE/grub-probe" "$tree/usr/sbin/grub-probe"
  local made_dev=
  if ! mountpoint -q "$tree/dev"; then
    mkdir -p "$tree/dev/disk/by-uuid"; ln -sfn ../../null "$tree/dev/disk/by-uuid/$ROOT_UUID"; made_dev=1
  else
    log "the tree's /dev is a mount point; not adding /dev/disk/by-uuid (grub.cfg will say root=/dev/vda1)"
  fi
  mkdir -p "$tree/boot/grub"
  chroot "$tree" env FOBNAIL_ROOT_UUID="$ROOT_UUID" FOBNAIL_ROOT_PARTUUID="$ROOT_PARTUUID" update-grub
  [ -z "$made_dev" ] || rm -rf "$tree/dev/disk"
  mv "$tree/usr/sbin/grub-probe.real" "$tree/usr/sbin/grub-probe"
  # The machine gets its own identity on first boot; apt's lists are not needed in the image.
  : > "$tree/etc/machine-id"
  rm -rf "$tree"/var/lib/apt/lists/* "$tree"/var/cache/apt/*.bin
}

# disk TREE OUT: a GPT disk image with TREE as its one ext4 partition.
disk() {
  local tree=$1 out=$2 start=$SECONDS
  local mib size_mib
  mib=$(du -s --block-size=1M "$tree" | cut -f1)
  size_mib=$(( mib + mib / 4 + 128 ))  # room for the journal, inodes and a little growth
  rm -f "$out.tmp"
  truncate -s $(( (size_mib + 2) * 1024 * 1024 )) "$out.tmp"
  printf 'label: gpt\nlabel-id: %s\nstart=2048, size=%s, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, uuid=%s, name="debian-root"\n' \
    "$DISK_GUID" $(( size_mib * 2048 )) "$ROOT_PARTUUID" | sfdisk --quiet "$out.tmp"
  nice -n 10 mkfs.ext4 -q -F -L debian-root -U "$ROOT_UUID" -E offset=$((2048 * 512)) -d "$tree" "$out.tmp" "${size_mib}M"
  mv "$out.tmp" "$out"
  log "$(basename "$out"): $(stat -c %s "$out") bytes ($(du -k "$out" | cut -f1) KiB allocated), written in $((SECONDS - start)) s"
}

if [ -n "${CUSTOMIZE_TREE:-}" ]; then customize "$CUSTOMIZE_TREE"; exit 0; fi

# The tree is rebuilt only when an input changes: the package list, rootfs/, the grub-probe stand-in, and the
# two functions that make the tree (not the disk and overlay steps, which run on every call anyway).
key=$({ echo "$SUITE $MIRROR $ROOT_UUID $ROOT_PARTUUID"; cat "$HERE/packages" "$HERE/grub-probe"; declare -f build_tree customize;
        (cd "$HERE/rootfs" && find . -print0 | LC_ALL=C sort -z | xargs -0 -r stat -c '%n %a %N' && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r cat); } \
      | sha256sum | cut -d' ' -f1)
[ -z "${FOBNAIL_PRINT_TREE_KEY:-}" ] || { echo "$key"; exit 0; }

if [ ! -d "$CACHE/rootfs" ] || [ "$(cat "$CACHE/key" 2>/dev/null)" != "$key" ]; then
  build_tree
  rm -f "$CACHE/debian.img"
fi
if ((${#overlays[@]} == 0)); then
  # The plain image is cached next to the tree; OUT gets a copy (sparse).
  if [ -f "$CACHE/debian.img" ]; then log "debian.img: up to date ($(stat -c %s "$CACHE/debian.img") bytes)"
  else disk "$CACHE/rootfs" "$CACHE/debian.img"; fi
  [ "$(realpath -m "$out")" = "$CACHE/debian.img" ] || cp --sparse=always "$CACHE/debian.img" "$out"
else
  # The tree with the overlays on top, as hard links (a few seconds, no copy of the data); files an overlay
  # replaces are unlinked first, so the cached tree is never written through a link.
  staged=$(mktemp -d "$CACHE/overlay-tree.XXXXXX")
  trap 'rm -rf "$staged"' EXIT
  cp -al "$CACHE/rootfs/." "$staged/"
  for o in "${overlays[@]}"; do
    # File by file: directories already in the tree keep Debian's modes (a 0700 temporary overlay root must not
    # become /'s); new ones are made 0755.
    (cd "$o" && find . \( -type f -o -type l \) -print0) | while IFS= read -r -d '' f; do
      rm -f "$staged/$f"
      mkdir -p "$(dirname "$staged/$f")"
      cp -a "$o/$f" "$staged/$f"
    done
  done
  disk "$staged" "$out"
fi
