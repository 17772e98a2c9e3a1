using Fobnail.Boot.Bls;
using Fobnail.Boot.Files;
using Fobnail.Boot.Grub;
using Fobnail.Boot.Syslinux;

namespace Fobnail.Boot.Entries;

/// <summary>
/// Finds every boot entry on a set of filesystems, in the order a machine's own boot loaders take precedence:
/// systemd-boot style BLS (an ESP/XBOOTLDR or a loader.conf), then GRUB (grub.cfg, with blscfg), then BLS
/// directories no GRUB read, then syslinux/extlinux. Entries that repeat one already found (an ESP's grub.cfg that
/// only does configfile to /boot/grub/grub.cfg) are dropped. Each entry's files are checked to exist under its
/// filesystem; a broken config or entry is a note or an entry with a <see cref="BootEntry.Problem"/>, never an error.
/// </summary>
public static class BootEntryScanner
{
    public static readonly string[] GrubConfigs = ["/boot/grub/grub.cfg", "/grub/grub.cfg", "/boot/grub2/grub.cfg", "/grub2/grub.cfg"];
    public static readonly string[] SyslinuxConfigs =
        ["/boot/extlinux/extlinux.conf", "/extlinux/extlinux.conf", "/extlinux.conf", "/boot/syslinux/syslinux.cfg", "/syslinux/syslinux.cfg", "/syslinux.cfg"];
    public static readonly string[] BlsDirectories = ["/loader/entries", "/boot/loader/entries"];

    public sealed record Scan(IReadOnlyList<BootEntry> Entries, IReadOnlyList<string> Notes);

    public static Scan Run(BootFilesystems filesystems)
    {
        var entries = new List<BootEntry>();
        var notes = new List<string>();
        var blsUsed = new HashSet<(string, string)>();

        // 1. systemd-boot: entries on an ESP or XBOOTLDR, or next to a loader.conf.
        foreach (BootFilesystem fs in filesystems.All)
        {
            string? loaderText = Try(() => fs.Root.ReadText("/loader/loader.conf"), fs, notes);
            if (loaderText is null && !fs.IsEsp && !fs.IsXbootldr) continue;
            if (!fs.Root.DirectoryExists("/loader/entries")) continue;
            LoaderConf loader = loaderText is null ? new LoaderConf(null) : Try(() => LoaderConf.Parse(loaderText, fs.Root.Limits), fs, notes) ?? new LoaderConf(null);
            AddBls(fs, "/loader/entries", loader, entries, notes);
            blsUsed.Add((fs.Device, "/loader/entries"));
        }

        // 2. GRUB: the configs grub-install points at, and the ESP stubs (EFI/*/grub.cfg).
        foreach (BootFilesystem fs in filesystems.All)
        {
            var configs = GrubConfigs.Where(fs.Root.FileExists).ToList();
            foreach (string dir in SafeList(() => Directory.Exists(fs.Root.Resolve("/EFI") ?? "") ? Directory.EnumerateDirectories(fs.Root.Resolve("/EFI")!).Take(fs.Root.Limits.MaxEntries).ToList() : []))
                if (fs.Root.FileExists($"/EFI/{Path.GetFileName(dir)}/grub.cfg")) configs.Add($"/EFI/{Path.GetFileName(dir)}/grub.cfg");
            foreach (string config in configs)
            {
                try
                {
                    var result = GrubConfig.Read(filesystems, fs, config);
                    entries.AddRange(result.Entries);
                    notes.AddRange(result.Notes);
                    notes.Add($"{fs.Device}:{config}: {result.Entries.Count} entries; {result.DefaultReason}");
                    foreach (var used in result.BlsUsed) blsUsed.Add(used);
                }
                catch (BootFormatException e) { notes.Add($"{fs.Device}:{config}: skipped: {e.Message}"); }
            }
        }

        // 3. BLS directories nobody read yet (Fedora's /boot/loader/entries read on their own).
        foreach (BootFilesystem fs in filesystems.All)
            foreach (string dir in BlsDirectories)
                if (!blsUsed.Contains((fs.Device, dir)) && fs.Root.DirectoryExists(dir))
                    AddBls(fs, dir, new LoaderConf(null), entries, notes);

        // 4. syslinux / extlinux.
        foreach (BootFilesystem fs in filesystems.All)
            foreach (string config in SyslinuxConfigs.Where(fs.Root.FileExists))
            {
                try { entries.AddRange(SyslinuxConfig.Read(fs, config)); }
                catch (BootFormatException e) { notes.Add($"{fs.Device}:{config}: skipped: {e.Message}"); }
            }

        var unique = new List<BootEntry>();
        foreach (BootEntry e in entries)
        {
            if (e.Kernel is not null && unique.Any(u => SameBoot(u, e))) continue;
            unique.Add(CheckFiles(e, filesystems));
        }
        return new Scan(unique, notes);
    }

