#!/bin/bash
# Measuring speed inside the QEMU TCG guest: `fobnail-init kexec measure FILE` (managed digests, then AF_ALG once
# algif_hash and the x86 SHA drivers are loaded) against busybox `sha256sum`/`sha1sum` on the same file, in the
# same guest, one after the other. A benchmark harness, not the product: the guest's /init is busybox sh.
# Prints the times, checks the digests equal busybox's and that the log says AF_ALG was used; exit 1 otherwise.
# Usage: bench-hash-guest.sh PATH/TO/fobnail-init [MIB] [RUNS]   (default 32 MiB, 3 runs of each)
# afalg-probe.c (built static with gcc) then times other ways of feeding AF_ALG: send chunk sizes, sendfile.
# ICOUNT=N: run QEMU with -icount shift=N (guest time = instructions x 2^N ns): deterministic figures that do
# not depend on the host's load, counting every emulated instruction alike (an AVX2 one as a scalar one).
# Serial log: out/test-logs/bench-hash.log (bench-hash-icount.log with ICOUNT). Needs build/kernel (./build.sh setup) and busybox-static.
set -euo pipefail
INIT=$(realpath "${1:?usage: bench-hash-guest.sh PATH/TO/fobnail-init [MIB] [RUNS]}")
MIB=${2:-32}
RUNS=${3:-3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tools/busybox-guest.sh"
LOG=$ROOT/out/test-logs/bench-hash${ICOUNT:+-icount}.log
mkdir -p "$(dirname "$LOG")"
DIR=$(mktemp -d /tmp/fobnail-hash-bench.XXXXXX)
trap 'rm -rf "$DIR"' EXIT

STAGE=$DIR/root
stage_busybox_guest "$STAGE" algif_hash sha256_ssse3 sha1_ssse3
install -m 0755 "$INIT" "$STAGE/bin/fobnail-init"
gcc -O2 -static -o "$STAGE/bin/probe" "$(dirname "$0")/afalg-probe.c"

cat > "$STAGE/init" <<'GUEST'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev; mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1
MIB=$(sed -n 's/.*bench.mib=\([0-9]*\).*/\1/p' /proc/cmdline); RUNS=$(sed -n 's/.*bench.runs=\([0-9]*\).*/\1/p' /proc/cmdline)
echo "bench: $(grep -m1 'model name' /proc/cpuinfo); sha_ni: $(grep -qw sha_ni /proc/cpuinfo && echo yes || echo no); avx2: $(grep -qw avx2 /proc/cpuinfo && echo yes || echo no)"
head -c $((MIB * 1048576)) /dev/urandom > /tmp/f
# timed LABEL COMMAND...: one run, wall time from /proc/uptime and user/sys CPU from busybox time; output in /tmp/out.
timed() {
  label=$1; shift
  t0=$(cut -d' ' -f1 /proc/uptime)
  time -f "%U %S" -o /tmp/cpu "$@" > /tmp/out 2> /tmp/err || { echo "bench: FAIL $label: exit $?"; cat /tmp/err; }
  t1=$(cut -d' ' -f1 /proc/uptime)
  echo "bench: $label: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s wall, $(awk '{ printf "%s s user %s s sys", $1, $2 }' /tmp/cpu)"
}
SHA256=$(sha256sum /tmp/f | cut -d' ' -f1); SHA1=$(sha1sum /tmp/f | cut -d' ' -f1)
check() {  # the measured kernel line must carry busybox's digests
  grep -q "sha256:$SHA256" /tmp/out || { echo "bench: FAIL $1: sha256 differs from sha256sum's"; cat /tmp/out; }
  case "$1" in *default*) grep -q "sha1:$SHA1" /tmp/out || { echo "bench: FAIL $1: sha1 differs from sha1sum's"; cat /tmp/out; } ;; esac
  grep -h 'measuring' /tmp/err | sed "s/^/bench: $1 log: /" | sort -u
}
timed "fobnail-init --version (start-up alone)" fobnail-init --version
i=1; while [ $i -le "$RUNS" ]; do timed "busybox sha256sum" sha256sum /tmp/f; timed "busybox sha1sum" sha1sum /tmp/f; i=$((i + 1)); done
timed "measure --banks sha256 (managed)" fobnail-init kexec measure --verbose /tmp/f --banks sha256; check "managed sha256"
timed "measure default banks (managed)" fobnail-init kexec measure --verbose /tmp/f; check "managed default"
for m in algif_hash sha256_ssse3 sha1_ssse3; do fobnail-init modules load "$m" | sed 's/^/bench: /'; done
echo "bench: drivers: $(awk '/^name/ { n = $3 } /^driver/ { d = $3 } /^priority/ && (n == "sha256" || n == "sha1") { printf "%s=%s(%s) ", n, d, $3 }' /proc/crypto)"
i=1; while [ $i -le "$RUNS" ]; do
  timed "measure --banks sha256 (AF_ALG)" fobnail-init kexec measure --verbose /tmp/f --banks sha256; check "AF_ALG sha256"
  timed "measure default banks (AF_ALG)" fobnail-init kexec measure --verbose /tmp/f; check "AF_ALG default"
  timed "busybox sha256sum" sha256sum /tmp/f
  i=$((i + 1))
done
if [ -x /bin/probe ]; then
  for how in "read 65536" "read 1048576" "read 8388608" sendfile; do
    timed "probe sha256 $how" probe sha256 ${how%% *} /tmp/f ${how#* }
    grep -q "^$SHA256 " /tmp/out || echo "bench: FAIL probe $how: digest differs from sha256sum's"
  done
fi
# The same AF_ALG path on the kernel's generic C drivers: under TCG the emulated AVX2 of the x86 drivers may
# cost more than the scalar code (on hardware it is the other way round).
rmmod sha256_ssse3 sha1_ssse3
echo "bench: drivers: $(awk '/^name/ { n = $3 } /^driver/ { d = $3 } /^priority/ && (n == "sha256" || n == "sha1") { printf "%s=%s(%s) ", n, d, $3 }' /proc/crypto)"
timed "measure --banks sha256 (AF_ALG, sha256-generic)" fobnail-init kexec measure --verbose /tmp/f --banks sha256; check "AF_ALG generic sha256"
timed "measure default banks (AF_ALG, generic drivers)" fobnail-init kexec measure --verbose /tmp/f; check "AF_ALG generic default"
echo "bench: done"
poweroff -f
GUEST
chmod 0755 "$STAGE/init"
(cd "$STAGE" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) > "$DIR/bench.cpio"

timeout 1200 qemu-system-x86_64 -accel tcg ${ICOUNT:+-icount shift=$ICOUNT,sleep=off} -cpu max -m 1024 -smp 1 -no-reboot \
  -kernel "$KERNEL" -initrd "$DIR/bench.cpio" \
  -append "console=ttyS0 loglevel=4 panic=-1 rdinit=/init bench.mib=$MIB bench.runs=$RUNS" \
  -serial "file:$LOG" -monitor none -display none </dev/null || true
grep '^bench:' "$LOG" | tr -d '\r'
grep -q '^bench: done' "$LOG" || { echo "the guest did not finish (log: $LOG)" >&2; exit 1; }
! grep -q '^bench: FAIL' "$LOG" || exit 1
grep -q 'AF_ALG sha256 log: .*AF_ALG' "$LOG" || { echo "the AF_ALG runs did not say they used AF_ALG (log: $LOG)" >&2; exit 1; }
