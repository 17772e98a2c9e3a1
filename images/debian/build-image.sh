#!/usr/bin/env bash
# The installed Debian 12 of the QEMU tests: build/debian/debian.img, a GPT disk with one ext4 root partition
# (root=UUID=, /boot on it) holding Debian's own kernel, its initramfs-tools initrd and the grub.cfg Debian's
# update-grub writes, systemd as init, and a unit that prints FOBNAIL-DEBIAN-MULTI-USER on ttyS0 once
# multi-user.target is reached. No loop device: mmdebstrap builds the tree, sfdisk writes the partition table
# into the image file and mkfs.ext4 -d fills the partition in place.
#
# Usage: images/debian/build-image.sh [--overlay DIR]... OUT.img
#        images/debian/build-image.sh --luks-key KEYFILE|- OUT.img
#   Without --overlay: the cached image (build/debian/debian.img, rebuilt only when the package list, rootfs/ or
#   the scripts here change). With --overlay: the cached tree plus each DIR's files (copied over it), written to
#   OUT.img (hosted mode's system test installs fobnail-init and dist/ this way). With --luks-key: the same
#   Debian with its root filesystem on LUKS2, unlocked by Debian's own initramfs (cryptsetup-initramfs) with a
#   key file it expects at /cryptroot/keyfiles/root.key in the initramfs (where fobnail.secret=root:... puts the
#   token's key): an ext4 /boot partition (kernel, initrd, grub.cfg; cached as build/debian/luks/) and a LUKS2
#   partition encrypted on every call with the key read from KEYFILE (- = stdin), which is in no file written
#   here. Exit code 3: mmdebstrap could not fetch Debian's packages (no network).
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
    --luks-key) luks_key=$2; shift 2 ;;
    *) break ;;
  esac
