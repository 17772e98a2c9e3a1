namespace Fobnail.Attester.Platform;

/// <summary>
/// Explicit values that replace what the platform reports (a QEMU guest may have no PCI NIC or no useful SMBIOS).
/// From a metadata file of <c>key=value</c> lines (keys as in §6.1: mac, manufacturer, product_name,
/// serial_number; '#' starts a comment), or from CLI/kernel command line fields.
/// </summary>
public sealed record MetadataOverrides(byte[]? Mac = null, string? Manufacturer = null, string? ProductName = null, string? SerialNumber = null)
{
    /// <summary>Bound on the override file (the whole metadata must stay under 1024 bytes anyway, §6.3).</summary>
    public const int MaxFileSize = 4096;

    public static MetadataOverrides None { get; } = new();

    public bool IsComplete => Mac is not null && Manufacturer is not null && ProductName is not null && SerialNumber is not null;

    public bool SmbiosComplete => Manufacturer is not null && ProductName is not null && SerialNumber is not null;

    /// <summary>Fields of <paramref name="other"/> win where set.</summary>
    public MetadataOverrides With(MetadataOverrides other) => new(
        other.Mac ?? Mac, other.Manufacturer ?? Manufacturer, other.ProductName ?? ProductName, other.SerialNumber ?? SerialNumber);

    public static MetadataOverrides ReadFile(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new PlatformMetadataException($"metadata file {path} does not exist");
        if (info.Length > MaxFileSize)
            throw new PlatformMetadataException($"metadata file {path} is {info.Length} bytes, more than {MaxFileSize}");
        return Parse(File.ReadAllText(path), path);
    }

    public static MetadataOverrides Parse(string text, string source = "metadata")
    {
        var result = None;
        int lineNumber = 0;
        foreach (string raw in text.Split('\n'))
        {
            lineNumber++;
            string line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
                continue;
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                throw new PlatformMetadataException($"{source}:{lineNumber}: expected key=value");
            result = result.With(Field(line[..eq].Trim(), line[(eq + 1)..], $"{source}:{lineNumber}"));
        }
        return result;
    }

    /// <summary>Kernel command line prefix of metadata fields, e.g. <c>fobnail.meta.serial_number=42</c>.</summary>
    public const string KernelParameterPrefix = "fobnail.meta.";

    /// <summary>
    /// The fields among already-split kernel command line parameters (name, value) whose names start with
    /// <see cref="KernelParameterPrefix"/>; other parameters are ignored.
    /// </summary>
    public static MetadataOverrides FromKernelParameters(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var result = None;
        foreach (var (name, value) in parameters)
            if (name.StartsWith(KernelParameterPrefix, StringComparison.Ordinal))
                result = result.With(Field(name[KernelParameterPrefix.Length..], value, "kernel command line " + name));
        return result;
    }

    /// <summary>One field by its §6.1 key; values are taken verbatim (no trimming: they become hashed bytes).</summary>
    public static MetadataOverrides Field(string key, string value, string source = "override") => key switch
    {
        "mac" => new(Mac: PrimaryNic.ParseMac(value) ?? throw new PlatformMetadataException($"{source}: mac must be aa:bb:cc:dd:ee:ff")),
        "manufacturer" => new(Manufacturer: NonEmpty(value, key, source)),
        "product_name" => new(ProductName: NonEmpty(value, key, source)),
        "serial_number" => new(SerialNumber: NonEmpty(value, key, source)),
        _ => throw new PlatformMetadataException($"{source}: unknown key '{key}' (mac, manufacturer, product_name, serial_number)"),
    };

    private static string NonEmpty(string value, string key, string source) =>
        value.Length == 0 ? throw new PlatformMetadataException($"{source}: {key} must not be empty (the token rejects it)") : value;
}
