namespace Fobnail.Token.Emulator.Storage;

/// <summary>
/// The token's internal flash (LittleFS via Trussed, spec §8.4) as a directory:
/// cert/token_cert, cert/I_&lt;hex ski&gt;, keys/token (Ed25519 identity, raw 32-byte seed), meta/&lt;hex&gt;,
/// meta/&lt;hex&gt;_aik, and FTS files &lt;hex&gt;_&lt;name&gt; at the top level as on the token.
/// </summary>
public sealed class FlashStore
{
    /// <summary>Trussed's MAX_FILE_LENGTH: no file (RIM, FTS file) may be larger.</summary>
    public const int MaxFileLength = 6000;
    /// <summary>Trussed paths are at most 255 bytes; longer FTS names cannot exist on the token.</summary>
    public const int MaxPathLength = 255;

    public FlashStore(string directory)
    {
        Root = Path.GetFullPath(directory);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>
    /// --reset: wipe the token state (like re-flashing the firmware or deleting flash.bin). Only what the emulator
    /// itself creates is removed, so a mistyped --state (say, a home directory) loses nothing else.
    /// </summary>
    /// <returns>Entries that were left alone because they are not token state.</returns>
    public List<string> Wipe()
    {
        var foreign = new List<string>();
        foreach (string d in Directory.EnumerateDirectories(Root))
        {
            if (Path.GetFileName(d) is "cert" or "keys" or "meta" or "owner") Directory.Delete(d, recursive: true);
            else foreign.Add(d);
        }
        foreach (string f in Directory.EnumerateFiles(Root))
        {
            if (IsFtsFileName(Path.GetFileName(f)) || Path.GetFileName(f) == ".write.tmp") File.Delete(f);
            else foreign.Add(f);
        }
        return foreign;
    }

    /// <summary>&lt;64 lowercase hex&gt;_&lt;name&gt;: an FTS file.</summary>
    private static bool IsFtsFileName(string name) =>
        name.Length > 65 && name[64] == '_' && name.AsSpan(0, 64).IndexOfAnyExcept("0123456789abcdef") < 0;

    /// <summary>"Token provisioned" means /cert/ is not empty.</summary>
    public bool TokenProvisioned =>
        Directory.Exists(Path.Combine(Root, "cert")) && Directory.EnumerateFileSystemEntries(Path.Combine(Root, "cert")).Any();

    public byte[]? ReadFile(string relativePath)
    {
        string p = Resolve(relativePath);
        return File.Exists(p) ? File.ReadAllBytes(p) : null;
    }

    public bool Exists(string relativePath) => File.Exists(Resolve(relativePath));

    /// <summary>
    /// trussed's locate_file(Location::Internal, None, name): a file with that NAME anywhere in the flash,
    /// searched recursively (trussed src/store/filestore.rs), not only at the top level where FTS files live.
    /// </summary>
    public bool Locate(string fileName) =>
        Directory.Exists(Root) && Directory.EnumerateFiles(Root, fileName, SearchOption.AllDirectories)
            .Any(f => !Path.GetRelativePath(Root, f).StartsWith("owner" + Path.DirectorySeparatorChar, StringComparison.Ordinal));

    public void WriteFile(string relativePath, byte[] data)
    {
        if (data.Length > MaxFileLength)
            throw new IOException($"{relativePath}: {data.Length} bytes exceeds MAX_FILE_LENGTH {MaxFileLength}");
        string p = Resolve(relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        // Write-then-rename so a crash never leaves a half-written "flash" file. The temporary name is short
        // and fixed: a 255-byte file name has no room for a suffix, and writes are serialised by the core.
        string tmp = Path.Combine(Root, ".write.tmp");
        File.WriteAllBytes(tmp, data);
        File.Move(tmp, p, overwrite: true);
    }

    public bool DeleteFile(string relativePath)
    {
        string p = Resolve(relativePath);
        if (!File.Exists(p)) return false;
        File.Delete(p);
        return true;
    }

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    public const string TokenCertPath = "cert/token_cert";
    public const string TokenKeyPath = "keys/token";
    public static string IssuerPath(ReadOnlySpan<byte> ski) => "cert/I_" + Hex(ski);
    public static string RimPath(ReadOnlySpan<byte> metadataHash) => "meta/" + Hex(metadataHash);
    public static string AikPath(ReadOnlySpan<byte> metadataHash) => "meta/" + Hex(metadataHash) + "_aik";
    public static string FtsPath(ReadOnlySpan<byte> platform, string name) => Hex(platform) + "_" + name;

    /// <summary>Maps a flash path into the directory; refuses anything that would leave it.</summary>
    private string Resolve(string relativePath)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(relativePath) + 1 > MaxPathLength)
            throw new IOException($"path /{relativePath} exceeds {MaxPathLength} bytes");
        string p = Path.GetFullPath(Path.Combine(Root, relativePath));
        if (!p.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new IOException($"path {relativePath} leaves the flash directory");
        return p;
    }
}
