#!/usr/bin/env bash
# The end-to-end demo (./build.sh demo runs it after setup + build): a QEMU guest (TCG) boots out/initramfs.cpio.xz
# with an swtpm TPM; the token emulator waits at 169.254.0.1:5683 in a network namespace behind a tap; the token's
# USB twin (usbredir: 1234:4321, CDC EEM, bridged to that tap) is hot-plugged when /init, on its defaults, asks for
# it; /init provisions the platform, attests it and kexecs the
# measured kernel. Then the same platform boots with a changed firmware table (PCR 1 differs): NOT TRUSTED, no
# kexec. Both are tests/Fobnail.Qemu.Tests/EndToEndTests.cs; this script runs them and tells their story from the
# serial console and the token's log as it happens, and ends with PASS or FAIL.
# Needs root (network namespaces, tap devices).
# --kernel FILE: the guests boot FILE instead of the Debian test kernel (and kexec into it), e.g.
# `./build.sh demo --kernel out/fobnail-linuxboot.bzImage` for the minimal kernel of kernel-config/.
# --disk: the target is a real installed Debian 12 on a virtio disk (images/debian/, built and cached under
# build/debian on first use): /init's boot step finds it, kexecs Debian's kernel and initrd from its grub.cfg, and
# Debian boots to multi-user; the tampered platform reads no disk (tests/Fobnail.Qemu.Tests/InstalledDebianTests.cs).
set -uo pipefail
cd "$(dirname "$0")/.."
while (($#)); do
  case "$1" in
    --kernel) [ -f "${2:-}" ] || { echo "FAIL: --kernel needs an existing file, got '${2:-}'"; exit 2; }
              FOBNAIL_TEST_KERNEL=$(realpath "$2"); export FOBNAIL_TEST_KERNEL; shift 2 ;;
    --disk) DISK=1; shift ;;
    *) echo "usage: $0 [--kernel FILE] [--disk]"; exit 2 ;;
  esac
done
LOGS=out/test-logs
DISK=${DISK:-}

say() { printf '\n=== %s\n' "$*"; }

say "building the test driver, the token emulator and the token's USB twin"
for p in tests/Fobnail.Token.Emulator/Fobnail.Token.Emulator.csproj tests/Fobnail.Token.Usb/Fobnail.Token.Usb.csproj tests/Fobnail.Qemu.Tests/Fobnail.Qemu.Tests.csproj; do
  dotnet build "$p" -nologo -v:q -nodeReuse:false >/dev/null || { echo "FAIL: dotnet build $p"; exit 1; }
done

mkdir -p "$LOGS"
# The two scenarios: their tests and the logs they write (happy path, then the two boots of the tampered one).
if [ -n "$DISK" ]; then
  FILTER="FullyQualifiedName~InstalledDebianTests"
  HAPPY=debian-e2e TAMPER=debian-tamper
  say "the installed Debian image (images/debian/build-image.sh; minutes on the first run, cached after)"
  images/debian/build-image.sh build/debian/debian.img || { echo "FAIL: the installed Debian image could not be built"; exit 1; }
else
  FILTER="FullyQualifiedName~EndToEndTests.Provisions_attests_trusted|FullyQualifiedName~EndToEndTests.A_changed_pcr"
  HAPPY=e2e-happy TAMPER=e2e-tamper
fi
rm -f "$LOGS/$HAPPY"*.log "$LOGS/$TAMPER"*.log

# The lines that tell the story: /init's steps, link, provisioning, verdict, measurements, kexec, power-off;
# the kernels' banners; the token being plugged in (QEMU monitor); the token's LEDs and decisions.
GUEST='^# monitor: device_add|fobnail-init (INF|WRN|ERR) (fobnail-init .* running as PID 1|step |attest: |token link: .* -> |platform metadata|provisioning: |attestation: |kexec: (attestation|measured|loaded|rebooting)|boot: (disk|chose|copied)|poweroff: )|Linux version|Kernel command line: .*(e2e_second_kernel|BOOT_IMAGE)|FOBNAIL-DEBIAN-MULTI-USER|reboot: Power down'
TOKEN='LED: |EK certificate accepted|Received attester metadata|Wrote /meta|Attesting platform|Attestation (successful|failed)'
# The twin: plugged, enumerated by the guest's kernel (configuration set), unplugged.
TWIN='usbredir: (connected|peer|connection (closed|lost))|usb set configuration'

story() { # FILE LABEL PATTERN
  # Every stage line-buffered, so the story appears as it happens; long lines are cut at 200 characters.
  tail -F -n +1 --pid="$TEST_PID" "$1" 2>/dev/null | grep --line-buffered -aE "$3" | sed -u -E "s/^(# monitor: [^>]*) -> .*/\1/; s/^(.{0,200}).*/$2 \1/" &
}

dotnet test tests/Fobnail.Qemu.Tests/Fobnail.Qemu.Tests.csproj --no-build -nologo -nodeReuse:false \
  --filter "$FILTER" \
  --logger "console;verbosity=normal" > "$LOGS/e2e-demo-dotnet.txt" 2>&1 &
TEST_PID=$!

say "kernel: ${FOBNAIL_TEST_KERNEL:-the Debian test kernel (build/kernel)}"
say "two guests, one after the other (xunit picks the order):
    [happy]   provision + attest + measured kexec into the ${DISK:+installed Debian (boot step: its grub.cfg) up to multi-user}${DISK:-second kernel}
    [boot-a]  another fresh platform: provision + attest, power off
    [boot-b]  the same platform with a changed SMBIOS table (PCR 1 differs): must be NOT TRUSTED, no kexec
    [token]   the token emulator's side
    [usb]     the token's USB twin"
story "$LOGS/$HAPPY.log" "[happy]" "$GUEST"
story "$LOGS/$HAPPY-token.log" "[token]" "$TOKEN"
story "$LOGS/$HAPPY-usb-twin.log" "[usb]" "$TWIN"
story "$LOGS/$TAMPER-1.log" "[boot-a]" "$GUEST"
story "$LOGS/$TAMPER-2.log" "[boot-b]" "$GUEST"
story "$LOGS/$TAMPER-token.log" "[token]" "$TOKEN"
story "$LOGS/$TAMPER-usb-twin.log" "[usb]" "$TWIN"

wait "$TEST_PID"
rc=$?
sleep 1
wait
echo
grep -aE '^\s*(Passed|Failed) |Total tests|Passed!|Failed!' "$LOGS/e2e-demo-dotnet.txt" | sed 's/^/    /'
if [ "$rc" = 0 ]; then
  target=kernel
  [ -n "${DISK:-}" ] && target="installed Debian, which reached multi-user"
  echo "PASS: trusted platform provisioned, attested and kexec'd into its measured $target; changed PCR 1 -> NOT TRUSTED, no kexec"
else
  echo "FAIL: see $LOGS/e2e-demo-dotnet.txt and $LOGS/$HAPPY*.log, $LOGS/$TAMPER*.log"
fi
exit "$rc"
