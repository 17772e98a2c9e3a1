using Fobnail.Boot.Block;
using Fobnail.Boot.Entries;
using Fobnail.Boot.Grub;

namespace Fobnail.Boot.Tests;

/// <summary>
/// grub.cfg as the distributions generate it. The Debian 12 files are the output of grub-common 2.06-13's own
/// /etc/grub.d scripts (TestData/grub/generate.sh); the Fedora/RHEL ones follow grub2-mkconfig's output with blscfg.
/// </summary>
public sealed class GrubConfigTests : IDisposable
{
    private const string RootUuid = "4f2c1a3e-5b6d-4e7f-8a9b-0c1d2e3f4a5b";
    private const string BootUuid = "2b1e8d4c-7a09-4c55-9d1f-3e6a5b4c2d10";
    private readonly Tree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void Debian12_single_root_default_is_the_first_entry_with_its_search_resolved()
    {
        _tree.Fs("vda1", "ABCD-1234", "vfat", PartitionTypes.EfiSystem);
        var root = _tree.Fs("vda2", RootUuid);
        Tree.Copy(root, "/boot/grub/grub.cfg", "grub/debian12-grub.cfg");
        Tree.DebianKernels(root, "/boot");

        var result = GrubConfig.Read(_tree.All, root, "/boot/grub/grub.cfg");

        Assert.Equal(5, result.Entries.Count);
        BootEntry d = Assert.Single(result.Entries, e => e.IsDefault);
        Assert.Equal("gnulinux-simple-" + RootUuid, d.Id);
        Assert.Equal("Debian GNU/Linux", d.Title);
        Assert.Equal(new BootFile("vda2", "/boot/vmlinuz-6.1.0-21-amd64"), d.Kernel);
        Assert.Equal([new BootFile("vda2", "/boot/initrd.img-6.1.0-21-amd64")], d.Initrd);
        Assert.Equal("BOOT_IMAGE=/boot/vmlinuz-6.1.0-21-amd64 root=/dev/vda2 ro quiet", d.Cmdline);
        Assert.Null(d.Problem);
        Assert.Equal("Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux 6.1.0-18-amd64 ()", result.Entries[4].Title);
        Assert.Equal("BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=/dev/vda2 ro single", result.Entries[4].Cmdline);
        Assert.Equal("default \"0\"", result.DefaultReason);
    }

    [Theory]
    [InlineData("Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux 6.1.0-18-amd64", "gnulinux-6.1.0-18-amd64-advanced-")]
    [InlineData("gnulinux-advanced-" + BootUuid + ">gnulinux-6.1.0-21-amd64-recovery-" + BootUuid, "gnulinux-6.1.0-21-amd64-recovery-")]
    [InlineData("1>3", "gnulinux-6.1.0-18-amd64-recovery-")]
    [InlineData("Debian GNU/Linux", "gnulinux-simple-")]
    [InlineData("no such entry", "gnulinux-simple-")]
    [InlineData("", "gnulinux-simple-")]
    public void Debian12_separate_boot_with_GRUB_DEFAULT_saved_follows_grubenv(string savedEntry, string expectedIdPrefix)
    {
        var boot = _tree.Fs("vda1", BootUuid);
        _tree.Fs("vda2", RootUuid);
        Tree.Copy(boot, "/grub/grub.cfg", "grub/debian12-separate-boot-saved.cfg");
        Tree.Write(boot, "/grub/grubenv", GrubEnvText($"saved_entry={savedEntry}"));
        Tree.DebianKernels(boot, "");

        var result = GrubConfig.Read(_tree.All, boot, "/grub/grub.cfg");

        BootEntry d = Assert.Single(result.Entries, e => e.IsDefault);
        Assert.StartsWith(expectedIdPrefix, d.Id);
        Assert.Equal("vda1", d.Kernel!.Device);
        Assert.StartsWith("/vmlinuz-6.1.0-", d.Kernel.Path);
    }

