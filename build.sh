#!/usr/bin/env bash
# fobnail-init build driver. Usage: ./build.sh setup|build|test|demo|boot|kernel|debian-image
#   setup  install the Debian packages the build, tests and QEMU boot need; fetch and unpack the test kernel
#   build  out/fobnail-init (static NativeAOT) and out/initramfs.cpio.xz (reproducible)
#   test   setup + build + every test
#   demo   setup + build + the end-to-end QEMU demo (initramfs/demo.sh; --kernel out/fobnail-linuxboot.bzImage;
#          --disk: the target is a real installed Debian, images/debian/)
#   boot   boot out/initramfs.cpio.xz in QEMU (extra kernel parameters as arguments)
#   kernel [FRAGMENT...]  build + out/fobnail-linuxboot.bzImage: kernel-config/ on Debian's linux-source, /init
#          built in; extra fragments after kernel-config/fobnail.config (kernel-config/boot-fs-more.config)
#   debian-image  build/debian/debian.img: an installed Debian 12 for the QEMU tests (images/debian/, cached)
#   kernel-check CONFIG FRAGMENT...  fail, naming them, if options of the fragments are not in CONFIG as given
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
BUILD=$ROOT/build
OUT=$ROOT/out

PACKAGES=(qemu-system-x86 qemu-utils swtpm swtpm-tools tpm2-tools libcoap3-bin kmod cpio xz-utils iproute2
          tshark zlib1g-dev gcc file openssl rsync iputils-ping busybox-static
          fdisk e2fsprogs dosfstools mtools xfsprogs btrfs-progs
          dbus-daemon systemd libglib2.0-bin  # hosted mode tests: a private dbus-daemon, busctl/systemd-analyze, gdbus
          dunst xvfb  # the notifier's test: a real notification server (dunst -print) on a virtual X display
          cryptsetup-bin  # token-held secrets: a real LUKS2 volume, opened by cryptsetup in the kexec'd target
          mmdebstrap)  # the installed Debian of the boot-from-disk and hosted-mode system tests (images/debian/)

# What `./build.sh kernel` needs on top: the kernel source and its build tools.
KERNEL_PACKAGES=(linux-source make gcc flex bison bc libelf-dev xz-utils cpio)

log() { printf '[build.sh] %s\n' "$*" >&2; }

kernel_version() { ls "$BUILD/kernel/lib/modules" 2>/dev/null | head -n1; }

# install_packages NAME...: apt-get install those not installed yet.
install_packages() {
  local missing=()
  for p in "$@"; do
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
}

