using Fobnail.Boot.Bls;
using Fobnail.Boot.Entries;
using Fobnail.Boot.Files;

namespace Fobnail.Boot.Grub;

/// <summary>
/// Reads a grub.cfg the way GRUB's normal mode would, without executing anything: it evaluates the few commands
/// that decide the menu and what an entry boots (set/unset/NAME=VALUE, export, load_env, search and search.*,
/// source, configfile, if/elif/else with '[' tests, function calls, menuentry, submenu, blscfg, linux*, initrd*)
/// and skips every other command. Entry bodies are evaluated with the environment as it is when the file has been
/// read (GRUB runs them when the entry is chosen). The default is GRUB's: the "default" variable as an index,
/// a title or an id, with "&gt;" for submenu paths, falling back to the first entry.
/// </summary>
public sealed class GrubConfig
{
    /// <summary>Variables GRUB 2.06's normal mode defines before reading grub.cfg (grub-core/normal/main.c features).</summary>
    private static readonly (string, string)[] Builtins =
    [
        ("feature_menuentry_id", "y"), ("feature_menuentry_options", "y"), ("feature_all_video_module", "y"),
        ("feature_timeout_style", "y"), ("feature_default_font_path", "y"), ("feature_200_final", "y"),
        ("feature_platform_search_hint", "y"), ("feature_nativedisk_cmd", "y"), ("grub_cpu", "x86_64"), ("grub_platform", "pc"),
    ];

    private readonly BootFilesystems _filesystems;
    private readonly BootLimits _limits;
    private readonly List<string> _notes = [];
    private readonly List<(string Device, string Directory)> _blsUsed = [];
    private int _includes;

    private GrubConfig(BootFilesystems filesystems, BootLimits limits)
    {
        _filesystems = filesystems;
        _limits = limits;
    }

    /// <summary>The result: the menu flattened to entries (default marked), notes on what was skipped, BLS directories blscfg read.</summary>
    public sealed record Result(IReadOnlyList<BootEntry> Entries, IReadOnlyList<string> Notes, IReadOnlyList<(string Device, string Directory)> BlsUsed, string DefaultReason);

    public static Result Read(BootFilesystems filesystems, BootFilesystem fs, string path, BootLimits? limits = null)
    {
        var reader = new GrubConfig(filesystems, limits ?? fs.Root.Limits);
        var context = new Context(reader, fs, null);
        context.Env["root"] = fs.Device;
        context.Env["prefix"] = $"({fs.Device}){DirectoryOf(FilesystemRoot.Normalize(path))}";
        context.Env["cmdpath"] = context.Env["prefix"];
        foreach (var (k, v) in Builtins) context.Env[k] = v;
        context.Exported.UnionWith(["root", "prefix", "cmdpath"]);
        Context final = context.RunFile(fs, FilesystemRoot.Normalize(path), 0);
        return reader.Flatten(final, $"{fs.Device}:{FilesystemRoot.Normalize(path)}");
    }

    private static string DirectoryOf(string path) => path[..Math.Max(path.LastIndexOf('/'), 0)] is { Length: > 0 } d ? d : "/";

    private Result Flatten(Context final, string config)
    {
        var entries = new List<(GrubMenuEntry Entry, string Title, int[] Index)>();
        void Walk(IReadOnlyList<GrubMenuItem> items, string prefix, int[] index)
        {
            for (int i = 0; i < items.Count; i++)
            {
                int[] here = [.. index, i];
                if (items[i] is GrubMenuEntry e) entries.Add((e, prefix + e.Title, here));
                else if (items[i] is GrubSubmenu s) Walk(s.Items, $"{prefix}{s.Title}>", here);
            }
        }
        Walk(final.Menu, "", []);
        var (defaultIndex, reason) = ResolveDefault(final.Menu, final.Get("default"));
        var result = new List<BootEntry>();
        foreach (var (entry, title, index) in entries)
        {
            var body = final.ForEntry();
            string? problem = null;
            try { body.Run(entry.Body, 1); }
            catch (BootFormatException e) { problem = e.Message; }
            problem ??= body.Kernel is null ? "no linux command in this entry" : null;
            result.Add(new BootEntry
            {
                Id = entry.Id ?? "grub-" + string.Join('>', index),
                Title = title,
                Source = BootEntrySource.Grub,
                Kernel = body.Kernel,
                Initrd = body.Initrds,
                Cmdline = body.Cmdline,
                IsDefault = defaultIndex is not null && index.SequenceEqual(defaultIndex),
                Config = entry.Source.Length > 0 ? entry.Source : config,
                Problem = problem ?? body.Problem,
            });
        }
        return new Result(result, _notes, _blsUsed, reason);
    }

