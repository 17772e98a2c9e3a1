namespace Fobnail.Modules;

/// <summary>
/// Module name rules shared with kmod: the kernel treats '-' and '_' in module names as the same character,
/// so every name is stored with '_' (kmod's modname_normalize); aliases get the same treatment outside
/// bracket expressions (kmod's alias_normalize), so "fs-ext4" finds "alias fs-ext4 ext4".
/// </summary>
public static class ModuleName
{
    private static readonly string[] Extensions = [".ko", ".ko.xz", ".ko.zst", ".ko.gz"];

    public static string Normalize(string name) => name.Replace('-', '_');

    /// <summary>'-' → '_' except inside [...] (a bracket expression's range like [0-9] must survive).</summary>
    public static string NormalizeAlias(string alias)
    {
        if (alias.IndexOf('-') < 0)
            return alias;
        var chars = alias.ToCharArray();
        bool inBracket = false;
        for (int i = 0; i < chars.Length; i++)
        {
            char c = chars[i];
            if (inBracket)
            {
                if (c == ']')
                    inBracket = false;
            }
            else if (c == '[')
                inBracket = true;
            else if (c == '-')
                chars[i] = '_';
        }
        return new string(chars);
    }

    /// <summary>The module name of a path like kernel/drivers/usb/host/xhci-pci.ko.zst → "xhci_pci", or null.</summary>
    public static string? FromPath(string path)
    {
        string file = path[(path.LastIndexOf('/') + 1)..];
        foreach (string ext in Extensions)
        {
            if (file.Length > ext.Length && file.EndsWith(ext, StringComparison.Ordinal))
                return Normalize(file[..^ext.Length]);
        }
        return null;
    }

    /// <summary>finit_module needs MODULE_INIT_COMPRESSED_FILE for anything but a plain .ko.</summary>
    public static bool IsCompressed(string path) => !path.EndsWith(".ko", StringComparison.Ordinal);
}