    [Fact]
    public void Fedora_blscfg_entries_newest_first_default_from_saved_entry()
    {
        _tree.Fs("nvme0n1p1", "1A2B-3C4D", "vfat", PartitionTypes.EfiSystem);
        var boot = _tree.Fs("nvme0n1p2", "7c0f3a52-1d4e-4b9a-8e6f-2a1b3c4d5e6f");
        Tree.Copy(boot, "/grub2/grub.cfg", "fedora/grub.cfg");
        Tree.Copy(boot, "/grub2/grubenv", "fedora/grubenv");
        foreach (string f in Directory.GetFiles(Tree.Data("fedora"), "*.conf"))
            Tree.Copy(boot, "/loader/entries/" + Path.GetFileName(f), "fedora/" + Path.GetFileName(f));

        var result = GrubConfig.Read(_tree.All, boot, "/grub2/grub.cfg");

        Assert.Equal(["6.7.4-200", "6.5.6-300", "0-rescue"], result.Entries.Select(e => e.Id.Split('-', 2)[1].Replace(".fc39.x86_64", "")).Select(s => s.StartsWith("0-rescue") ? "0-rescue" : s));
        BootEntry d = Assert.Single(result.Entries, e => e.IsDefault);
        Assert.Equal("a3f1c0de9b8a4c7d8e6f5a4b3c2d1e0f-6.5.6-300.fc39.x86_64", d.Id);
        Assert.Equal("Fedora Linux (6.5.6-300.fc39.x86_64) 39 (Workstation Edition)", d.Title);
        Assert.Equal(new BootFile("nvme0n1p2", "/vmlinuz-6.5.6-300.fc39.x86_64"), d.Kernel);
        Assert.Equal("BOOT_IMAGE=(nvme0n1p2)/vmlinuz-6.5.6-300.fc39.x86_64 root=UUID=9e8d7c6b-5a49-4838-a726-15b4c3d2e1f0 ro rootflags=subvol=root rhgb quiet", d.Cmdline);
        Assert.Contains(("nvme0n1p2", "/loader/entries"), result.BlsUsed);
    }

    [Fact]
    public void Rhel8_blscfg_expands_kernelopts_from_grubenv_and_empty_tuned_variables()
    {
        var boot = _tree.Fs("sda1", "7c0f3a52-1d4e-4b9a-8e6f-2a1b3c4d5e6f", "xfs");
        Tree.Copy(boot, "/grub2/grub.cfg", "fedora/grub.cfg");
        Tree.Copy(boot, "/grub2/grubenv", "rhel8/grubenv");
        const string Id = "1e2d3c4b5a6978879695a4b3c2d1e0f9-4.18.0-513.5.1.el8_9.x86_64";
        Tree.Copy(boot, $"/loader/entries/{Id}.conf", $"rhel8/{Id}.conf");

        BootEntry d = Assert.Single(GrubConfig.Read(_tree.All, boot, "/grub2/grub.cfg").Entries);
        Assert.True(d.IsDefault);
        Assert.Equal("BOOT_IMAGE=(sda1)/vmlinuz-4.18.0-513.5.1.el8_9.x86_64 root=/dev/mapper/rhel-root ro crashkernel=auto resume=/dev/mapper/rhel-swap rd.lvm.lv=rhel/root rd.lvm.lv=rhel/swap rhgb quiet", d.Cmdline);
        Assert.Equal([new BootFile("sda1", "/initramfs-4.18.0-513.5.1.el8_9.x86_64.img")], d.Initrd);
    }

    [Fact]
    public void Esp_stub_configfile_reaches_the_real_config_on_another_filesystem()
    {
        var esp = _tree.Fs("vda1", "ABCD-1234", "vfat", PartitionTypes.EfiSystem);
        var root = _tree.Fs("vda2", RootUuid);
        // What grub-install writes to the ESP on Debian/Ubuntu for a signed GRUB.
        Tree.Write(esp, "/EFI/debian/grub.cfg", $"search.fs_uuid {RootUuid} root hd0,gpt2 \nset prefix=($root)'/boot/grub'\nconfigfile $prefix/grub.cfg\n");
        Tree.Copy(root, "/boot/grub/grub.cfg", "grub/debian12-grub.cfg");
        Tree.DebianKernels(root, "/boot");

        var result = GrubConfig.Read(_tree.All, esp, "/EFI/debian/grub.cfg");

        Assert.Equal(5, result.Entries.Count);
        BootEntry d = Assert.Single(result.Entries, e => e.IsDefault);
        Assert.Equal(new BootFile("vda2", "/boot/vmlinuz-6.1.0-21-amd64"), d.Kernel);
        Assert.Equal("vda2:/boot/grub/grub.cfg", d.Config);
    }