done
if [ -z "${CUSTOMIZE_TREE:-}" ]; then
  [ $# -eq 1 ] || { sed -n '2,16p' "$0" >&2; exit 2; }
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

# The root-on-LUKS variant (--luks-key). Its own identities: /boot's filesystem and partition, the LUKS2 header
# (crypttab names it by UUID=), the ext4 inside it (grub.cfg says root=/dev/mapper/root, so fobnail-init's boot
# step does not wait for a filesystem it cannot see), and the crypttab target name.
LUKS_NAME=root
LUKS_UUID=3c9a1e57-6b2d-4f80-9e14-a7d5c3b2e1f0
LUKS_PARTUUID=5d2c8b1a-7e3f-4a96-b0c4-d1e2f3a4b5c6
LUKS_ROOT_UUID=8a7b6c5d-4e3f-4201-9a8b-7c6d5e4f3a2b
BOOT_UUID=2e4f6a8c-1b3d-4e5f-a7b9-c1d3e5f7a9b1
BOOT_PARTUUID=7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2f10
LUKS_DISK_GUID=4b3a2f1e-0d9c-4b8a-9f6e-5d4c3b2a1f0e

# luks_parts: build/debian/luks/boot.ext4 and root.ext4, the two filesystems of the variant, made from the cached
# tree (as hard links; what the chroot writes or what is replaced is copied or unlinked first, so the cached tree
# is never written through a link). In that copy: /etc/crypttab names the root volume with the key file
# /cryptroot/keyfiles/root.key and the `initramfs` option (cryptroot's hook cannot see the device in a chroot, and
# the option makes it write the entry anyway); KEYFILE_PATTERN in the hook's conf-hook matches that path, so the
# hook writes the initramfs's crypttab with /cryptroot/keyfiles/root.key and would copy the file if it existed:
# it does not, on the disk or in the initrd, so the key must come from outside (the archive fobnail-init appends).
# Then Debian's update-initramfs and update-grub (grub-probe and grub-mkrelpath stood in for, see luks/) run in it.
luks_parts() {
  local dir=$CACHE/luks start=$SECONDS
  rm -rf "$dir"; mkdir -p "$dir"
  local stage=$dir/tree
  mkdir "$stage"
  cp -al "$CACHE/rootfs/." "$stage/"
  rm -rf "$stage/boot" "$stage/var/lib/initramfs-tools"
  cp -a "$CACHE/rootfs/boot" "$stage/boot"
  rm -f "$stage/etc/crypttab" "$stage/etc/fstab" "$stage/etc/cryptsetup-initramfs/conf-hook" \
        "$stage/usr/sbin/grub-probe" "$stage/usr/bin/grub-mkrelpath"
  printf '# <target> <source> <key file> <options>\n%s UUID=%s /cryptroot/keyfiles/%s.key luks,initramfs\n' \
    "$LUKS_NAME" "$LUKS_UUID" "$LUKS_NAME" > "$stage/etc/crypttab"
  printf '/dev/mapper/%s / ext4 errors=remount-ro 0 1\nUUID=%s /boot ext4 defaults 0 2\n' "$LUKS_NAME" "$BOOT_UUID" > "$stage/etc/fstab"
  # Debian's default conf-hook is comments only; this is its one setting for key files.
  printf '# Key files of /etc/crypttab that go to /cryptroot/keyfiles/ in the initramfs (none exists on this disk:\n# fobnail-init hands the key over there).\nKEYFILE_PATTERN="/cryptroot/keyfiles/*.key"\n' \
    > "$stage/etc/cryptsetup-initramfs/conf-hook"
  # The hook warns about a permissive umask once KEYFILE_PATTERN is set (Debian's advice: UMASK=0077).
  echo UMASK=0077 > "$stage/etc/initramfs-tools/conf.d/fobnail-luks.conf"
  install -m 0755 "$HERE/luks/grub-probe" "$stage/usr/sbin/grub-probe"
  install -m 0755 "$HERE/luks/grub-mkrelpath" "$stage/usr/bin/grub-mkrelpath"
  local version
  version=$(basename "$(ls -d "$stage"/lib/modules/*)")
  # -c: the initrd is made anew (the tree keeps no initramfs-tools state; the plain initrd is replaced). /proc as
  # in mmdebstrap's hook: the hook reads /proc/cpuinfo for AES-NI (adds aesni_intel) and /proc/mounts.
  rm -f "$stage/boot/initrd.img-$version"
  mount -t proc proc "$stage/proc"
  trap 'umount "$stage/proc" 2>/dev/null || true' EXIT
  chroot "$stage" update-initramfs -c -k "$version" >"$dir/update-initramfs.log" 2>&1 || { cat "$dir/update-initramfs.log" >&2; exit 1; }
  chroot "$stage" env FOBNAIL_ROOT_UUID="$LUKS_ROOT_UUID" FOBNAIL_BOOT_UUID="$BOOT_UUID" FOBNAIL_BOOT_PARTUUID="$BOOT_PARTUUID" \
    FOBNAIL_LUKS_NAME="$LUKS_NAME" update-grub >"$dir/update-grub.log" 2>&1 || { cat "$dir/update-grub.log" >&2; exit 1; }
  umount "$stage/proc"; trap - EXIT
  rm -f "$stage/usr/sbin/grub-probe" "$stage/usr/bin/grub-mkrelpath"
  ln "$CACHE/rootfs/usr/sbin/grub-probe" "$stage/usr/sbin/grub-probe"
  ln "$CACHE/rootfs/usr/bin/grub-mkrelpath" "$stage/usr/bin/grub-mkrelpath"
  rm -f "$stage"/boot/*.dpkg-bak "$stage"/boot/*.old-dkms
  mv "$stage/boot" "$dir/boot-tree"
  mkdir -m 0755 "$stage/boot"
  local boot_mib root_mib
  boot_mib=$(( $(du -s --block-size=1M "$dir/boot-tree" | cut -f1) * 2 + 32 ))
  root_mib=$(du -s --block-size=1M "$stage" | cut -f1)
  root_mib=$(( root_mib + root_mib / 4 + 128 ))
  nice -n 10 mkfs.ext4 -q -F -L debian-boot -U "$BOOT_UUID" -d "$dir/boot-tree" "$dir/boot.ext4" "${boot_mib}M"
  # The root filesystem leaves 16 MiB for the LUKS2 header the encryption adds in front of it (luks_disk).
  truncate -s "$(( (root_mib + 16) * 1024 * 1024 ))" "$dir/root.ext4"
  nice -n 10 mkfs.ext4 -q -F -L debian-root -U "$LUKS_ROOT_UUID" -d "$stage" "$dir/root.ext4" "${root_mib}M"
  rm -rf "$stage" "$dir/boot-tree"
  echo "$luks_key_of_parts" > "$dir/key"
  log "root-on-LUKS filesystems made in $((SECONDS - start)) s: /boot ${boot_mib} MiB, / ${root_mib} MiB"
}

# luks_disk KEYFILE OUT: the GPT disk of the variant, its root partition encrypted with KEYFILE's bytes (offline:
# cryptsetup reencrypt --encrypt on a copy of the cached root filesystem, no loop device or device-mapper). PBKDF2
# at 1000 iterations keeps unlocking cheap under TCG; a real install keeps Debian's argon2id.
luks_disk() {
  local keyfile=$1 out=$2 dir=$CACHE/luks start=$SECONDS
  local boot_bytes root_bytes
  boot_bytes=$(stat -c %s "$dir/boot.ext4"); root_bytes=$(stat -c %s "$dir/root.ext4")
  local boot_start=2048 root_start=$(( 2048 + boot_bytes / 512 ))
  rm -f "$out.tmp" "$out.root"
  truncate -s $(( (root_start + 2048) * 512 + root_bytes )) "$out.tmp"
  printf 'label: gpt\nlabel-id: %s\nstart=%s, size=%s, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=%s, name="debian-boot"\nstart=%s, size=%s, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, uuid=%s, name="debian-root"\n' \
    "$LUKS_DISK_GUID" "$boot_start" $(( boot_bytes / 512 )) "$BOOT_PARTUUID" "$root_start" $(( root_bytes / 512 )) "$LUKS_PARTUUID" \
    | sfdisk --quiet "$out.tmp"
  dd if="$dir/boot.ext4" of="$out.tmp" bs=1M seek=$(( boot_start * 512 )) oflag=seek_bytes conv=notrunc,sparse status=none
  cp --sparse=always "$dir/root.ext4" "$out.root"
  if ! nice -n 10 cryptsetup reencrypt --encrypt --type luks2 --uuid "$LUKS_UUID" --label debian-root --reduce-device-size 16M \
      --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --batch-mode --key-file "$keyfile" "$out.root"; then
    rm -f "$out.tmp" "$out.root"; log "cryptsetup reencrypt --encrypt failed"; exit 1
  fi
  dd if="$out.root" of="$out.tmp" bs=1M seek=$(( root_start * 512 )) oflag=seek_bytes conv=notrunc,sparse status=none
  rm -f "$out.root"
  mv "$out.tmp" "$out"
  log "$(basename "$out"): root on LUKS2 ($LUKS_UUID), $(stat -c %s "$out") bytes, encrypted and written in $((SECONDS - start)) s"
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
if [ -n "${luks_key:-}" ]; then
  ((${#overlays[@]} == 0)) || { log "--luks-key and --overlay cannot be combined"; exit 2; }
  [ "$(realpath -m "$out")" != "$CACHE/debian.img" ] || { log "--luks-key: OUT must not be the plain image's cache ($CACHE/debian.img)"; exit 2; }
  luks_key_of_parts=$({ echo "$key $LUKS_NAME $LUKS_UUID $LUKS_ROOT_UUID $BOOT_UUID"; cat "$HERE/luks/grub-probe" "$HERE/luks/grub-mkrelpath"; declare -f luks_parts; } | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$CACHE/luks/key" 2>/dev/null)" != "$luks_key_of_parts" ] || [ ! -f "$CACHE/luks/root.ext4" ]; then luks_parts </dev/null
  else log "root-on-LUKS filesystems: up to date"; fi
  luks_disk "$luks_key" "$out"
  exit 0
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
