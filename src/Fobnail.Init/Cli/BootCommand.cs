using System.CommandLine;
using System.Text;
using System.Text.Json;
using Fobnail.Boot;
using Fobnail.Boot.Discovery;
using Fobnail.Boot.Entries;
using Fobnail.Boot.Files;

namespace Fobnail.Init.Cli;

/// <summary>
/// <c>boot list|show</c>: the boot entries the boot step would see. With <c>--root DIR</c> (repeatable) each
/// directory stands for one mounted filesystem; without, the machine's block devices are probed and mounted
/// read-only under a private directory and unmounted again. Paths are relative to the filesystem they are on.
/// </summary>
internal static class BootCommand
{
    public const int Failed = 1;

    public static Command Create()
    {
        var command = new Command("boot", "The installed system's boot entries (BLS, GRUB, syslinux) as the boot step finds them");
        var roots = new Option<string[]>("--root") { Description = "Directory standing for one mounted filesystem (repeatable); none: probe and mount the block devices", Recursive = true, AllowMultipleArgumentsPerToken = false };
        var json = new Option<bool>("--json") { Description = "JSON output", Recursive = true };
        var wait = new Option<int>("--wait") { Description = "Seconds to wait for block devices (without --root)", DefaultValueFactory = _ => 0, Recursive = true };
        command.Options.Add(roots);
        command.Options.Add(json);
        command.Options.Add(wait);

        var list = new Command("list", "List every boot entry found, the default marked, unbootable ones with the reason");
        list.SetAction(async (r, ct) => await RunAsync(r.GetValue(roots) ?? [], r.GetValue(wait), ct, scan =>
        {
            Console.Out.Write(r.GetValue(json) ? Json(scan.Entries) : Text(scan));
            return 0;
        }).ConfigureAwait(false));
        command.Subcommands.Add(list);

        var entryArg = new Argument<string>("ENTRY") { Description = "Id, title or index (as fobnail.boot.entry=); DEFAULT for the one the boot step would choose" };
        var show = new Command("show", "Show one entry and why it would be chosen") { entryArg };
        show.SetAction(async (r, ct) => await RunAsync(r.GetValue(roots) ?? [], r.GetValue(wait), ct, scan =>
        {
            string selector = r.GetValue(entryArg)!;
            var choice = EntryChooser.Choose(scan.Entries, selector == "DEFAULT" ? null : selector);
            if (choice.Entry is null) { Console.Error.WriteLine(choice.Reason); return Failed; }
            Console.Out.Write(r.GetValue(json) ? Json([choice.Entry]) : Text(new BootEntryScanner.Scan([choice.Entry], [choice.Reason])));
            return 0;
        }).ConfigureAwait(false));
        command.Subcommands.Add(show);
        return command;
    }

    private static async Task<int> RunAsync(string[] roots, int wait, CancellationToken ct, Func<BootEntryScanner.Scan, int> output)
    {
        try
        {
            if (roots.Length > 0)
            {
                var filesystems = roots.Select(d => Directory.Exists(d)
                    ? new BootFilesystem(d, new FilesystemRoot(d))
                    : throw new DirectoryNotFoundException($"--root {d}: no such directory")).ToList();
                return output(BootEntryScanner.Run(new BootFilesystems(filesystems)));
            }
            string mountBase = Directory.CreateTempSubdirectory("fobnail-boot-").FullName;
            try
            {
                var discovery = new BootDiscovery { MountBase = mountBase, Wait = TimeSpan.FromSeconds(wait), Log = line => Console.Error.WriteLine(line) };
                BootDiscovery.Result found = await discovery.RunAsync(ct).ConfigureAwait(false);
                using (found.Mounts) return output(found.Scan);
            }
            finally { Directory.Delete(mountBase, recursive: true); }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BootFormatException)
        {
            Console.Error.WriteLine($"boot: {e.Message}");
            return Failed;
        }
    }

    private static string Text(BootEntryScanner.Scan scan)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < scan.Entries.Count; i++)
        {
            BootEntry e = scan.Entries[i];
            sb.Append($"{i,2}{(e.IsDefault ? '*' : ' ')} {e.SourceName,-8} {e.Id}\n     title:   {e.Title}\n");
            sb.Append($"     kernel:  {(e.Kernel is null ? "-" : $"({e.Device}){e.Kernel.Path}")}\n");
            foreach (string i2 in e.InitrdShown) sb.Append($"     initrd:  {i2}\n");
            sb.Append($"     cmdline: {e.Cmdline}\n     config:  {e.Config}\n");
            if (e.Problem is not null) sb.Append($"     NOT BOOTABLE: {e.Problem}\n");
        }
        foreach (string note in scan.Notes) sb.Append($"note: {note}\n");
        return sb.ToString();
    }

    private static string Json(IReadOnlyList<BootEntry> entries)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartArray();
            foreach (BootEntry e in entries)
            {
                w.WriteStartObject();
                w.WriteString("id", e.Id);
                w.WriteString("title", e.Title);
                w.WriteString("source", e.SourceName);
                w.WriteString("device", e.Device);
                if (e.Kernel is null) w.WriteNull("kernel"); else w.WriteString("kernel", e.Kernel.Path);
                w.WriteStartArray("initrd");
                foreach (string i in e.InitrdShown) w.WriteStringValue(i);
                w.WriteEndArray();
                w.WriteString("cmdline", e.Cmdline);
                w.WriteBoolean("default", e.IsDefault);
                w.WriteString("config", e.Config);
                if (e.Problem is null) w.WriteNull("problem"); else w.WriteString("problem", e.Problem);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