    /// <summary>GRUB's default: "N", "TITLE", "ID" or a "&gt;"-separated path through submenus; unset or unmatched → entry 0.</summary>
    private static (int[]? Index, string Reason) ResolveDefault(IReadOnlyList<GrubMenuItem> menu, string value)
    {
        if (menu.Count == 0) return (null, "the menu is empty");
        if (value.Length == 0) return (FirstEntry(menu, []), "default is not set: the first entry");
        var index = new List<int>();
        IReadOnlyList<GrubMenuItem> level = menu;
        string[] parts = value.Split('>');
        for (int p = 0; p < parts.Length; p++)
        {
            string part = parts[p];
            int found = int.TryParse(part, out int n) && n >= 0 && n < level.Count && part.All(char.IsAsciiDigit) ? n
                : IndexOf(level, i => i.Id == part) is var byId and >= 0 ? byId
                : IndexOf(level, i => i.Title == part);
            if (found < 0) return (FirstEntry(menu, []), $"default \"{value}\" matches no entry: the first entry, as GRUB falls back");
            index.Add(found);
            if (level[found] is GrubSubmenu s)
            {
                if (p == parts.Length - 1) return (FirstEntry(s.Items, index), $"default \"{value}\" names a submenu: its first entry");
                level = s.Items;
            }
            else if (p != parts.Length - 1) return (FirstEntry(menu, []), $"default \"{value}\" goes past an entry: the first entry");
        }
        return (index.ToArray(), $"default \"{value}\"");
    }

    private static int IndexOf(IReadOnlyList<GrubMenuItem> items, Func<GrubMenuItem, bool> match)
    {
        for (int i = 0; i < items.Count; i++) if (match(items[i])) return i;
        return -1;
    }

    private static int[]? FirstEntry(IReadOnlyList<GrubMenuItem> items, IEnumerable<int> prefix)
    {
        if (items.Count == 0) return null;
        return items[0] is GrubSubmenu s ? FirstEntry(s.Items, prefix.Append(0)) : [.. prefix, 0];
    }

    /// <summary>One evaluation context: a file being read (global variables, menu) or an entry body.</summary>
    private sealed class Context
    {
        private readonly GrubConfig _reader;
        private BootFilesystem _fs;
        private string _file = "";
        private bool _stopped;

        public Context(GrubConfig reader, BootFilesystem fs, Context? parent)
        {
            _reader = reader;
            _fs = fs;
            if (parent is not null)
            {
                Env = new Dictionary<string, string>(parent.Env, StringComparer.Ordinal);
                Functions = new Dictionary<string, GrubBlock>(parent.Functions, StringComparer.Ordinal);
                Exported = [.. parent.Exported];
                _file = parent._file;
            }
        }

        public Dictionary<string, string> Env { get; private set; } = new(StringComparer.Ordinal);
        public Dictionary<string, GrubBlock> Functions { get; private set; } = new(StringComparer.Ordinal);
        public HashSet<string> Exported { get; private set; } = [];
        public List<GrubMenuItem> Menu { get; private set; } = [];

        // Entry body results.
        public BootFile? Kernel { get; private set; }
        public List<BootFile> Initrds { get; } = [];
        public string Cmdline { get; private set; } = "";
        public string? Problem { get; private set; }

        public string Get(string name) => Env.GetValueOrDefault(name, "");

        public Context ForEntry() => new(_reader, _fs, this);

        private BootLimits Limits => _reader._limits;

        private string Where(int line) => $"{_fs.Device}:{_file}:{line}";

