using Fobnail.Attester.Flows;

namespace Fobnail.Init.Config;

/// <summary>
/// One entry of <c>fobnail.secret=NAME[:PATH][,...]</c>: the FTS file NAME on the token and the absolute PATH the
/// booted system finds it at in its initramfs (default <see cref="DefaultPath"/>, where systemd-cryptsetup looks).
/// </summary>
public sealed record SecretSpec(string Name, string Path)
{
    /// <summary>More secrets than this in one boot is a configuration mistake, not a use case.</summary>
    public const int MaxSecrets = 16;
    public const int MaxPathBytes = 1024;
    /// <summary>The most a token file holds (firmware MAX_FILE_LENGTH).</summary>
    public const int MaxSecretBytes = 6000;

    /// <summary>systemd-cryptsetup's key directory: a volume NAME in crypttab without a key file uses NAME.key there.</summary>
    public static string DefaultPath(string name) => $"/etc/cryptsetup-keys.d/{name}.key";

    public override string ToString() => $"{Name}:{Path}";

    /// <summary>Parses the option's value; a bad entry is a <see cref="FormatException"/> naming it.</summary>
    public static IReadOnlyList<SecretSpec> ParseList(string value)
    {
        string[] items = value.Split(',', StringSplitOptions.TrimEntries);
        if (items.Length > MaxSecrets)
            throw new FormatException($"more than {MaxSecrets} secrets");
        var specs = new List<SecretSpec>();
        foreach (string item in items)
        {
            int colon = item.IndexOf(':', StringComparison.Ordinal);
            string name = colon < 0 ? item : item[..colon];
            if (ProblemWithName(name) is { } bad)
                throw new FormatException(bad);
            string path = colon < 0 ? DefaultPath(name) : item[(colon + 1)..];
            if (ProblemWithPath(path) is { } problem)
                throw new FormatException($"secret {name}: '{path}' {problem}");
            if (specs.Any(s => s.Name == name))
                throw new FormatException($"secret {name} is named twice");
            if (specs.Any(s => s.Path == path))
                throw new FormatException($"two secrets would land at {path}");
            specs.Add(new SecretSpec(name, path));
        }
        return specs;
    }

    /// <summary>Null when the token accepts <paramref name="name"/> as an FTS file name (FtsClient's rule), else why not.</summary>
    public static string? ProblemWithName(string name)
    {
        try
        {
            FtsClient.Path(name);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message.Split(" (Parameter")[0];
        }
    }

    /// <summary>
    /// Null when <paramref name="path"/> is a usable place for a secret in an initramfs: absolute, no empty, "." or
    /// ".." segment, no NUL or control character, bounded, and not the event log's own directory.
    /// </summary>
    public static string? ProblemWithPath(string path)
    {
        if (!path.StartsWith('/')) return "is not an absolute path";
        if (System.Text.Encoding.UTF8.GetByteCount(path) > MaxPathBytes) return $"is longer than {MaxPathBytes} bytes";
        if (path.Any(char.IsControl)) return "contains a control character";
        string[] segments = path[1..].Split('/');
        if (segments.Any(s => s is "" or "." or "..")) return "has an empty, '.' or '..' segment (or ends in '/')";
        if (segments[0] == ".fobnail") return "is under /.fobnail, which holds the event log";
        return null;
    }
}
