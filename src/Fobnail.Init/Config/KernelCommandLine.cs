namespace Fobnail.Init.Config;

/// <summary>One kernel command line parameter: <c>key</c> or <c>key=value</c>.</summary>
public readonly record struct KernelParameter(string Key, string? Value);

/// <summary>
/// Splits /proc/cmdline the way the kernel's own next_arg() (lib/cmdline.c) does: parameters are separated by
/// whitespace, a double quote toggles quoting anywhere in a parameter and is removed, and "--" ends the kernel's
/// parameters (everything after it is handed to init as arguments).
/// </summary>
public sealed class KernelCommandLine
{
    /// <summary>Upper bound on what we read: x86 COMMAND_LINE_SIZE is 2048; allow generous headroom, no more.</summary>
    public const int MaxLength = 64 * 1024;

    public IReadOnlyList<KernelParameter> Parameters { get; }
    public IReadOnlyList<string> InitArguments { get; }
    /// <summary>The text as given, for consumers with their own rules (module parameters).</summary>
    public string Text { get; }

    private KernelCommandLine(string text, IReadOnlyList<KernelParameter> parameters, IReadOnlyList<string> initArguments)
    {
        Text = text;
        Parameters = parameters;
        InitArguments = initArguments;
    }

    public static KernelCommandLine Parse(string text)
    {
        if (text.Length > MaxLength)
            throw new FormatException($"kernel command line is {text.Length} characters, more than the {MaxLength} accepted");

        var parameters = new List<KernelParameter>();
        var initArgs = new List<string>();
        bool afterDashDash = false;
        int i = 0;
        while (true)
        {
            while (i < text.Length && IsSpace(text[i])) i++;
            if (i >= text.Length) break;

            var token = new System.Text.StringBuilder();
            int equals = -1;
            bool quoted = false;
            for (; i < text.Length; i++)
            {
                char c = text[i];
                if (c == '"') { quoted = !quoted; continue; }
                if (!quoted && IsSpace(c)) break;
                if (c == '=' && equals < 0) equals = token.Length;
                token.Append(c);
            }

            string raw = token.ToString();
            if (raw.Length == 0) continue; // "" on its own: nothing to pass on
            if (afterDashDash) { initArgs.Add(raw); continue; }
            if (raw == "--") { afterDashDash = true; continue; }
            parameters.Add(equals < 0
                ? new KernelParameter(raw, null)
                : new KernelParameter(raw[..equals], raw[(equals + 1)..]));
        }
        return new KernelCommandLine(text, parameters, initArgs);
    }

    public static KernelCommandLine ReadProc(string path = "/proc/cmdline")
    {
        using var stream = File.OpenRead(path);
        var buffer = new byte[MaxLength + 1];
        int total = 0, n;
        while (total < buffer.Length && (n = stream.Read(buffer, total, buffer.Length - total)) > 0) total += n;
        return Parse(System.Text.Encoding.UTF8.GetString(buffer, 0, total).TrimEnd('\n', '\0'));
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\r' or '\v' or '\f';
}