    private static bool SameBoot(BootEntry a, BootEntry b) =>
        a.Kernel == b.Kernel && a.Initrd.SequenceEqual(b.Initrd) && a.Cmdline == b.Cmdline && a.Title == b.Title;

    private static T? Try<T>(Func<T?> read, BootFilesystem fs, List<string> notes) where T : class
    {
        try { return read(); }
        catch (BootFormatException e) { notes.Add($"{fs.Device}: {e.Message}"); return null; }
    }

    private static List<string> SafeList(Func<List<string>> list)
    {
        try { return list(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BootFormatException) { return []; }
    }

    private static void AddBls(BootFilesystem fs, string directory, LoaderConf loader, List<BootEntry> entries, List<string> notes)
    {
        var bls = BlsDirectory.Read(fs.Root, directory);
        notes.AddRange(bls.Skipped.Select(s => $"{fs.Device}: skipped {s}"));
        // systemd-boot: the first entry (in BLS order) matching loader.conf's default, else the first entry.
        BlsEntry? chosen = bls.Entries.FirstOrDefault(e => loader.IsDefault(e.Id)) ?? bls.Entries.FirstOrDefault();
        foreach (BlsEntry e in bls.Entries)
        {
            string? problem = null;
            BootFile? kernel = null;
            var initrd = new List<BootFile>();
            try
            {
                if (e.Linux is null) problem = e.Efi is null ? "no linux line" : "an EFI program entry (efi), which kexec cannot boot";
                else kernel = new BootFile(fs.Device, FilesystemRoot.Normalize(e.Linux));
                initrd.AddRange(e.Initrd.Select(i => new BootFile(fs.Device, FilesystemRoot.Normalize(i))));
            }
            catch (BootFormatException ex) { problem = ex.Message; }
            entries.Add(new BootEntry
            {
                Id = e.Id,
                Title = e.DisplayTitle,
                Source = BootEntrySource.Bls,
                Kernel = kernel,
                Initrd = initrd,
                Cmdline = e.Options,
                IsDefault = ReferenceEquals(e, chosen),
                Config = $"{fs.Device}:{directory}/{e.Id}.conf",
                Problem = problem,
            });
        }
    }

    /// <summary>The kernel and every initrd must be regular files under their filesystem's root.</summary>
    private static BootEntry CheckFiles(BootEntry e, BootFilesystems filesystems)
    {
        if (e.Problem is not null) return e;
        foreach (BootFile f in e.Kernel is null ? e.Initrd : e.Initrd.Prepend(e.Kernel))
        {
            BootFilesystem? fs = filesystems.ByDevice(f.Device);
            if (fs is null) return e with { Problem = $"{f} is on an unknown filesystem" };
            try
            {
                if (fs.Root.Resolve(f.Path) is not { } host || !File.Exists(host)) return e with { Problem = $"{f} does not exist" };
            }
            catch (BootFormatException ex) { return e with { Problem = $"{f}: {ex.Message}" }; }
        }
        return e;
    }
}