        /// <summary>Reads and runs a file; returns the context whose menu counts (another one after configfile).</summary>
        public Context RunFile(BootFilesystem fs, string path, int depth)
        {
            if (depth > Limits.MaxDepth)
                throw new BootFormatException($"source/configfile nested deeper than {Limits.MaxDepth} at {fs.Device}:{path} (an include loop?)");
            if (++_reader._includes > Limits.MaxIncludes)
                throw new BootFormatException($"more than {Limits.MaxIncludes} grub.cfg files read (an include loop?) at {fs.Device}:{path}");
            string text = fs.Root.ReadText(path) ?? throw new BootFormatException($"{fs.Device}:{path} does not exist");
            var statements = GrubParser.Parse(text, $"{fs.Device}:{path}", Limits);
            var (savedFs, savedFile) = (_fs, _file);
            (_fs, _file) = (fs, path);
            try
            {
                Run(statements, depth);
                return _replacement ?? this;
            }
            finally { (_fs, _file) = (savedFs, savedFile); }
        }

        private Context? _replacement;

        public bool Run(IReadOnlyList<GrubStatement> statements, int depth)
        {
            if (depth > Limits.MaxDepth) throw new BootFormatException($"{Where(statements.FirstOrDefault()?.Line ?? 0)}: nested deeper than {Limits.MaxDepth}");
            bool status = true;
            foreach (GrubStatement s in statements)
            {
                if (_stopped) break;
                status = s switch
                {
                    GrubCommand c => Command(c, depth),
                    GrubIf i => If(i, depth),
                    GrubBlock b => Block(b, depth),
                    _ => true, // loops are skipped
                };
            }
            return status;
        }

        private bool If(GrubIf statement, int depth)
        {
            foreach (var (condition, body) in statement.Branches)
                if (Run(condition, depth + 1)) return Run(body, depth + 1);
            return Run(statement.Else, depth + 1);
        }

        private List<string> Expand(IEnumerable<GrubWord> words) =>
            words.SelectMany(w => w.Expand(Get, Limits.MaxValueLength)).ToList();

        private bool Block(GrubBlock block, int depth)
        {
            if (block.Keyword == "function")
            {
                if (block.Words.Count == 1 && block.Words[0].Plain is { } name) Functions[name] = block;
                return true;
            }
            List<string> args = Expand(block.Words);
            var (title, id) = MenuArguments(args, block.Line);
            if (CountEntries(Menu) >= Limits.MaxEntries) throw new BootFormatException($"{Where(block.Line)}: more than {Limits.MaxEntries} menu entries");
            if (block.Keyword == "menuentry")
            {
                Menu.Add(new GrubMenuEntry(title, id, block.Body, $"{_fs.Device}:{_file}"));
                return true;
            }
            // A submenu's body runs when it is entered; its entries see the variables as they are now.
            var saved = Menu;
            Menu = [];
            try { Run(block.Body, depth + 1); }
            finally
            {
                var items = Menu;
                Menu = saved;
                Menu.Add(new GrubSubmenu(title, id, items));
            }
            return true;
        }

        private static int CountEntries(IReadOnlyList<GrubMenuItem> items) =>
            items.Sum(i => i is GrubSubmenu s ? 1 + CountEntries(s.Items) : 1);

        /// <summary>menuentry TITLE [--class C] [--users U] [--hotkey K] [--id ID] [--unrestricted] [--source ...]: title and id.</summary>
        private (string Title, string? Id) MenuArguments(List<string> args, int line)
        {
            string? title = null, id = null;
            for (int i = 0; i < args.Count; i++)
            {
                string a = args[i];
                if (a is "--class" or "--users" or "--hotkey" or "--id") 
                {
                    if (i + 1 >= args.Count) throw new BootFormatException($"{Where(line)}: {a} without a value");
                    if (a == "--id") id = args[i + 1];
                    i++;
                }
                else if (a.StartsWith("--id=", StringComparison.Ordinal)) id = a[5..];
                else if (a.StartsWith("--", StringComparison.Ordinal)) { }
                else title ??= a;
            }
            return (title ?? throw new BootFormatException($"{Where(line)}: menu entry without a title"), id);
        }

