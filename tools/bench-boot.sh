#!/usr/bin/env bash
# Boot time to /init: boots a kernel (with or without an initramfs) in QEMU (TCG) RUNS times and prints, per run,
# the guest's uptime stamp of /init's first log line ("running as PID 1", CLOCK_MONOTONIC: from the kernel's
# timekeeping start, after the bzImage decompressor) and the host's wall-clock time from starting QEMU to that
# line (firmware, bzImage decompression and everything else included). Serial logs: out/test-logs/bench-boot-RUN.log.
#
#   tools/bench-boot.sh KERNEL [INITRD|-] [RUNS] [EXTRA KERNEL PARAMETERS...]
#   ICOUNT=N tools/bench-boot.sh ...   -icount shift=N,sleep=off: guest time counts emulated instructions
#                                       (2^N ns each), the same in every run whatever the host's load
#
# Both kernels are measured on the same machine: 512 MiB, one CPU, xHCI and EHCI controllers (as BootTests).
# Example: the payload against the Debian pair it replaces
#   tools/bench-boot.sh out/fobnail-linuxboot.bzImage - 5
#   tools/bench-boot.sh build/kernel/boot/vmlinuz-* out/initramfs.cpio.xz 5
set -euo pipefail
kernel=$1 initrd=${2:--} runs=${3:-3}
shift $(( $# < 3 ? $# : 3 ))
extra="$*"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
logdir=$(dirname "$0")/../out/test-logs
mkdir -p "$logdir"
mkfifo "$dir/serial"
for run in $(seq 1 "$runs"); do
  args=(-accel tcg -cpu max -m 512 -smp 1 -display none -vga none -no-reboot -serial "file:/dev/stdout"
        -device qemu-xhci,id=xhci -device usb-ehci,id=ehci
        -kernel "$kernel" -append "console=ttyS0 loglevel=4 panic=-1 fobnail.steps=modules fobnail.final=poweroff $extra")
  [ "$initrd" = - ] || args+=(-initrd "$initrd")
  [ -z "${ICOUNT:-}" ] || args+=(-icount "shift=$ICOUNT,sleep=off")
  : > "$logdir/bench-boot-$run.log"
  start=$EPOCHREALTIME
  nice -n 10 qemu-system-x86_64 "${args[@]}" > "$dir/serial" 2>/dev/null &
  qemu=$!
  stamp=
  while IFS= read -r line; do
    printf '%s\n' "$line" >> "$logdir/bench-boot-$run.log"
    if [[ $line =~ ^\[\ *([0-9.]+)\]\ fobnail-init\ INF\ .*running\ as\ PID\ 1 ]]; then
      stamp=${BASH_REMATCH[1]}
      break
    fi
  done < "$dir/serial"
  end=$EPOCHREALTIME
  kill "$qemu" 2>/dev/null || true
  wait "$qemu" 2>/dev/null || true
  [ -n "$stamp" ] || { cat "$logdir/bench-boot-$run.log" >&2; echo "run $run: no /init line" >&2; exit 1; }
  printf 'run %d: /init at %s s (guest uptime%s), %.2f s wall clock from QEMU start, load %s\n' \
    "$run" "$stamp" "${ICOUNT:+, icount shift=$ICOUNT}" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$(cut -d' ' -f1 /proc/loadavg)"
done
