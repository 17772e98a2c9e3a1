#!/usr/bin/env bash
# Plug → first answered ping for the token's USB twin, /init against a busybox script, in the same conditions:
# the same QEMU machine (TCG), the same kernel (build/kernel, Debian's), the same twin and the same host-side ping
# (one echo request every 10 ms from the token's namespace, as UsbTwinTests does), booted one after the other.
#   busybox: an initramfs whose /init is a busybox script that loads the controller's and the token's drivers
#            (usbcore, the HCD, mii, usbnet, cdc_eem) at boot and then looks for a new network interface every
#            0.2 s and configures 169.254.0.8/16 on it: the baseline issue #13 names.
#   init:    out/initramfs.cpio.xz with its defaults (fobnail.steps=modules,network), plugged once /init says
#            "looking for 1234:4321".
# Each boot: plug, ping, unplug, replug, ping; prints both times. A benchmark, not a test: no assertion on time.
# Usage: tools/bench-plug.sh [CONTROLLER] [RUNS]   (CONTROLLER: xhci (default), ehci, uhci, ohci; RUNS default 2)
#   ICOUNT=N: QEMU -icount shift=N: guest time counts emulated instructions (and real time while the guest idles,
#            QEMU's default sleep=on), so TCG's translation of code run for the first time costs no guest time
#            (the host-side ping times then mean little).
#   INIT_APPEND="...": more kernel parameters for the /init boots (to try a change on /init's side alone).
# Needs root (network namespace, tap), ./build.sh build and setup, busybox-static, and the twin built
# (dotnet build tests/Fobnail.Token.Usb). Serial logs: out/test-logs/bench-plug-*.log.
set -euo pipefail
CONTROLLER=${1:-xhci}
RUNS=${2:-2}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tools/busybox-guest.sh"
TWIN=$(ls -t "$ROOT"/tests/Fobnail.Token.Usb/bin/*/net10.0/linux-x64/fobnail-token-usb.dll 2>/dev/null | head -n1)
[ -n "$TWIN" ] || { echo "the twin is not built: dotnet build tests/Fobnail.Token.Usb" >&2; exit 2; }
[ -f "$ROOT/out/initramfs.cpio.xz" ] || { echo "out/initramfs.cpio.xz is missing: ./build.sh build" >&2; exit 2; }

TWIN_OPTIONS=()
case $CONTROLLER in
  xhci) DEVICES=(-device qemu-xhci,id=xhci); BUS=xhci.0; HCD=xhci_pci ;;
  ehci) DEVICES=(-device ich9-usb-ehci1,id=ehci -device ich9-usb-uhci1,masterbus=ehci.0,firstport=0
                 -device ich9-usb-uhci2,masterbus=ehci.0,firstport=2 -device ich9-usb-uhci3,masterbus=ehci.0,firstport=4)
        BUS=ehci.0; HCD="ehci_pci uhci_hcd" ;;
  uhci) DEVICES=(-device piix3-usb-uhci,id=uhci); BUS=uhci.0; HCD=uhci_hcd ;;
  # QEMU's OHCI serves one asynchronous packet per controller: the twin must not hold a bulk IN (as UsbTwinTests).
  ohci) DEVICES=(-device pci-ohci,id=ohci); BUS=ohci.0; HCD=ohci_pci; TWIN_OPTIONS=(--in-hold-ms 0) ;;
  *) echo "unknown controller $CONTROLLER" >&2; exit 2 ;;
esac

DIR=$(mktemp -d /tmp/fobnail-bench-plug.XXXXXX)
NS=fnl-bench-plug-$$
LOGS=$ROOT/out/test-logs
mkdir -p "$LOGS"
cleanup() {
  [ -n "${QEMU_PID:-}" ] && kill "$QEMU_PID" 2>/dev/null || true
  [ -n "${TWIN_PID:-}" ] && kill "$TWIN_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT

# The busybox baseline's initramfs: busybox, the drivers (with depmod's index, for busybox modprobe), the script.
STAGE=$DIR/busybox-root
# shellcheck disable=SC2086  # HCD is one or two module names
stage_busybox_guest "$STAGE" $HCD cdc_eem
cat > "$STAGE/init" <<GUEST
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev; mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1
for m in $HCD cdc_eem; do modprobe \$m; done
echo "BENCH: drivers loaded"
# Every 0.2 s: a network interface not seen before (by ifindex: a replugged token comes back as a new one) gets
# the token link's address and is brought up.
while :; do
  for d in /sys/class/net/*; do
    n=\${d##*/}; [ "\$n" = lo ] && continue
    i=\$(cat "\$d/ifindex" 2>/dev/null) || continue
    [ -e /tmp/seen-\$i ] && continue
    ip addr add 169.254.0.8/16 dev "\$n" && ip link set "\$n" up && : > /tmp/seen-\$i && echo "BENCH: configured \$n"
  done
  sleep 0.2
done
GUEST
chmod 0755 "$STAGE/init"
(cd "$STAGE" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | xz --check=crc32 -T1 -1) > "$DIR/busybox.cpio.xz"

