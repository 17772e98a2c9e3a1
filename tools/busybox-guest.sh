# Sourced by the benchmarks that boot a busybox guest on the Debian test kernel (tools/bench-plug.sh,
# tests/Fobnail.Kexec.Tests/bench-hash-guest.sh): the kernel of build/kernel and a static busybox, and the tree of
# such a guest's initramfs. Needs ROOT (the repository) set.
KDIR=$ROOT/build/kernel
KVER=$(ls "$KDIR/lib/modules" | head -n1)
KERNEL=$(ls "$KDIR"/boot/vmlinuz-* | head -n1)
BUSYBOX=$(command -v busybox)
file -L "$BUSYBOX" | grep -q 'statically linked' || { echo "busybox is not static (apt-get install busybox-static)" >&2; exit 2; }

# stage_busybox_guest STAGE MODULE...: busybox, the API filesystem mount points, /dev/console (as root) and the
# named modules with everything they depend on, indexed by depmod (busybox modprobe reads modules.dep). STAGE/init
# is the caller's.
stage_busybox_guest() {
  local stage=$1 name mod
  shift
  mkdir -p "$stage"/{bin,dev,proc,sys,tmp,lib/modules/$KVER}
  install -m 0755 "$BUSYBOX" "$stage/bin/busybox"
  [ "$(id -u)" != 0 ] || mknod -m 0600 "$stage/dev/console" c 5 1
  for name in "$@"; do
    modprobe -d "$KDIR" -S "$KVER" --show-depends "$name" | awk '$1 == "insmod" {print $2}'
  done | sort -u | while read -r mod; do install -D -m 0644 "$mod" "$stage/${mod#"$KDIR/"}"; done
  cp "$KDIR/lib/modules/$KVER"/modules.builtin{,.modinfo} "$stage/lib/modules/$KVER/"
  touch "$stage/lib/modules/$KVER/modules.order"
  depmod -b "$stage" "$KVER"
}
