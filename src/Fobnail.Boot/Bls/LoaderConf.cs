using Fobnail.Boot.Files;

namespace Fobnail.Boot.Bls;

/// <summary>
/// systemd-boot's <c>/loader/loader.conf</c>: only <c>default</c> matters here (a glob over entry ids; "@saved"
/// names an EFI variable we cannot read, so it counts as no default) and <c>timeout</c> is ignored.
/// </summary>
public sealed record LoaderConf(string? Default)
{
    public static LoaderConf Parse(string text, BootLimits? limits = null)
    {
        string? def = null;
        foreach (var (_, line) in ConfigLines.Split(text, "loader.conf", limits ?? BootLimits.Default))
        {
            string t = line.Trim();
            if (t.StartsWith('#')) continue;
            string[] kv = t.Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries);
            if (kv.Length == 2 && kv[0] == "default") def = kv[1].Trim();
        }
        return new LoaderConf(def is null || def.StartsWith('@') ? null : def);
    }

    /// <summary>Does the default pattern match this entry id (with or without ".conf", as systemd-boot accepts both)?</summary>
    public bool IsDefault(string id) =>
        Default is { } pattern && (Glob.Match(pattern, id) || Glob.Match(pattern, id + ".conf"));
}
