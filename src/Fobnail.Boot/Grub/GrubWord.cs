using System.Text;

namespace Fobnail.Boot.Grub;

/// <summary>
/// One word of GRUB script before expansion: literal pieces and variable references, each remembering whether it
/// was inside double quotes (an unquoted expansion is split on whitespace into several arguments, as GRUB does).
/// </summary>
public sealed record GrubWord(IReadOnlyList<GrubWord.Part> Parts)
{
    public abstract record Part(bool Quoted);
    public sealed record Literal(string Text, bool Quoted) : Part(Quoted);
    public sealed record Variable(string Name, bool Quoted) : Part(Quoted);

    /// <summary>The word as written when it has no variables (for keywords and braces); otherwise null.</summary>
    public string? Plain => Parts.All(p => p is Literal { Quoted: false }) ? string.Concat(Parts.Cast<Literal>().Select(l => l.Text)) : null;

    /// <summary>Expands to zero or more arguments.</summary>
    public IEnumerable<string> Expand(Func<string, string> lookup, int maxLength)
    {
        var fields = new List<StringBuilder> { new() };
        bool any = false;
        foreach (Part part in Parts)
        {
            string text = part switch { Literal l => l.Text, Variable v => lookup(v.Name), _ => "" };
            if (part is Variable { Quoted: false })
            {
                string[] split = text.Split([' ', '\t', '\n'], StringSplitOptions.None);
                for (int i = 0; i < split.Length; i++)
                {
                    if (i > 0) fields.Add(new StringBuilder());
                    fields[^1].Append(split[i]);
                }
                any |= text.Trim().Length > 0;
            }
            else
            {
                fields[^1].Append(text);
                any = true;
            }
            if (fields.Sum(f => f.Length) > maxLength) throw new BootFormatException($"a word expands to more than {maxLength} characters");
        }
        if (!any) return [];
        return fields.Where(f => f.Length > 0 || fields.Count == 1).Select(f => f.ToString());
    }
}
