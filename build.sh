#!/usr/bin/env bash
# fobnail-init build driver. Usage: ./build.sh setup|build|test|demo|boot
#   setup  install the Debian packages the build, tests and QEMU boot need; fetch and unpack the test kernel
#   build  out/fobnail-init (static NativeAOT) and out/initramfs.cpio.xz (reproducible)
#   test   setup + build + every test
#   demo   setup + build + the end-to-end QEMU demo (initramfs/demo.sh: provision, attest, measured kexec)
#   boot   boot out/initramfs.cpio.xz in QEMU (extra kernel parameters as arguments)
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
BUILD=$ROOT/build
OUT=$ROOT/out

PACKAGES=(qemu-system-x86 qemu-utils swtpm swtpm-tools tpm2-tools libcoap3-bin kmod cpio xz-utils iproute2
          tshark zlib1g-dev gcc file openssl rsync iputils-ping
          dbus-daemon systemd libglib2.0-bin)  # hosted mode tests: a private dbus-daemon, busctl/systemd-analyze, gdbus

log() { printf '[build.sh] %s\n' "$*" >&2; }

kernel_version() { ls "$BUILD/kernel/lib/modules" 2>/dev/null | head -n1; }

setup() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    local sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    # tshark asks whether non-root users may capture; answer no, non-interactively.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if [ -z "$(kernel_version)" ] || ! ls "$BUILD"/kernel/boot/vmlinuz-* >/dev/null 2>&1; then
    # Exactly the one package linux-image-amd64 depends on (a wildcard would pull every kernel version).
    local pkg
    pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    [ -n "$pkg" ] || { apt-get update -qq; pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'); }
    log "fetching test kernel $pkg"
    rm -rf "$BUILD/kernel" "$BUILD/kernel-deb"
    mkdir -p "$BUILD/kernel-deb"
    (cd "$BUILD/kernel-deb" && apt-get download "$pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
    dpkg-deb -x "$BUILD"/kernel-deb/*.deb "$BUILD/kernel"
    depmod -b "$BUILD/kernel" "$(kernel_version)"
  fi
  log "kernel $(kernel_version) in build/kernel"
}

source_date_epoch() {
  if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then echo "$SOURCE_DATE_EPOCH"
  else git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 0; fi
}

build_init() {
  log "publishing fobnail-init (NativeAOT, static)"
  local rev
  rev=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
  # --version then says which commit it was built from (e.g. 0.1.0+1a2b3c4d5e6f).
  dotnet publish src/Fobnail.Init/Fobnail.Init.csproj -c Release -o "$BUILD/publish" -nologo -v:q -nodeReuse:false \
    -p:SourceRevisionId="$rev" >&2
  mkdir -p "$OUT"
  install -m 0755 "$BUILD/publish/fobnail-init" "$OUT/fobnail-init"
}

# initramfs OUT_FILE: /init + the listed modules and their dependencies, modules.* generated for that subset.
build_initramfs() {
  local out=$1 kver stage epoch
  kver=$(kernel_version)
  mkdir -p "$BUILD"
  stage=$(mktemp -d "$BUILD/initramfs-root.XXXXXX")
  mkdir -p "$stage/lib/modules/$kver" "$stage/dev"
  install -m 0755 "$OUT/fobnail-init" "$stage/init"
  local names
  names=$(grep -v '^\s*#' initramfs/modules.list | awk 'NF {print $1}')
  local mod
  for name in $names; do
    # modprobe prints "insmod /path/to/module.ko" for the module and every dependency (or "builtin NAME").
    modprobe -d "$BUILD/kernel" -S "$kver" --show-depends "$name" | awk '$1 == "insmod" {print $2}'
  done | sort -u | while read -r mod; do
    local rel=${mod#"$BUILD/kernel/"}
    install -D -m 0644 "$mod" "$stage/$rel"
  done
  cp "$BUILD/kernel/lib/modules/$kver/modules.builtin" "$BUILD/kernel/lib/modules/$kver/modules.builtin.modinfo" \
     "$stage/lib/modules/$kver/"
  # modules.order, filtered to what we ship, keeps depmod quiet and the kernel's link order.
  (cd "$stage/lib/modules/$kver" && grep -F -x -f <(find kernel -name '*.ko' | LC_ALL=C sort) \
     "$BUILD/kernel/lib/modules/$kver/modules.order" > modules.order || true)
  depmod -b "$stage" "$kver"
  # Binary indexes are for kmod; /init reads the text files only.
  rm -f "$stage/lib/modules/$kver"/*.bin
  # The kernel's built-in initramfs already has /dev/console; ship it anyway for kernels without one.
  [ "$(id -u)" = 0 ] && mknod -m 0600 "$stage/dev/console" c 5 1
  epoch=$(source_date_epoch)
  find "$stage" -type d -exec chmod 0755 {} +
  find "$stage" -exec touch -h -d "@$epoch" {} +
  (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible) \
    | xz --check=crc32 --lzma2=preset=9,dict=8MiB -T1 > "$out.tmp.$$"
  mv "$out.tmp.$$" "$out"
  log "$(basename "$out"): $(stat -c %s "$out") bytes, $(cd "$stage" && find . -name '*.ko' | wc -l) modules"
  rm -rf "$stage"
}

build() {
  build_init
  build_initramfs "$OUT/initramfs.cpio.xz"
}

tests() {
  # Test projects run one at a time: several QEMU (TCG) guests and swtpm instances at once on two cores
  # only make every timeout tighter.
  local log rc
  log=$(mktemp)
  set +e
  dotnet test fobnail-init.slnx -nologo -m:1 -nodeReuse:false "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
  # One closing line over every test project: "N passed, N failed, N skipped".
  sed -n 's/^\(Passed\|Failed\)! *- *Failed: *\([0-9]*\), *Passed: *\([0-9]*\), *Skipped: *\([0-9]*\).*/\2 \3 \4/p' "$log" \
    | awk '{f += $1; p += $2; s += $3} END {printf "tests: %d passed, %d failed, %d skipped\n", p, f, s}'
  rm -f "$log"
  return "$rc"
}

boot() {
  local kver
  kver=$(kernel_version)
  qemu-system-x86_64 -accel tcg -cpu max -m 512 -smp 1 -nographic -no-reboot \
    -kernel "$BUILD/kernel/boot/vmlinuz-$kver" -initrd "$OUT/initramfs.cpio.xz" \
    -device qemu-xhci,id=xhci -device usb-ehci,id=ehci \
    -append "console=ttyS0 loglevel=4 panic=-1 $*"
}

case "${1:-}" in
  setup) setup ;;
  build) build ;;
  initramfs) shift; build_initramfs "${1:-$OUT/initramfs.cpio.xz}" ;;
  test) shift; setup; build; tests "$@" ;;
  demo) shift; setup; build; initramfs/demo.sh "$@" ;;
  boot) shift; boot "$@" ;;
  *) sed -n '2,8p' "$0"; exit 2 ;;
esac
