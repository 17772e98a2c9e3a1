using System.Diagnostics;

namespace Fobnail.Qemu.Tests;

/// <summary>
/// Installed-system disk images for the boot step, made without loop devices: sfdisk writes the GPT into a sparse
/// file, mkfs.vfat --offset and mkfs.ext4 -E offset=… -d DIR write each filesystem in place, mcopy fills the FAT.
/// The "installed" kernel is the test kernel; the "installed" initrd is out/initramfs.cpio.xz, so the kexec'd
/// system is our own /init again, which reports its command line and powers off.
/// </summary>
public static class DiskImages
{
    public const string BootUuid = "2b1e8d4c-7a09-4c55-9d1f-3e6a5b4c2d10";
    public const string RootUuid = "4f2c1a3e-5b6d-4e7f-8a9b-0c1d2e3f4a5b";
    public const string MachineId = "a3f1c0de9b8a4c7d8e6f5a4b3c2d1e0f";
    private const long Sector = 512;
    private const long EspStart = 2048, EspSectors = 65536, BootStart = EspStart + EspSectors, BootSectors = 65536, RootStart = BootStart + BootSectors, RootSectors = 16384;

    /// <summary>
    /// Debian 12 with a separate /boot: ESP (FAT16, EFI/debian/grub.cfg: the stub grub-install writes, configfile to
    /// /boot), /boot ext4 with grub-mkconfig's own output (TestData from Fobnail.Boot.Tests) whose root= is the UUID
    /// of the root partition, as 10_linux writes it when /dev/disk/by-uuid has the root.
    /// </summary>
    public static string Debian(string directory)
    {
        string image = Layout(directory, "debian.img");
        string esp = Dir(directory, "debian-esp"), boot = Dir(directory, "debian-boot"), root = Dir(directory, "debian-root");
        Write(esp, "EFI/debian/grub.cfg", $"search.fs_uuid {BootUuid} root hd0,gpt2 \nset prefix=($root)'/grub'\nconfigfile $prefix/grub.cfg\n");
        string generated = File.ReadAllText(Path.Combine(Repo.Root, "tests/Fobnail.Boot.Tests/TestData/grub/debian12-separate-boot-saved.cfg"));
        Write(boot, "grub/grub.cfg", generated.Replace("root=/dev/vda2", $"root=UUID={RootUuid}"));
        Write(boot, "grub/grubenv", GrubEnv("saved_entry=gnulinux-advanced-" + BootUuid + ">gnulinux-6.1.0-21-amd64-advanced-" + BootUuid));
        File.Copy(Repo.Kernel, Path.Combine(boot, "vmlinuz-6.1.0-21-amd64"));
        File.Copy(Repo.Initramfs, Path.Combine(boot, "initrd.img-6.1.0-21-amd64"));
        Write(root, "etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n");
        Fat(image, esp);
        Ext4(image, BootStart, BootSectors, BootUuid, boot);
        Ext4(image, RootStart, RootSectors, RootUuid, root);
        return image;
    }

    /// <summary>
    /// Fedora with systemd-boot: the ESP holds loader.conf, BLS entries and /MACHINE-ID/VERSION/{linux,initrd},
    /// as kernel-install lays them out; two initrds (an early cpio, then the main one) to be concatenated.
    /// </summary>
    public static string Fedora(string directory)
    {
        string image = Layout(directory, "fedora.img");
        string esp = Dir(directory, "fedora-esp"), root = Dir(directory, "fedora-root");
        const string V = "6.7.4-200.fc39.x86_64", Old = "6.5.6-300.fc39.x86_64";
        foreach (string v in new[] { V, Old })
        {
            Write(esp, $"loader/entries/{MachineId}-{v}.conf",
                $"title Fedora Linux 39 (Workstation Edition)\nversion {v}\nmachine-id {MachineId}\nsort-key fedora\n" +
                $"options root=UUID={RootUuid} ro rhgb quiet\nlinux /{MachineId}/{v}/linux\ninitrd /{MachineId}/{v}/early.cpio\ninitrd /{MachineId}/{v}/initrd\n");
            Directory.CreateDirectory(Path.Combine(esp, MachineId, v));
            File.Copy(Repo.Kernel, Path.Combine(esp, MachineId, v, "linux"));
            File.Copy(Repo.Initramfs, Path.Combine(esp, MachineId, v, "initrd"));
            File.WriteAllBytes(Path.Combine(esp, MachineId, v, "early.cpio"), EmptyCpio());
        }
        Write(esp, "loader/loader.conf", $"timeout 3\ndefault {MachineId}-{V}.conf\n");
        Write(root, "etc/os-release", "PRETTY_NAME=\"Fedora Linux 39 (Workstation Edition)\"\n");
        Fat(image, esp);
        Ext4(image, BootStart, BootSectors, "11111111-2222-4333-8444-555555555555", Dir(directory, "fedora-unused"));
        Ext4(image, RootStart, RootSectors, RootUuid, root);
        return image;
    }

