using Fobnail.Boot.Block;
using Fobnail.Boot.Bls;
using Fobnail.Boot.Entries;
using Fobnail.Boot.Files;

namespace Fobnail.Boot.Tests;

/// <summary>BLS (systemd-boot), syslinux, the scanner's precedence and de-duplication, the choice, path containment.</summary>
public sealed class EntriesTests : IDisposable
{
    private readonly Tree _tree = new();

    public void Dispose() => _tree.Dispose();

    /// <summary>A Fedora-style ESP as kernel-install lays it out for systemd-boot: /MACHINE-ID/VERSION/{linux,initrd}.</summary>
    private BootFilesystem FedoraEsp(string? loaderDefault)
    {
        var esp = _tree.Fs("vda1", "1A2B-3C4D", "vfat", PartitionTypes.EfiSystem);
        const string M = "a3f1c0de9b8a4c7d8e6f5a4b3c2d1e0f";
        foreach (string v in new[] { "6.5.6-300.fc39.x86_64", "6.7.4-200.fc39.x86_64" })
        {
            Tree.Write(esp, $"/loader/entries/{M}-{v}.conf", $"""
                # Boot Loader Specification type#1 entry
                title      Fedora Linux 39 (Workstation Edition)
                version    {v}
                machine-id {M}
                sort-key   fedora
                options    root=UUID=9e8d7c6b-5a49-4838-a726-15b4c3d2e1f0 ro rhgb quiet
                linux      /{M}/{v}/linux
                initrd     /{M}/{v}/initrd
                """);
            Tree.Write(esp, $"/{M}/{v}/linux");
            Tree.Write(esp, $"/{M}/{v}/initrd");
        }
        Tree.Write(esp, "/loader/loader.conf", loaderDefault is null ? "timeout 3\n" : $"timeout 3\ndefault {loaderDefault}\n");
        return esp;
    }

    [Theory]
    [InlineData(null, "6.7.4-200")]              // no default: the first in BLS order, the newest version
    [InlineData("*6.5.6*", "6.5.6-300")]         // a glob over ids
    [InlineData("a3f1c0de9b8a4c7d8e6f5a4b3c2d1e0f-6.5.6-300.fc39.x86_64.conf", "6.5.6-300")]
    [InlineData("@saved", "6.7.4-200")]          // an EFI variable we cannot read: no default
    public void Systemd_boot_esp_default_follows_loader_conf(string? loaderDefault, string expected)
    {
        FedoraEsp(loaderDefault);
        var scan = BootEntryScanner.Run(_tree.All);
        Assert.Equal(2, scan.Entries.Count);
        BootEntry d = Assert.Single(scan.Entries, e => e.IsDefault);
        Assert.Contains(expected, d.Id);
        Assert.Equal(BootEntrySource.Bls, d.Source);
        Assert.Equal("root=UUID=9e8d7c6b-5a49-4838-a726-15b4c3d2e1f0 ro rhgb quiet", d.Cmdline);
        Assert.Equal("vda1", d.Device);
        Assert.StartsWith("/a3f1c0de9b8a4c7d8e6f5a4b3c2d1e0f/", d.Kernel!.Path);
        Assert.Null(d.Problem);
        Assert.Equal(d, EntryChooser.Choose(scan.Entries, null).Entry);
    }

    [Fact]
    public void Bls_parser_keeps_repeated_initrd_and_options_and_sorts_by_version()
    {
        BlsEntry e = BlsEntryParser.Parse("x", "title T\noptions a=1\ninitrd /u.img\ninitrd /i.img\noptions b=2\nunknown-key v\n");
        Assert.Equal(["/u.img", "/i.img"], e.Initrd);
        Assert.Equal("a=1 b=2", e.Options);
        string[] versions = ["5.10.0", "6.1.0-rc1", "6.1.0~rc1", "6.1.0", "6.10.2", "6.9.12"];
        var sorted = versions.Order(VersionComparer.Instance).ToArray();
        Assert.Equal(["5.10.0", "6.1.0~rc1", "6.1.0", "6.1.0-rc1", "6.9.12", "6.10.2"], sorted);
    }

    [Fact]
    public void Scanner_puts_systemd_boot_first_then_grub_drops_the_esp_stub_duplicates_and_reads_syslinux()
    {
        FedoraEsp(null);
        Tree.Write(_tree.All.All[0], "/EFI/debian/grub.cfg", "search.fs_uuid 4f2c1a3e-5b6d-4e7f-8a9b-0c1d2e3f4a5b root\nset prefix=($root)'/boot/grub'\nconfigfile $prefix/grub.cfg\n");
        var root = _tree.Fs("vda2", "4f2c1a3e-5b6d-4e7f-8a9b-0c1d2e3f4a5b");
        Tree.Copy(root, "/boot/grub/grub.cfg", "grub/debian12-grub.cfg");
        Tree.DebianKernels(root, "/boot");
        var sys = _tree.Fs("sda1", "5555-6666", "vfat");
        Tree.Write(sys, "/extlinux/extlinux.conf", """
            DEFAULT rescue
            MENU TITLE boot
            LABEL linux
              MENU LABEL Linux
              LINUX ../vmlinuz
              INITRD /ucode.img,/initrd.img
              APPEND root=/dev/sda2 ro
            LABEL rescue
              KERNEL /vmlinuz
              APPEND initrd=/initrd.img single
            """);
        Tree.Write(sys, "/vmlinuz");
        Tree.Write(sys, "/ucode.img");
        Tree.Write(sys, "/initrd.img");

        var scan = BootEntryScanner.Run(_tree.All);

        Assert.Equal(["bls", "bls", "grub", "grub", "grub", "grub", "grub", "syslinux", "syslinux"], scan.Entries.Select(e => e.SourceName));
        Assert.Equal(3, scan.Entries.Count(e => e.IsDefault)); // one per boot loader
        Assert.Contains("6.7.4", EntryChooser.Choose(scan.Entries, null).Entry!.Id);
        BootEntry linux = scan.Entries[7];
        Assert.Contains("'..'", linux.Problem);
        BootEntry rescue = scan.Entries[8];
        Assert.True(rescue.IsDefault);
        Assert.Equal([new BootFile("sda1", "/initrd.img")], rescue.Initrd);
        Assert.Equal("single", rescue.Cmdline);
        Assert.Null(rescue.Problem);
    }

