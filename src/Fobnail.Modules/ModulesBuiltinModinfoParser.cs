using System.Text;

namespace Fobnail.Modules;

/// <summary>
/// modules.builtin.modinfo: the .modinfo sections of built-in modules, NUL-separated "module.key=value"
/// records (e.g. "debugfs.alias=fs-debugfs"). Only the aliases matter here: a modalias that matches a
/// built-in driver needs no loading, and saying so beats reporting "no module".
/// </summary>
public static class ModulesBuiltinModinfoParser
{
    public const string FileName = "modules.builtin.modinfo";

    public static IReadOnlyList<ModuleAlias> Parse(ReadOnlySpan<byte> content)
    {
        var aliases = new List<ModuleAlias>();
        int record = 0;
        while (!content.IsEmpty)
        {
            record++;
            if (record > ModuleIndexLimits.MaxLines)
                throw new ModuleIndexException(FileName, record, $"more than {ModuleIndexLimits.MaxLines} records");
            int nul = content.IndexOf((byte)0);
            ReadOnlySpan<byte> entry = nul < 0 ? content : content[..nul];
            content = nul < 0 ? default : content[(nul + 1)..];
            if (entry.IsEmpty)
                continue;
            if (entry.Length > ModuleIndexLimits.MaxLineLength)
                throw new ModuleIndexException(FileName, record, $"record longer than {ModuleIndexLimits.MaxLineLength} bytes");
            string text = Encoding.Latin1.GetString(entry);
            int eq = text.IndexOf('=');
            int dot = eq < 0 ? -1 : text.LastIndexOf('.', eq);
            if (dot <= 0)
                throw new ModuleIndexException(FileName, record, $"expected \"module.key=value\", got '{ModulesDepParser.Shorten(text)}'");
            if (text.AsSpan(dot + 1, eq - dot - 1).SequenceEqual("alias"))
            {
                string module = ModuleFileReader.CheckName(text[..dot], FileName, record, "module name");
                aliases.Add(new ModuleAlias(ModuleName.NormalizeAlias(text[(eq + 1)..]), module));
            }
        }
        return aliases;
    }
}