    [Fact]
    public void Handwritten_features_multiple_initrds_variables_linux16_sources_and_ids()
    {
        var fs = _tree.Fs("sda2", "1111-2222", "vfat");
        Tree.Write(fs, "/boot/grub/grub.cfg", """
            set timeout=3
            set default=second
            kver=6.1.0
            source $prefix/extra.cfg
            menuentry "First \"quoted\"" --id first { linux16 /k-${kver} a=b; initrd16 /ucode.img /i-$kver }
            menuentry 'Second' --id=second {
              set root=(sda2)
              linuxefi ($root)/k-$kver   console=ttyS0 \
                 $extra
              initrdefi (sda2)/i-$kver
            }
            if false; then menuentry never { linux /never }; elif [ "$kver" = 6.1.0 ]; then menuentry elif-taken { linux /k-6.1.0 }; fi
            while true; do menuentry in-loop { linux /loop }; done
            """);
        Tree.Write(fs, "/boot/grub/extra.cfg", "set extra=\"one two\"\n");
        var e = GrubConfig.Read(_tree.All, fs, "/boot/grub/grub.cfg").Entries;
        Assert.Equal(["First \"quoted\"", "Second", "elif-taken"], e.Select(x => x.Title));
        Assert.Equal([new BootFile("sda2", "/ucode.img"), new BootFile("sda2", "/i-6.1.0")], e[0].Initrd);
        Assert.Equal("BOOT_IMAGE=/k-6.1.0 a=b", e[0].Cmdline);
        Assert.True(e[1].IsDefault);
        Assert.Equal("BOOT_IMAGE=(sda2)/k-6.1.0 console=ttyS0 one two", e[1].Cmdline);
    }

    [Theory]
    [InlineData("menuentry 'x' { linux /../../etc/passwd }", "contains '..'")]
    [InlineData("menuentry 'x' { linux '/vmlinuz }", "unterminated single quote")]
    [InlineData("menuentry \"x { linux /vmlinuz }", "unterminated double quote")]
    [InlineData("menuentry x { linux /k", "without its closing '}'")]
    [InlineData("if true; then linux /k", "'if' without 'fi'")]
    [InlineData("source $prefix/grub.cfg", "an include loop?")]
    [InlineData("echo ${unterminated", "unterminated ${")]
    public void Hostile_configs_fail_with_a_reason(string text, string reason)
    {
        var fs = _tree.Fs("vdb1", "3333-4444", "vfat");
        Tree.Write(fs, "/grub/grub.cfg", text + "\n");
        string message;
        try
        {
            var result = GrubConfig.Read(_tree.All, fs, "/grub/grub.cfg");
            message = string.Join("; ", result.Entries.Select(e => e.Problem ?? "") .Concat(result.Notes));
        }
        catch (BootFormatException e) { message = e.Message; }
        Assert.Contains(reason, message);
    }

    [Fact]
    public void Oversized_config_and_deep_nesting_are_refused()
    {
        var fs = _tree.Fs("vdb1", "3333-4444", "vfat");
        Tree.Write(fs, "/big.cfg", new string('#', BootLimits.Default.MaxConfigBytes + 1));
        Assert.Contains("larger than", Assert.Throws<BootFormatException>(() => GrubConfig.Read(_tree.All, fs, "/big.cfg")).Message);
        Tree.Write(fs, "/deep.cfg", string.Concat(Enumerable.Repeat("submenu s {\n", 40)) + string.Concat(Enumerable.Repeat("}\n", 40)));
        Assert.Contains("nested deeper", Assert.Throws<BootFormatException>(() => GrubConfig.Read(_tree.All, fs, "/deep.cfg")).Message);
        Tree.Write(fs, "/many.cfg", string.Concat(Enumerable.Range(0, 300).Select(i => $"menuentry e{i} {{ linux /k }}\n")));
        Assert.Contains("more than 256 menu entries", Assert.Throws<BootFormatException>(() => GrubConfig.Read(_tree.All, fs, "/many.cfg")).Message);
    }

    internal static string GrubEnvText(params string[] lines)
    {
        string body = "# GRUB Environment Block\n" + string.Concat(lines.Select(l => l + "\n"));
        return body + new string('#', 1024 - body.Length);
    }
}
