using Fobnail.Boot.Entries;
using Fobnail.Boot.Files;

namespace Fobnail.Boot.Syslinux;

/// <summary>
/// extlinux.conf / syslinux.cfg (the SYSLINUX config file documentation): LABEL blocks with KERNEL or LINUX,
/// INITRD (comma-separated), APPEND, MENU LABEL; DEFAULT LABEL and MENU DEFAULT; INCLUDE. Keywords are
/// case-insensitive; relative paths are relative to the directory of the config file. Other keywords are skipped.
/// </summary>
public static class SyslinuxConfig
{
    public static IReadOnlyList<BootEntry> Read(BootFilesystem fs, string path)
    {
        string config = FilesystemRoot.Normalize(path);
        string directory = config[..config.LastIndexOf('/')];
        var labels = new List<Label>();
        string? defaultLabel = null;
        int includes = 0;

        void ReadFile(string file, int depth)
        {
            BootLimits limits = fs.Root.Limits;
            if (depth > limits.MaxDepth || ++includes > limits.MaxIncludes)
                throw new BootFormatException($"{fs.Device}:{file}: INCLUDE nested deeper than {limits.MaxDepth} or more than {limits.MaxIncludes} files");
            string text = fs.Root.ReadText(file) ?? throw new BootFormatException($"{fs.Device}:{file} does not exist");
            foreach (var (number, line) in ConfigLines.Split(text, $"{fs.Device}:{file}", limits))
            {
                string t = line.Trim();
                if (t.Length == 0 || t[0] == '#') continue;
                string[] kv = t.Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries);
                string key = kv[0].ToUpperInvariant();
                string value = kv.Length > 1 ? kv[1].Trim() : "";
                if (key == "MENU" && value.Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries) is [var sub, ..] )
                {
                    string rest = value[sub.Length..].Trim();
                    key = "MENU " + sub.ToUpperInvariant();
                    value = rest;
                }
                Label? current = labels.Count > 0 ? labels[^1] : null;
                switch (key)
                {
                    case "DEFAULT": defaultLabel = value.Split(' ')[0]; break;
                    case "LABEL":
                        if (labels.Count >= limits.MaxEntries) throw new BootFormatException($"{fs.Device}:{file}:{number}: more than {limits.MaxEntries} labels");
                        labels.Add(new Label(value));
                        break;
                    case "KERNEL" or "LINUX" when current is not null: current.Kernel = value; break;
                    case "INITRD" when current is not null: current.Initrd = value; break;
                    case "APPEND" when current is not null: current.Append = value == "-" ? "" : value; break;
                    case "MENU LABEL" when current is not null: current.Title = value; break;
                    case "MENU DEFAULT" when current is not null: current.MenuDefault = true; break;
                    case "INCLUDE": ReadFile(Resolve(value), depth + 1); break;
                }
            }
        }
        string Resolve(string p) => FilesystemRoot.Normalize(p.StartsWith('/') ? p : $"{directory}/{p}");

        ReadFile(config, 0);
        Label? chosen = labels.FirstOrDefault(l => l.MenuDefault) ?? labels.FirstOrDefault(l => l.Name == defaultLabel) ?? labels.FirstOrDefault();
        var entries = new List<BootEntry>();
        foreach (Label l in labels)
        {
            string? problem = null;
            BootFile? kernel = null;
            var initrd = new List<BootFile>();
            try
            {
                // APPEND's initrd= is how older configs name the initrd.
                string? initrdList = l.Initrd ?? l.Append.Split(' ').FirstOrDefault(a => a.StartsWith("initrd=", StringComparison.Ordinal))?[7..];
                if (l.Kernel is null) problem = "no KERNEL/LINUX line";
                else kernel = new BootFile(fs.Device, Resolve(l.Kernel));
                foreach (string i in (initrdList ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)) initrd.Add(new BootFile(fs.Device, Resolve(i)));
            }
            catch (BootFormatException e) { problem = e.Message; }
            entries.Add(new BootEntry
            {
                Id = l.Name,
                Title = l.Title ?? l.Name,
                Source = BootEntrySource.Syslinux,
                Kernel = kernel,
                Initrd = initrd,
                Cmdline = string.Join(' ', l.Append.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(a => !a.StartsWith("initrd=", StringComparison.Ordinal))),
                IsDefault = ReferenceEquals(l, chosen),
                Config = $"{fs.Device}:{config}",
                Problem = problem,
            });
        }
        return entries;
    }

    private sealed class Label(string name)
    {
        public string Name { get; } = name;
        public string? Title { get; set; }
        public string? Kernel { get; set; }
        public string? Initrd { get; set; }
        public string Append { get; set; } = "";
        public bool MenuDefault { get; set; }
    }
}