# The token's side: a namespace with tap0 at 169.254.0.1/16 and the twin bridged to it.
ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" tuntap add dev tap0 mode tap
ip -n "$NS" addr add 169.254.0.1/16 dev tap0
ip -n "$NS" link set tap0 up
ip netns exec "$NS" dotnet "$TWIN" --socket "$DIR/usbredir.sock" --tap tap0 "${TWIN_OPTIONS[@]}" > "$LOGS/bench-plug-twin.log" 2>&1 &
TWIN_PID=$!
for _ in $(seq 600); do grep -q 'usb twin listening on' "$LOGS/bench-plug-twin.log" && break; sleep 0.1; done

# hmp MONITOR [--ping NS] COMMAND...: runs the HMP monitor commands one after the other (failing on an error
# answer); with --ping, then pings 169.254.0.8 from namespace NS every 10 ms until one is answered and prints the
# milliseconds from before the first command to that answer.
hmp() {
  python3 - "$@" <<'PY'
import socket, subprocess, sys, time
args = sys.argv[1:]
monitor, ns = args.pop(0), None
if args[0] == "--ping": ns = args[1]; args = args[2:]
s = socket.socket(socket.AF_UNIX); s.connect(monitor); s.settimeout(30)
def prompt():
    buf = b""
    while b"(qemu)" not in buf: buf += s.recv(4096)
    if b"rror" in buf: raise SystemExit(buf.decode(errors="replace"))
prompt()
t0 = time.monotonic()
for command in args:
    s.sendall(command.encode() + b"\n")
    prompt()
if ns is not None:
    subprocess.run(["ip", "netns", "exec", ns, "ping", "-q", "-c", "1", "-i", "0.01", "-w", "60", "169.254.0.8"], check=True, stdout=subprocess.DEVNULL)
    print(f"{(time.monotonic() - t0) * 1000:.0f}")
PY
}
# plug_and_ping MONITOR ID: chardev-add + device_add usb-redir, then the ping; prints the milliseconds.
plug_and_ping() {
  hmp "$1" --ping "$NS" "chardev-add socket,id=$2,path=$DIR/usbredir.sock" "device_add usb-redir,chardev=$2,id=${2}dev,bus=$BUS"
}
wait_serial() {  # wait_serial LOG PATTERN: up to 300 s
  for _ in $(seq 3000); do grep -qsE "$2" "$1" && return 0; sleep 0.1; done
  echo "bench: timed out waiting for /$2/ in $1" >&2; return 1
}

boot_once() {  # boot_once KIND RUN
  local kind=$1 run=$2 log=$LOGS/bench-plug-$CONTROLLER-$1-$2.log initrd append ready
  if [ "$kind" = busybox ]; then
    initrd=$DIR/busybox.cpio.xz; append="console=ttyS0 loglevel=4 panic=-1"; ready='BENCH: drivers loaded'
  else
    initrd=$ROOT/out/initramfs.cpio.xz; append="console=ttyS0 loglevel=4 panic=-1 fobnail.steps=modules,network fobnail.final=halt ${INIT_APPEND:-}"
    ready='INF token link: looking for 1234:4321'
  fi
  local mon=$DIR/monitor-$kind-$run.sock
  rm -f "$log"  # an older run's log would answer wait_serial before this guest has booted
  ip netns exec "$NS" qemu-system-x86_64 -accel tcg -cpu max ${ICOUNT:+-icount shift=$ICOUNT} -m 512 -smp 1 -display none -vga none -no-reboot \
    -serial "file:$log" -monitor "unix:$mon,server=on,wait=off" -kernel "$KERNEL" -initrd "$initrd" -append "$append" \
    "${DEVICES[@]}" &
  QEMU_PID=$!
  wait_serial "$log" "$ready"
  local first second
  # cdc_eem makes up a new MAC address on every plug (and the last boot's guest had its own): an old neighbour
  # entry would send the first pings to a MAC nobody has until it fails (seen: 17 s).
  ip -n "$NS" neigh flush dev tap0
  first=$(plug_and_ping "$mon" "t${run}a")
  hmp "$mon" "device_del t${run}adev"
  sleep 2  # the guest sees the device leave
  ip -n "$NS" neigh flush dev tap0
  second=$(plug_and_ping "$mon" "t${run}b")
  kill "$QEMU_PID"; wait "$QEMU_PID" 2>/dev/null || true; QEMU_PID=
  local ready_ms=""
  if [ "$kind" = init ]; then
    # The guest's own figure: the uevent announcing the interface -> link Ready (carrier up), first plug and replug.
    ready_ms="; guest uevent -> link ready: $(sed -n 's/.*token link: Addressed -> Ready .* +\([0-9.]*\) ms.*/\1/p' "$log" | paste -sd/ -) ms"
  fi
  echo "bench: $CONTROLLER $kind run $run: plug -> first ping answered $first ms, replug $second ms$ready_ms (load $(cut -d' ' -f1 /proc/loadavg))"
}

for run in $(seq "$RUNS"); do
  boot_once busybox "$run"
  boot_once init "$run"
done
echo "bench: done"