setup() {
  install_packages "${PACKAGES[@]}"
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

# What `build` needs, checked before anything runs: on a fresh clone without `setup` the build would otherwise
# stop somewhere in the AOT link or the initramfs with a message that does not say what to install.
check_build_needs() {
  local missing=()
  command -v dotnet >/dev/null || missing+=("dotnet: the .NET 10 SDK (https://dot.net; not a Debian package)")
  command -v gcc >/dev/null || missing+=("gcc: links the static NativeAOT binary (./build.sh setup installs it)")
  [ -e /usr/lib/x86_64-linux-gnu/libz.a ] || missing+=("zlib1g-dev: libz.a for the static link (./build.sh setup)")
  local tool
  for tool in modprobe depmod cpio xz; do
    command -v "$tool" >/dev/null || missing+=("$tool: builds the initramfs (./build.sh setup)")
  done
  [ -n "$(kernel_version)" ] || missing+=("the test kernel in build/kernel: its modules go into the initramfs (./build.sh setup)")
  if ((${#missing[@]})); then
    log "cannot build, missing:"
    local m
    for m in "${missing[@]}"; do log "  - $m"; done
    exit 1
  fi
}

build_init() {
  log "publishing fobnail-init (NativeAOT, static)"
  local rev
  rev=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
  # --version then says which commit it was built from (e.g. 0.1.0+1a2b3c4d5e6f).
  dotnet publish src/Fobnail.Init/Fobnail.Init.csproj -c Release -o "$BUILD/publish" -nologo -v:q -nodeReuse:false \
    -p:SourceRevisionId="$rev" >&2 || { log "dotnet publish failed (its errors are above)"; exit 1; }
  mkdir -p "$OUT"
  install -m 0755 "$BUILD/publish/fobnail-init" "$OUT/fobnail-init"
}

# stage_init DIR: /init and /dev/console, what every initramfs of ours has.
stage_init() {
  mkdir -p "$1/dev"
  install -m 0755 "$OUT/fobnail-init" "$1/init"
  # The kernel's built-in initramfs already has /dev/console; ship it anyway for kernels without one.
  [ "$(id -u)" = 0 ] && mknod -m 0600 "$1/dev/console" c 5 1
  return 0
}

# pack_cpio DIR: DIR as a reproducible newc cpio on stdout (owner 0:0, mtimes = SOURCE_DATE_EPOCH, sorted).
pack_cpio() {
  local epoch
  epoch=$(source_date_epoch)
  find "$1" -type d -exec chmod 0755 {} +
  find "$1" -exec touch -h -d "@$epoch" {} +
  (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible)
}

# initramfs OUT_FILE: /init + the listed modules and their dependencies, modules.* generated for that subset.
build_initramfs() {
  local out=$1 kver stage
  kver=$(kernel_version)
  mkdir -p "$BUILD"
  stage=$(mktemp -d "$BUILD/initramfs-root.XXXXXX")
  mkdir -p "$stage/lib/modules/$kver"
  stage_init "$stage"
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
  pack_cpio "$stage" | xz --check=crc32 --lzma2=preset=9,dict=8MiB -T1 > "$out.tmp.$$"
  mv "$out.tmp.$$" "$out"
  log "$(basename "$out"): $(stat -c %s "$out") bytes, $(cd "$stage" && find . -name '*.ko' | wc -l) modules"
  rm -rf "$stage"
}

build() {
  check_build_needs
  build_init
  build_initramfs "$OUT/initramfs.cpio.xz"
}

# ---- The minimal kernel: out/fobnail-linuxboot.bzImage (kernel-config/README.md) ----
LINUXBOOT=$BUILD/linuxboot
KERNEL_IMAGE=$OUT/fobnail-linuxboot.bzImage

# The fragments merged by default; kernel-config/secure-launch.config needs TrenchBoot's tree.
KERNEL_FRAGMENTS=(kernel-config/fobnail.config)

kmake() { nice -n 10 make -C "$LINUXBOOT/src" O="$LINUXBOOT/obj" ARCH=x86_64 -s "$@"; }

# check_kernel_config CONFIG FRAGMENT...: every option of the fragments has its value in CONFIG; merge_config.sh
# silently drops an option whose dependencies are off, so a missing one would otherwise only show at boot.
check_kernel_config() {
  local config=$1; shift
  local missing
  missing=$(cat "$@" | awk -v config="$config" '
    BEGIN { while ((getline l < config) > 0) {
              if (l ~ /^CONFIG_[A-Za-z0-9_]+=/) { k = l; sub(/=.*/, "", k); v = l; sub(/^[^=]*=/, "", v); have[k] = v }
              else if (l ~ /^# CONFIG_[A-Za-z0-9_]+ is not set$/) { k = l; sub(/^# /, "", k); sub(/ .*/, "", k); have[k] = "n" } } }
    /^CONFIG_[A-Za-z0-9_]+=/ { k = $0; sub(/=.*/, "", k); v = $0; sub(/^[^=]*=/, "", v)
                               if (!(k in have)) print k "=" v " (.config: absent)"
                               else if (have[k] != v) print k "=" v " (.config: " have[k] ")" }
    /^# CONFIG_[A-Za-z0-9_]+ is not set$/ { k = $2; if ((k in have) && have[k] != "n") print k "=n (.config: " have[k] ")" }')
  if [ -n "$missing" ]; then
    log "options of $* missing from $config (their dependencies are not met):"
    printf '%s\n' "$missing" | sed 's/^/  /' >&2
    return 1
  fi
}

# build_kernel [FRAGMENT...]: the fragments after KERNEL_FRAGMENTS, e.g. kernel-config/boot-fs-more.config.
build_kernel() {
  local fragments=() f
  for f in "${KERNEL_FRAGMENTS[@]}" "$@"; do
    [ -f "$f" ] || { log "no such kernel config fragment: $f"; return 1; }
    fragments+=("$(realpath "$f")")
  done
  install_packages "${KERNEL_PACKAGES[@]}"
  mkdir -p "$LINUXBOOT" "$OUT"
  # The built-in initramfs is /init alone: every driver is built in, there is no module to ship.
  local stage tarball version key
  stage=$(mktemp -d "$LINUXBOOT/initramfs-root.XXXXXX")
  stage_init "$stage"
  pack_cpio "$stage" > "$LINUXBOOT/initramfs.cpio"
  rm -rf "$stage"
  # linux-source depends on one linux-source-X.Y; its tarball and exact Debian version are the source.
  tarball=$(ls /usr/src/linux-source-*.tar.xz | sort -V | tail -n1)
  version=$(dpkg-query -W -f='${Package} ${Version}' "$(dpkg-query -S "$tarball" | cut -d: -f1)")
  # Rebuilt only when an input changes: source version, fragments, the initramfs, and this recipe.
  key=$({ echo "$version $tarball"; cat "${fragments[@]}"; sha256sum < "$LINUXBOOT/initramfs.cpio";
          declare -f kmake check_kernel_config build_kernel stage_init pack_cpio; } | sha256sum | cut -d' ' -f1)
  if [ -f "$LINUXBOOT/bzImage" ] && [ "$(cat "$LINUXBOOT/key" 2>/dev/null)" = "$key" ]; then
    install -m 0644 "$LINUXBOOT/bzImage" "$KERNEL_IMAGE"
    log "$(basename "$KERNEL_IMAGE"): up to date ($(stat -c %s "$KERNEL_IMAGE") bytes, linux-source $version)"
    return 0
  fi
  if [ "$(cat "$LINUXBOOT/src-version" 2>/dev/null)" != "$version" ]; then
    log "unpacking $tarball"
    rm -rf "$LINUXBOOT/src" "$LINUXBOOT/obj" "$LINUXBOOT/src-version"
    mkdir -p "$LINUXBOOT/src"
    nice -n 10 tar -xJf "$tarball" -C "$LINUXBOOT/src" --strip-components=1
    echo "$version" > "$LINUXBOOT/src-version"
  fi
  mkdir -p "$LINUXBOOT/obj"
  log "configuring: tinyconfig + ${fragments[*]#"$ROOT"/}"
  printf 'CONFIG_INITRAMFS_SOURCE="%s"\n' "$LINUXBOOT/initramfs.cpio" > "$LINUXBOOT/initramfs.config"
  kmake tinyconfig
  # -n: options the fragments make visible but do not name stay off (allnoconfig), not at their defaults.
  (cd "$LINUXBOOT/src" && ARCH=x86_64 nice -n 10 scripts/kconfig/merge_config.sh -n -O "$LINUXBOOT/obj" \
     "$LINUXBOOT/obj/.config" "${fragments[@]}" "$LINUXBOOT/initramfs.config" > "$LINUXBOOT/merge.log" 2>&1) \
    || { cat "$LINUXBOOT/merge.log" >&2; return 1; }
  check_kernel_config "$LINUXBOOT/obj/.config" "${fragments[@]}" "$LINUXBOOT/initramfs.config"
  log "building the kernel (make -j$(nproc) bzImage, nice 10)"
  local start=$SECONDS epoch
  epoch=$(source_date_epoch)
  # KBUILD_BUILD_VERSION: the "#N" of the version banner, otherwise a count of builds in obj/.
  KBUILD_BUILD_TIMESTAMP="@$epoch" KBUILD_BUILD_USER=fobnail KBUILD_BUILD_HOST=build KBUILD_BUILD_VERSION=1 \
    kmake -j"$(nproc)" bzImage
  install -m 0644 "$LINUXBOOT/obj/arch/x86/boot/bzImage" "$LINUXBOOT/bzImage"
  echo "$key" > "$LINUXBOOT/key"
  install -m 0644 "$LINUXBOOT/bzImage" "$KERNEL_IMAGE"
  log "$(basename "$KERNEL_IMAGE"): $(stat -c %s "$KERNEL_IMAGE") bytes, built in $((SECONDS - start)) s"
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
  kernel) shift; build; build_kernel "$@" ;;
  debian-image) shift; setup; time images/debian/build-image.sh "$@" "$BUILD/debian/debian.img" ;;
  kernel-check) shift; check_kernel_config "$@" ;;
  *) sed -n '2,12p' "$0"; exit 2 ;;
esac
