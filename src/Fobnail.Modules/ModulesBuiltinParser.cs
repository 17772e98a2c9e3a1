namespace Fobnail.Modules;

/// <summary>modules.builtin: one path per line of a module compiled into the kernel image.</summary>
public static class ModulesBuiltinParser
{
    public const string FileName = "modules.builtin";

    public static IReadOnlySet<string> Parse(ReadOnlySpan<byte> content)
    {
        var builtin = new HashSet<string>(StringComparer.Ordinal);
        ModuleFileReader.ForEachLine(content, FileName, (line, tokens) =>
        {
            if (tokens.Length != 1)
                throw new ModuleIndexException(FileName, line, $"expected one module path, got {tokens.Length} words");
            string path = ModulesDepParser.CheckPath(tokens[0], line, FileName);
            builtin.Add(ModuleName.FromPath(path)!);
        });
        return builtin;
    }
}