        private bool Command(GrubCommand command, int depth)
        {
            if (command.Words.Count == 0) return true;
            // NAME=VALUE as a command of its own.
            if (command.Words.Count == 1 && command.Words[0].Parts.Count > 0 && command.Words[0].Parts[0] is GrubWord.Literal { Quoted: false } first
                && first.Text.IndexOf('=') is > 0 and var eq && IsName(first.Text[..eq]))
            {
                string value = string.Concat(command.Words[0].Expand(Get, Limits.MaxValueLength));
                Set(first.Text[..eq], value[(eq + 1)..]);
                return true;
            }
            List<string> args = Expand(command.Words);
            if (args.Count == 0) return true;
            string name = args[0];
            args.RemoveAt(0);
            switch (name)
            {
                case "set":
                    foreach (string a in args)
                        if (a.IndexOf('=') is > 0 and var e && IsName(a[..e])) Set(a[..e], a[(e + 1)..]);
                    return true;
                case "unset":
                    foreach (string a in args) Env.Remove(a);
                    return true;
                case "export":
                    Exported.UnionWith(args);
                    return true;
                case "true": return true;
                case "false": return false;
                case "[": return Test(args, command.Line, closing: true);
                case "test": return Test(args, command.Line, closing: false);
                case "load_env": return LoadEnv(args, command.Line);
                case "search" or "search.fs_uuid" or "search.fs_label" or "search.file": return Search(name, args, command.Line);
                case "source": return Include(args, command.Line, depth, replace: false);
                case "configfile": return Include(args, command.Line, depth, replace: true);
                case "blscfg": return Blscfg(command.Line);
                case "linux" or "linux16" or "linuxefi": return Linux(args, command.Line);
                case "initrd" or "initrd16" or "initrdefi": return Initrd(args, command.Line);
                default:
                    if (Functions.TryGetValue(name, out GrubBlock? function)) return Run(function.Body, depth + 1);
                    // Everything else (insmod, load_video, terminal_output, gfxmode, echo, ...) does not change what
                    // boots; unknown commands fail, as in GRUB, which matters only in if conditions.
                    return name is "insmod" or "echo" or "terminal_output" or "terminal_input" or "set_gfxpayload" or "loadfont" or "font" or "gfxmode";
            }
        }

        /// <summary>GRUB's write hook for root takes "(hd0,gpt2)" as well as "hd0,gpt2".</summary>
        private void Set(string name, string value) =>
            Env[name] = name == "root" && value.Length > 1 && value[0] == '(' && value[^1] == ')' ? value[1..^1] : value;

        private static bool IsName(string s) => s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !char.IsAsciiDigit(s[0]);

        /// <summary>Splits "(dev)/path" or "/path" (relative to $root) into a filesystem and a normalized path.</summary>
        private BootFile File(string spec, int line)
        {
            string device, path;
            if (spec.StartsWith('('))
            {
                int close = spec.IndexOf(')');
                if (close < 0) throw new BootFormatException($"{Where(line)}: unterminated device in {spec}");
                device = spec[1..close];
                path = spec[(close + 1)..];
            }
            else
            {
                device = Get("root");
                path = spec;
            }
            if (path.Length == 0) path = "/";
            path = FilesystemRoot.Normalize(path);
            BootFilesystem? fs = _reader._filesystems.ByDevice(device);
            if (fs is null)
            {
                // BIOS names (hd0,gpt2) cannot be mapped without the firmware's disk order; the generated configs
                // always search by UUID after setting them, so this is the configuration's own filesystem.
                _reader._notes.Add($"{Where(line)}: GRUB device '{device}' is not known; using {_fs.Device}, the filesystem this config is on");
                fs = _fs;
            }
            return new BootFile(fs.Device, path);
        }

