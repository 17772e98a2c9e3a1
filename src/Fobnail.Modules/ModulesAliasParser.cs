namespace Fobnail.Modules;

/// <summary>modules.alias: "alias &lt;fnmatch pattern&gt; &lt;module&gt;" per line, '#' comments.</summary>
public static class ModulesAliasParser
{
    public const string FileName = "modules.alias";

    public static IReadOnlyList<ModuleAlias> Parse(ReadOnlySpan<byte> content)
    {
        var aliases = new List<ModuleAlias>();
        ModuleFileReader.ForEachLine(content, FileName, (line, tokens) =>
        {
            if (tokens[0] != "alias")
                throw new ModuleIndexException(FileName, line, $"unknown command '{ModulesDepParser.Shorten(tokens[0])}' (expected 'alias')");
            if (tokens.Length != 3)
                throw new ModuleIndexException(FileName, line, $"expected \"alias <pattern> <module>\", got {tokens.Length} words");
            string module = ModuleFileReader.CheckName(tokens[2], FileName, line, "module name");
            aliases.Add(new ModuleAlias(ModuleName.NormalizeAlias(tokens[1]), module));
        });
        return aliases;
    }
}
