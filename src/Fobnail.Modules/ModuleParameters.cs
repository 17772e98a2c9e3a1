using System.Text;

namespace Fobnail.Modules;

/// <summary>
/// Module parameters given on the kernel command line as "module.param=value" (kernel-parameters.txt:
/// "Parameters for modules which are built into the kernel need to be specified on the kernel command line.
/// modprobe looks through the kernel command line for "modname.param=value" for loadable modules too).
/// Words are split like the kernel's next_arg(): spaces separate, double quotes group, and quotes around the
/// whole word or the value are removed. Words after "--" belong to init and are not parameters.
/// "modprobe.blacklist=a,b" (kmod's kernel-command-line blacklist) is collected into <see cref="Blacklist"/>.
/// </summary>
public sealed class ModuleParameters
{
    public const int MaxCommandLineLength = 64 * 1024;
    public const int MaxParameters = 4096;

    private readonly Dictionary<string, List<string>> _byModule;

    private ModuleParameters(Dictionary<string, List<string>> byModule, HashSet<string> blacklist)
    {
        _byModule = byModule;
        Blacklist = blacklist;
    }

    public static ModuleParameters None { get; } = new([], []);

    /// <summary>
    /// Modules named by modprobe.blacklist=, normalized. As with kmod and udev, they are not loaded for a
    /// modalias, but an explicit load by name still loads them.
    /// </summary>
    public IReadOnlySet<string> Blacklist { get; }

    /// <summary>Modules that have parameters, normalized.</summary>
    public IEnumerable<string> Modules => _byModule.Keys;

    /// <summary>
    /// Parses a kernel command line (e.g. the contents of /proc/cmdline). Never fails on content; throws
    /// <see cref="KernelCommandLineException"/> only when the line or its parameter count is over the limits.
    /// </summary>
    public static ModuleParameters FromKernelCommandLine(string commandLine)
    {
        if (commandLine.Length > MaxCommandLineLength)
            throw new KernelCommandLineException($"kernel command line longer than {MaxCommandLineLength} characters");
        var byModule = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var blacklist = new HashSet<string>(StringComparer.Ordinal);
        int count = 0;
        foreach (string word in SplitWords(commandLine))
        {
            if (word == "--")
                break;
            int eq = word.IndexOf('=');
            string key = eq < 0 ? word : word[..eq];
            int dot = key.IndexOf('.');
            if (dot <= 0 || dot == key.Length - 1)
                continue; // not "module.param"
            string module = ModuleName.Normalize(key[..dot]);
            string param = key[(dot + 1)..];
            string value = eq < 0 ? "" : Unquote(word[(eq + 1)..]);
            if (++count > MaxParameters)
                throw new KernelCommandLineException($"more than {MaxParameters} module parameters on the kernel command line");
            if (module == "modprobe" && param == "blacklist")
            {
                foreach (string name in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    blacklist.Add(ModuleName.Normalize(name));
                continue;
            }
            if (!byModule.TryGetValue(module, out var list))
                byModule[module] = list = [];
            list.Add(eq < 0 ? param : param + "=" + Quote(value));
        }
        return new ModuleParameters(byModule, blacklist);
    }

    /// <summary>The param_values string for finit_module(2), e.g. "debug=1 name=\"a b\"", or "".</summary>
    public string For(string module) =>
        _byModule.TryGetValue(ModuleName.Normalize(module), out var list) ? string.Join(' ', list) : "";

    /// <summary>The kernel's next_arg(): space-separated words, double quotes suppress splitting.</summary>
    private static IEnumerable<string> SplitWords(string line)
    {
        var word = new StringBuilder();
        bool inQuote = false;
        foreach (char c in line)
        {
            if (c == '"')
                inQuote = !inQuote;
            if (!inQuote && IsSpace(c))
            {
                if (word.Length > 0)
                    yield return TrimWholeWordQuotes(word.ToString());
                word.Clear();
                continue;
            }
            word.Append(c);
        }
        if (word.Length > 0)
            yield return TrimWholeWordQuotes(word.ToString());
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\r' or '\v' or '\f';

    /// <summary>next_arg() strips a quote that opens the whole word ("mod.p=v w") and the one that closes it.</summary>
    private static string TrimWholeWordQuotes(string word)
    {
        if (word.Length > 0 && word[0] == '"')
        {
            word = word[1..];
            if (word.EndsWith('"'))
                word = word[..^1];
        }
        return word;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value.Trim('"');

    /// <summary>finit_module parses param_values with the same next_arg(), so values with spaces need quotes.</summary>
    private static string Quote(string value) =>
        value.AsSpan().IndexOfAny(" \t\n\r\v\f") >= 0 ? "\"" + value.Replace("\"", "") + "\"" : value;
}
