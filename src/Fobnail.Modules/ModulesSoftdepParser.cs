namespace Fobnail.Modules;

/// <summary>
/// modules.softdep: "softdep &lt;module&gt; pre: a b post: c". Parsed like kmod's modprobe.d parser: words
/// before the first "pre:"/"post:" are ignored (Debian 6.1 has "softdep cifs gcm", which kmod ignores too),
/// and only the first softdep line of a module counts ("find only the first command, as modprobe from
/// module-init-tools does" in libkmod), so ksmbd's twelve lines mean just "pre: crc32".
/// </summary>
public static class ModulesSoftdepParser
{
    public const string FileName = "modules.softdep";

    public static IReadOnlyDictionary<string, ModuleSoftdep> Parse(ReadOnlySpan<byte> content)
    {
        var softdeps = new Dictionary<string, ModuleSoftdep>(StringComparer.Ordinal);
        ModuleFileReader.ForEachLine(content, FileName, (line, tokens) =>
        {
            if (tokens[0] != "softdep")
                throw new ModuleIndexException(FileName, line, $"unknown command '{ModulesDepParser.Shorten(tokens[0])}' (expected 'softdep')");
            if (tokens.Length < 2)
                throw new ModuleIndexException(FileName, line, "softdep without a module name");
            if (tokens.Length - 2 > ModuleIndexLimits.MaxSoftdeps)
                throw new ModuleIndexException(FileName, line, $"more than {ModuleIndexLimits.MaxSoftdeps} soft dependencies");
            string module = ModuleFileReader.CheckName(tokens[1], FileName, line, "module name");
            var pre = new List<string>();
            var post = new List<string>();
            List<string>? current = null;
            foreach (string token in tokens.Skip(2))
            {
                if (token == "pre:")
                    current = pre;
                else if (token == "post:")
                    current = post;
                else if (current is not null)
                {
                    ModuleFileReader.CheckName(token, FileName, line, "soft dependency");
                    current.Add(token);
                }
            }
            softdeps.TryAdd(module, new ModuleSoftdep(pre, post));
        });
        return softdeps;
    }
}