        private bool Linux(List<string> args, int line)
        {
            if (args.Count == 0) throw new BootFormatException($"{Where(line)}: linux without a kernel");
            Kernel = File(args[0], line);
            // GRUB's x86 Linux loader puts BOOT_IMAGE=<the path as written> in front of the arguments.
            Cmdline = string.Join(' ', args.Skip(1).Prepend("BOOT_IMAGE=" + args[0]));
            Initrds.Clear();
            return true;
        }

        private bool Initrd(List<string> args, int line)
        {
            Initrds.Clear();
            foreach (string a in args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)))
            {
                if (Initrds.Count >= Limits.MaxEntries) throw new BootFormatException($"{Where(line)}: more than {Limits.MaxEntries} initrd files");
                Initrds.Add(File(a, line));
            }
            return true;
        }

        private bool FileExists(string spec, int line, Func<FilesystemRoot, string, bool> test)
        {
            try
            {
                BootFile f = File(spec, line);
                BootFilesystem? fs = _reader._filesystems.ByDevice(f.Device);
                return fs is not null && test(fs.Root, f.Path);
            }
            catch (BootFormatException) { return false; }
        }

        /// <summary>'[' / test: the unary and binary tests generated configs use; anything else is false.</summary>
        private bool Test(List<string> args, int line, bool closing)
        {
            if (closing)
            {
                if (args.Count == 0 || args[^1] != "]") throw new BootFormatException($"{Where(line)}: '[' without ']'");
                args = args[..^1];
            }
            bool negate = false;
            while (args.Count > 0 && args[0] == "!") { negate = !negate; args = args[1..]; }
            bool result = args.Count switch
            {
                0 => false,
                1 => args[0].Length > 0,
                2 => args[0] switch
                {
                    "-n" => args[1].Length > 0,
                    "-z" => args[1].Length == 0,
                    "-e" => FileExists(args[1], line, (r, p) => r.FileExists(p) || r.DirectoryExists(p)),
                    "-f" => FileExists(args[1], line, (r, p) => r.FileExists(p)),
                    "-d" => FileExists(args[1], line, (r, p) => r.DirectoryExists(p)),
                    "-s" => FileExists(args[1], line, (r, p) => r.Resolve(p) is { } h && System.IO.File.Exists(h) && new FileInfo(h).Length > 0),
                    _ => false,
                },
                3 => args[1] switch
                {
                    "=" or "==" => args[0] == args[2],
                    "!=" => args[0] != args[2],
                    "-eq" or "-ne" or "-lt" or "-le" or "-gt" or "-ge" when long.TryParse(args[0], out long a) && long.TryParse(args[2], out long b) =>
                        args[1] switch { "-eq" => a == b, "-ne" => a != b, "-lt" => a < b, "-le" => a <= b, "-gt" => a > b, _ => a >= b },
                    _ => false,
                },
                _ => false,
            };
            return result != negate;
        }

        private bool LoadEnv(List<string> args, int line)
        {
            string file = Get("prefix") + "/grubenv";
            var only = new List<string>();
            for (int i = 0; i < args.Count; i++)
            {
                if (args[i] is "-f" or "--file" && i + 1 < args.Count) file = args[++i];
                else if (args[i].StartsWith("--file=", StringComparison.Ordinal)) file = args[i][7..];
                else if (!args[i].StartsWith('-')) only.Add(args[i]);
            }
            try
            {
                BootFile f = File(file, line);
                string? text = _reader._filesystems.ByDevice(f.Device)?.Root.ReadText(f.Path);
                if (text is null) return false;
                foreach (var (k, v) in GrubEnv.Parse(text))
                    if (only.Count == 0 || only.Contains(k)) Env[k] = v;
                return true;
            }
            catch (BootFormatException e)
            {
                _reader._notes.Add($"{Where(line)}: load_env: {e.Message}");
                return false;
            }
        }

        private bool Search(string name, List<string> args, int line)
        {
            string kind = name switch { "search.fs_uuid" => "uuid", "search.fs_label" => "label", "search.file" => "file", _ => "file" };
            string? variable = null;
            var rest = new List<string>();
            for (int i = 0; i < args.Count; i++)
            {
                string a = args[i];
                if (a is "--fs-uuid" or "-u") kind = "uuid";
                else if (a is "--label" or "-l") kind = "label";
                else if (a is "--file" or "-f") kind = "file";
                else if (a is "--set" or "-s") variable = "root";
                else if (a.StartsWith("--set=", StringComparison.Ordinal)) variable = a[6..];
                else if (a is "--hint") i++;
                else if (a.StartsWith('-')) { }
                else rest.Add(a);
            }
            if (rest.Count == 0) throw new BootFormatException($"{Where(line)}: {name} without a name to search for");
            if (name != "search" && rest.Count > 1) variable = rest[1];
            BootFilesystems all = _reader._filesystems;
            BootFilesystem? found = kind switch
            {
                "uuid" => all.ByUuid(rest[0]),
                "label" => all.ByLabel(rest[0]),
                _ => all.ByFile(FilesystemRoot.Normalize(rest[0])),
            };
            if (found is null)
            {
                _reader._notes.Add($"{Where(line)}: search {kind} {rest[0]}: no such filesystem");
                return false;
            }
            if (variable is not null) Env[variable] = found.Device;
            return true;
        }

        private bool Include(List<string> args, int line, int depth, bool replace)
        {
            if (args.Count == 0) throw new BootFormatException($"{Where(line)}: include without a file");
            BootFile target = File(args[0], line);
            BootFilesystem fs = _reader._filesystems.ByDevice(target.Device)!;
            if (!fs.Root.FileExists(target.Path)) return false;
            if (!replace)
            {
                RunFile(fs, target.Path, depth + 1);
                return true;
            }
            // configfile: a new context with the exported variables; its menu replaces this one (GRUB does not
            // come back unless the user presses Escape).
            var child = new Context(_reader, fs, null);
            foreach (string k in Exported) if (Env.TryGetValue(k, out string? v)) child.Env[k] = v;
            foreach (var (k, v) in Builtins) child.Env[k] = v;
            child.Exported.UnionWith(Exported);
            _replacement = child.RunFile(fs, target.Path, depth + 1);
            _stopped = true;
            return true;
        }

        /// <summary>
        /// blscfg (Fedora/RHEL's GRUB): one menu entry per BLS entry in /loader/entries or /boot/loader/entries on
        /// $root, options and initrd with GRUB variables ($kernelopts, $tuned_params, ...) expanded.
        /// </summary>
        private bool Blscfg(int line)
        {
            BootFilesystem fs = _reader._filesystems.ByDevice(Get("root")) ?? _fs;
            string directory = fs.Root.DirectoryExists("/loader/entries") ? "/loader/entries" : "/boot/loader/entries";
            var bls = BlsDirectory.Read(fs.Root, directory);
            _reader._blsUsed.Add((fs.Device, directory));
            foreach (string s in bls.Skipped) _reader._notes.Add($"{Where(line)}: blscfg: {s}");
            foreach (BlsEntry e in bls.Entries)
            {
                if (e.Linux is null) { _reader._notes.Add($"{Where(line)}: blscfg: {e.Id} has no linux line"); continue; }
                if (CountEntries(Menu) >= Limits.MaxEntries) throw new BootFormatException($"{Where(line)}: more than {Limits.MaxEntries} menu entries");
                string source = $"{fs.Device}:{directory}/{e.Id}.conf";
                // The body blscfg generates, as statements: linux ($root)PATH OPTIONS; initrd ($root)PATH...
                string text = $"linux ({fs.Device}){Quote(e.Linux)} {e.Options}\n" +
                              (e.Initrd.Count > 0 ? $"initrd {string.Join(' ', e.Initrd.Select(i => i.StartsWith('$') ? i : $"({fs.Device}){Quote(i)}"))}\n" : "");
                IReadOnlyList<GrubStatement> body;
                try { body = GrubParser.Parse(text, source, Limits); }
                catch (BootFormatException ex) { _reader._notes.Add($"{Where(line)}: blscfg: {ex.Message}"); continue; }
                Menu.Add(new GrubMenuEntry(e.DisplayTitle, e.Id, body, source));
            }
            return true;
        }

        private static string Quote(string path) => "'" + path.Replace("'", "'\\''") + "'";
    }
}