    /// <summary>A newc cpio with only the trailer: a valid early initrd the kernel skips over.</summary>
    /// <summary>
    /// openSUSE's layout: no separate /boot, the kernel and the boot entries are in /boot of the Btrfs root, here a
    /// whole-disk Btrfs (mkfs.btrfs --rootdir fills it) with one BLS entry in /boot/loader/entries.
    /// </summary>
    public static string OpenSuseBtrfs(string directory)
    {
        string image = Path.Combine(directory, "opensuse.img");
        string root = Dir(directory, "opensuse-root");
        const string V = "6.1.0-21-default";
        Write(root, $"boot/loader/entries/opensuse-tumbleweed-{V}.conf",
            $"title openSUSE Tumbleweed\nversion {V}\noptions root=UUID={RootUuid} rootflags=subvol=@ quiet\n" +
            $"linux /boot/vmlinuz-{V}\ninitrd /boot/initrd-{V}\n");
        File.Copy(Repo.Kernel, Path.Combine(root, "boot", $"vmlinuz-{V}"));
        File.Copy(Repo.Initramfs, Path.Combine(root, "boot", $"initrd-{V}"));
        Write(root, "etc/os-release", "PRETTY_NAME=\"openSUSE Tumbleweed\"\n");
        using (var f = File.Create(image)) f.SetLength(192L << 20);
        Run("mkfs.btrfs", null, "-q", "-f", "-U", RootUuid, "-L", "opensuse", "--rootdir", root, image);
        return image;
    }

    private static byte[] EmptyCpio()
    {
        string header = "070701" + string.Concat(Enumerable.Repeat("00000000", 11)) + "0000000B" + "00000000" + "TRAILER!!!\0";
        var bytes = System.Text.Encoding.ASCII.GetBytes(header).ToList();
        while (bytes.Count % 512 != 0) bytes.Add(0);
        return [.. bytes];
    }

    private static string Layout(string directory, string name)
    {
        string image = Path.Combine(directory, name);
        using (var f = File.Create(image)) f.SetLength((RootStart + RootSectors + 2048) * Sector);
        Run("sfdisk", $"label: gpt\nstart={EspStart}, size={EspSectors}, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=\"EFI System Partition\"\n" +
            $"start={BootStart}, size={BootSectors}, type=BC13C2FF-59E6-4262-A352-B275FD6F7172\n" +
            $"start={RootStart}, size={RootSectors}, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709\n", "--quiet", image);
        return image;
    }

    private static void Fat(string image, string content)
    {
        Run("mkfs.vfat", null, "--offset", EspStart.ToString(), "-F", "16", "-i", "1A2B3C4D", "-n", "ESP", image, (EspSectors / 2).ToString());
        foreach (string entry in Directory.EnumerateFileSystemEntries(content))
            Run("mcopy", null, "-s", "-i", $"{image}@@{EspStart * Sector}", entry, "::/");
    }

    private static void Ext4(string image, long start, long sectors, string uuid, string content) =>
        Run("mkfs.ext4", null, "-q", "-F", "-E", $"offset={start * Sector}", "-U", uuid, "-d", content, image, $"{sectors / 2}k");

    private static string Dir(string directory, string name) => Directory.CreateDirectory(Path.Combine(directory, name)).FullName;

    private static void Write(string root, string path, string content)
    {
        string full = Path.Combine(root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    private static string GrubEnv(string line)
    {
        string body = "# GRUB Environment Block\n" + line + "\n";
        return body + new string('#', 1024 - body.Length);
    }

    private static void Run(string file, string? input, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = input is not null };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        if (input is not null) { p.StandardInput.Write(input); p.StandardInput.Close(); }
        p.StandardOutput.ReadToEnd();
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: {err}");
    }
}
