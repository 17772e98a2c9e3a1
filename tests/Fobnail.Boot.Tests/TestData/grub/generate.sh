#!/bin/sh
# Regenerates the Debian 12 grub.cfg files here with the real /etc/grub.d scripts of grub-common 2.06-13
# (apt-get install grub-common), run the way grub-mkconfig runs them. The machine-specific questions
# grub-mkconfig asks grub-probe are answered by a small script (a GPT disk, /dev/vda2 ext4 root, optionally a
# separate /boot on /dev/vda1); /boot is a private bind mount (unshare -m) holding two kernel versions.
# Usage (root): ./generate.sh OUTDIR
set -eu
out=${1:?OUTDIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/boot/grub" "$work/bin"
for v in 6.1.0-18-amd64 6.1.0-21-amd64; do
  echo k > "$work/boot/vmlinuz-$v"; echo i > "$work/boot/initrd.img-$v"; echo c > "$work/boot/config-$v"
done
cat > "$work/bin/grub-probe" <<'PROBE'
#!/bin/sh
target=; prev=
for a in "$@"; do case "$a" in --target=*) target=${a#--target=};; esac; [ "$prev" = -t ] && target=$a; prev=$a; done
case "$target" in
  device) echo /dev/vda2;; fs_uuid) echo "$PROBE_UUID";; partuuid) echo 9c8b7a6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d;;
  fs) echo ext2;; partmap) echo gpt;; drive) echo '(hd0,gpt2)';; compatibility_hint) echo hd0,gpt2;;
  bios_hints) echo --hint-bios=hd0,gpt2;; efi_hints) echo --hint-efi=hd0,gpt2;; baremetal_hints) echo --hint-baremetal=ahci0,gpt2;;
  hints_string) echo '--hint-bios=hd0,gpt2 --hint-efi=hd0,gpt2 --hint-baremetal=ahci0,gpt2';;
  abstraction|arc_hints|ieee1275_hints|cryptodisk_uuid) ;;
  *) echo "unknown target $target" >&2; exit 1;;
esac
PROBE
printf '#!/bin/sh\necho "${1#/boot}"\n' > "$work/bin/mkrelpath-boot"
chmod +x "$work/bin/"*
gen() { # GRUB_DEFAULT BOOT_UUID MKRELPATH
  unshare -m sh -c '
    set -e
    mount --bind "$WORK/boot" /boot
    for s in 00_header 05_debian_theme 10_linux 30_uefi-firmware 40_custom; do
      echo "### BEGIN /etc/grub.d/$s ###"; /etc/grub.d/$s; echo "### END /etc/grub.d/$s ###"; echo
    done' 
}
root=4f2c1a3e-5b6d-4e7f-8a9b-0c1d2e3f4a5b boot=2b1e8d4c-7a09-4c55-9d1f-3e6a5b4c2d10
export WORK=$work grub_probe=$work/bin/grub-probe pkgdatadir=/usr/share/grub GRUB_DISABLE_OS_PROBER=true \
  GRUB_DEVICE=/dev/vda2 GRUB_DEVICE_UUID=$root GRUB_DEVICE_PARTUUID=9c8b7a6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d GRUB_FS=ext2 \
  GRUB_TIMEOUT=5 GRUB_DISTRIBUTOR=Debian GRUB_CMDLINE_LINUX_DEFAULT=quiet GRUB_CMDLINE_LINUX=
PROBE_UUID=$root grub_mkrelpath=/bin/echo GRUB_DEVICE_BOOT=/dev/vda2 GRUB_DEVICE_BOOT_UUID=$root GRUB_DEFAULT=0 \
  gen > "$out/debian12-grub.cfg" 
PROBE_UUID=$boot grub_mkrelpath=$work/bin/mkrelpath-boot GRUB_DEVICE_BOOT=/dev/vda1 GRUB_DEVICE_BOOT_UUID=$boot GRUB_DEFAULT=saved \
  gen > "$out/debian12-separate-boot-saved.cfg"