    [Theory]
    [InlineData("gnulinux-6.1.0-18-amd64-recovery-4f2c1a3e-5b6d-4e7f-8a9b-0c1d2e3f4a5b", "6.1.0-18-amd64 root=/dev/vda2 ro single", "its id")]
    [InlineData("Debian GNU/Linux, with Linux 6.1.0-18-amd64", "6.1.0-18-amd64 root=/dev/vda2 ro quiet", "its title")]
    [InlineData("Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux 6.1.0-21-amd64", "6.1.0-21-amd64 root=/dev/vda2 ro quiet", "its title")]
    [InlineData("2", "6.1.0-21-amd64 root=/dev/vda2 ro single", "index 2")]
    public void Entry_selected_by_id_title_or_index(string selector, string cmdlineEnd, string how)
    {
        var root = _tree.Fs("vda2", "4f2c1a3e-5b6d-4e7f-8a9b-0c1d2e3f4a5b");
        Tree.Copy(root, "/boot/grub/grub.cfg", "grub/debian12-grub.cfg");
        Tree.DebianKernels(root, "/boot");
        var choice = EntryChooser.Choose(BootEntryScanner.Run(_tree.All).Entries, selector);
        Assert.EndsWith(cmdlineEnd, choice.Entry!.Cmdline);
        Assert.Contains(how, choice.Reason);
        Assert.Equal(choice.Entry.Cmdline + " console=ttyS0", EntryChooser.Cmdline(choice.Entry, "console=ttyS0"));
        Assert.Null(EntryChooser.Choose(BootEntryScanner.Run(_tree.All).Entries, "nope").Entry);
    }

    [Fact]
    public void A_broken_default_is_not_replaced_silently_and_missing_files_are_problems()
    {
        var fs = _tree.Fs("vda2", "4f2c1a3e-5b6d-4e7f-8a9b-0c1d2e3f4a5b");
        Tree.Write(fs, "/boot/grub/grub.cfg", "menuentry a { linux /missing }\nmenuentry b { linux /k; initrd /gone.img }\nmenuentry c { linux /k }\n");
        Tree.Write(fs, "/k");
        var entries = BootEntryScanner.Run(_tree.All).Entries;
        Assert.Equal("(vda2)/missing does not exist", entries[0].Problem);
        Assert.Equal("(vda2)/gone.img does not exist", entries[1].Problem);
        var choice = EntryChooser.Choose(entries, null);
        Assert.Null(choice.Entry);
        Assert.Contains("cannot be booted", choice.Reason);
        Assert.Equal("c", EntryChooser.Choose(entries, "c").Entry!.Title);
    }

    [Fact]
    public void Symlinks_resolve_under_the_filesystem_root_never_outside()
    {
        var fs = _tree.Fs("vda2", "4f2c1a3e-5b6d-4e7f-8a9b-0c1d2e3f4a5b");
        string outside = Path.Combine(Path.GetTempPath(), $"fobnail-outside-{Guid.NewGuid():N}");
        File.WriteAllText(outside, "secret");
        try
        {
            Tree.Write(fs, "/boot/vmlinuz-6.1");
            Directory.CreateDirectory(fs.Root.Directory + "/boot/grub");
            File.CreateSymbolicLink(fs.Root.Directory + "/vmlinuz", "boot/vmlinuz-6.1");           // Debian's /vmlinuz link
            File.CreateSymbolicLink(fs.Root.Directory + "/abs", "/boot/vmlinuz-6.1");               // absolute: from this root
            File.CreateSymbolicLink(fs.Root.Directory + "/escape", outside);                         // absolute: outside
            File.CreateSymbolicLink(fs.Root.Directory + "/dotdot", "../../../../../../../.." + outside); // relative: clamps at root
            File.CreateSymbolicLink(fs.Root.Directory + "/loop", "loop");
            FilesystemRoot r = fs.Root;
            Assert.Equal(r.Directory + "/boot/vmlinuz-6.1", r.Resolve("/vmlinuz"));
            Assert.Equal(r.Directory + "/boot/vmlinuz-6.1", r.Resolve("/abs"));
            Assert.Null(r.Resolve("/escape"));
            Assert.Null(r.Resolve("/dotdot"));
            Assert.Contains("symbolic links", Assert.Throws<BootFormatException>(() => r.Resolve("/loop")).Message);
            Assert.Contains("'..'", Assert.Throws<BootFormatException>(() => r.Resolve("/boot/../../etc")).Message);
            Assert.False(r.FileExists("/escape"));
        }
        finally { File.Delete(outside); }
    }
}
