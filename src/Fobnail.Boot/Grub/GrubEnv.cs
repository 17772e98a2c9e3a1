namespace Fobnail.Boot.Grub;

/// <summary>
/// GRUB's environment block (<c>grubenv</c>, written by grub-editenv): "# GRUB Environment Block" then NAME=VALUE
/// lines, padded with '#' to 1024 bytes. Values may carry backslash escapes for '\\' and newline.
/// </summary>
public static class GrubEnv
{
    public const int BlockSize = 1024;

    public static IReadOnlyDictionary<string, string> Parse(string text)
    {
        if (text.Length > BlockSize * 4) throw new BootFormatException($"grubenv is {text.Length} bytes; an environment block is {BlockSize}");
        if (!text.StartsWith("# GRUB Environment Block", StringComparison.Ordinal))
            throw new BootFormatException("grubenv does not start with '# GRUB Environment Block'");
        var vars = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith('#')) continue;
            int eq = line.IndexOf('=');
            if (eq <= 0) continue;
            vars[line[..eq]] = line[(eq + 1)..].Replace("\\n", "\n").Replace("\\\\", "\\");
        }
        return vars;
    }
}
